import Foundation
import RepriseData
import RepriseEngine
import RepriseSuite

/// Model-wise double descent and its optimization view (Liu & Flanigan 2023,
/// with Belkin et al. 2019, Advani & Saxe 2017). Replications/double-descent/README.md
/// gives the protocol and every deviation.
///
/// Random ReLU features φ(x) = relu(W x / √d) of n noisy-label Fashion-MNIST
/// images, a linear readout to one-hot targets, and a sweep over the feature
/// count p. The readout is fit by (a) the exact minimum-norm least-squares
/// solution, (b) full-batch gradient descent with several step budgets, on raw
/// and on standardized features, and (c) mini-batch SGD and Adam. The peak at
/// p = n should appear only for the fits that reach a low training loss.
public struct DoubleDescent: Scenario {
    public static let id = "double-descent"
    public static let parameters = Parameter.of([
        Keys.nTrain, Keys.nTest, Keys.labelNoise, Keys.seeds, Keys.pOverN, Keys.gdSteps, Keys.iterativePOverN,
        Keys.iterativeOptimizers, Keys.iterativeBatch, Keys.sgdLR, Keys.adamLR, Keys.epochs, Keys.cosineBatch,
        Keys.cosineLR, Keys.cosineEpochs, Keys.initScale,
    ])
    public static let metrics = [
        Metrics.minnormPeakPOverN.name, Metrics.minnormPeakError.name, Metrics.minnormPeakOverBestLeft.name,
        Metrics.minnormPeakOverBestRight.name,
        Metrics.conditionPeakPOverN.name, Metrics.conditionPeakOverErrorPeak.name, Metrics.conditionAtThreshold.name,
        Metrics.deadFeatureFraction.name,
        Metrics.gdBudgetVsPeakSpearman.name, Metrics.gdPeakSmallestBudget.name, Metrics.gdPeakLargestBudget.name,
        Metrics.lossVsPeakSpearman.name,
        Metrics.gdStdBudgetVsPeakSpearman.name, Metrics.lossVsRelativePeakSpearman.name, Metrics.settingsCompared.name,
        Metrics.minnormTrainLossAtThreshold.name,
        // v2 of claims 3 and 4: the peak's prominence and the training loss above its attainable floor.
        Metrics.minnormProminence.name, Metrics.minnormStdProminence.name, Metrics.gdBudgetVsProminenceSpearman.name,
        Metrics.gdProminenceSmallestBudget.name,
        Metrics.gdProminenceLargestBudget.name, Metrics.gdLargestBudgetExcessLoss.name,
        Metrics.gdStdBudgetVsProminenceSpearman.name,
        Metrics.excessLossVsProminenceSpearman.name, Metrics.lowLossMinProminence.name,
        Metrics.highLossMaxProminence.name,
        Metrics.cosineAdamExcessLoss.name, Metrics.cosineAdamProminence.name,
        Metrics.minnormStdTrainLossAtThreshold.name,
        // v3: one value per seed (each seed its own data draw, features and init), intervals with tested coverage.
        Metrics.minnormSeedPeakPOverN.name, Metrics.minnormSeedPeakOverBestLeft.name,
        Metrics.minnormSeedPeakOverBestRight.name,
        Metrics.conditionSeedPeakOverErrorPeak.name, Metrics.gdSeedProminenceSmallestBudget.name,
        Metrics.gdSeedProminenceLargestBudget.name, Metrics.gdSeedProminenceSlopePerDecade.name,
        Metrics.excessLossVsProminenceSeedSpearman.name, Metrics.lowLossSeedMinProminence.name,
        Metrics.highLossSeedMaxProminence.name,
        // The initialization arm (GD from w0 != 0 at the largest budget): reported, no claim (README).
        Metrics.initArmErrorAt2nOverZeroInit.name, Metrics.initArmProminence.name,
        Metrics.initArmErrorAtNOverZeroInit.name,
    ]
    public init() {}

    /// The metric names recorded with a literal name, declared once (families with a parameter are spelt in
    /// `metrics`).
    enum Metrics {
        static let minnormPeakPOverN = MetricKey("minnorm_peak_p_over_n")
        static let minnormPeakError = MetricKey("minnorm_peak_error")
        static let minnormPeakOverBestLeft = MetricKey("minnorm_peak_over_best_left")
        static let minnormPeakOverBestRight = MetricKey("minnorm_peak_over_best_right")
        static let conditionPeakPOverN = MetricKey("condition_peak_p_over_n")
        static let conditionPeakOverErrorPeak = MetricKey("condition_peak_over_error_peak")
        static let conditionAtThreshold = MetricKey("condition_at_threshold")
        static let deadFeatureFraction = MetricKey("dead_feature_fraction")
        static let gdBudgetVsPeakSpearman = MetricKey("gd_budget_vs_peak_spearman")
        static let gdPeakSmallestBudget = MetricKey("gd_peak_smallest_budget")
        static let gdPeakLargestBudget = MetricKey("gd_peak_largest_budget")
        static let lossVsPeakSpearman = MetricKey("loss_vs_peak_spearman")
        static let gdStdBudgetVsPeakSpearman = MetricKey("gd_std_budget_vs_peak_spearman")
        static let lossVsRelativePeakSpearman = MetricKey("loss_vs_relative_peak_spearman")
        static let settingsCompared = MetricKey("settings_compared")
        static let minnormTrainLossAtThreshold = MetricKey("minnorm_train_loss_at_threshold")
        static let minnormProminence = MetricKey("minnorm_prominence")
        static let minnormStdProminence = MetricKey("minnorm_std_prominence")
        static let gdBudgetVsProminenceSpearman = MetricKey("gd_budget_vs_prominence_spearman")
        static let gdProminenceSmallestBudget = MetricKey("gd_prominence_smallest_budget")
        static let gdProminenceLargestBudget = MetricKey("gd_prominence_largest_budget")
        static let gdLargestBudgetExcessLoss = MetricKey("gd_largest_budget_excess_loss")
        static let gdStdBudgetVsProminenceSpearman = MetricKey("gd_std_budget_vs_prominence_spearman")
        static let excessLossVsProminenceSpearman = MetricKey("excess_loss_vs_prominence_spearman")
        static let lowLossMinProminence = MetricKey("low_loss_min_prominence")
        static let highLossMaxProminence = MetricKey("high_loss_max_prominence")
        static let cosineAdamExcessLoss = MetricKey("cosine_adam_excess_loss")
        static let cosineAdamProminence = MetricKey("cosine_adam_prominence")
        static let minnormStdTrainLossAtThreshold = MetricKey("minnorm_std_train_loss_at_threshold")
        static let minnormSeedPeakPOverN = MetricKey("minnorm_seed_peak_p_over_n")
        static let minnormSeedPeakOverBestLeft = MetricKey("minnorm_seed_peak_over_best_left")
        static let minnormSeedPeakOverBestRight = MetricKey("minnorm_seed_peak_over_best_right")
        static let conditionSeedPeakOverErrorPeak = MetricKey("condition_seed_peak_over_error_peak")
        static let gdSeedProminenceSmallestBudget = MetricKey("gd_seed_prominence_smallest_budget")
        static let gdSeedProminenceLargestBudget = MetricKey("gd_seed_prominence_largest_budget")
        static let gdSeedProminenceSlopePerDecade = MetricKey("gd_seed_prominence_slope_per_decade")
        static let excessLossVsProminenceSeedSpearman = MetricKey("excess_loss_vs_prominence_seed_spearman")
        static let lowLossSeedMinProminence = MetricKey("low_loss_seed_min_prominence")
        static let highLossSeedMaxProminence = MetricKey("high_loss_seed_max_prominence")
        static let initArmErrorAt2nOverZeroInit = MetricKey("init_arm_error_at_2n_over_zero_init")
        static let initArmProminence = MetricKey("init_arm_prominence")
        static let initArmErrorAtNOverZeroInit = MetricKey("init_arm_error_at_n_over_zero_init")
    }

    /// The series `aggregate` records and `figures` draws, each declared once (families with their parameter).
    enum Series {
        static let conditionRaw = SeriesKey("condition/raw")
        static let conditionStandardized = SeriesKey("condition/standardized")
        /// Per fit (by its name, `Fit.name`, or `initArm`): medians over seeds against p/n, and each seed's error.
        static let testError = SeriesFamily<String> { "test_error/\($0)" }
        static let testMSE = SeriesFamily<String> { "test_mse/\($0)" }
        static let trainLoss = SeriesFamily<String> { "train_loss/\($0)" }
        static let testErrorOfSeed = SeriesFamily<(fit: String, seed: Int)> { "test_error_seed/\($0.fit)/\($0.seed)" }
        /// Per group of fits: each fit's error at p = n, and its peak prominence, against its training loss there.
        static let peakVsLoss = SeriesFamily<FitGroup> { "peak_vs_loss/\($0.rawValue)" }
        static let prominenceVsExcessLoss = SeriesFamily<FitGroup> { "prominence_vs_excess_loss/\($0.rawValue)" }
    }

    /// What each trial records and `aggregate` reads back, each declared once.
    enum Values {
        /// Per fit (by its name, or `initArm`) at the trial's p.
        static let testError = ValueFamily<String> { "test_error/\($0)" }
        static let testMSE = ValueFamily<String> { "test_mse/\($0)" }
        static let trainLoss = ValueFamily<String> { "train_loss/\($0)" }
        static let conditionRaw = ValueKey("condition/raw")
        static let conditionStandardized = ValueKey("condition/standardized")
        static let deadFraction = ValueKey("dead_fraction")
    }

    /// The config keys: the profiles' (checked against `parameters` when the folder is loaded), then each trial's own.
    enum Keys {
        static let nTrain = Key.integer("n_train", 10...60_000)
        static let nTest = Key.integer("n_test", 10...10_000)
        static let labelNoise = Key.real("label_noise", 0...1)
        static let seeds = Key.integer("seeds", 1...1000)
        static let pOverN = Key.reals("p_over_n", 0.001...100)
        static let gdSteps = Key.integers("gd_steps", 0...1_000_000_000_000_000)
        static let iterativePOverN = Key.reals("iterative_p_over_n", 0.001...100)
        static let iterativeOptimizers = Key.names("iterative_optimizers", in: ["sgd", "adam"])
        static let iterativeBatch = Key.integers("iterative_batch", 1...60_000)
        static let sgdLR = Key.reals("sgd_lr", 1e-8...100)
        static let adamLR = Key.reals("adam_lr", 1e-8...10)
        static let epochs = Key.integer("epochs", 0...1_000_000)
        static let cosineBatch = Key.integer("cosine_batch", 1...60_000)
        static let cosineLR = Key.real("cosine_lr", 1e-8...10)
        static let cosineEpochs = Key.integer("cosine_epochs", 0...1_000_000)
        static let initScale = Key.real("init_scale", 0...100)
        // Each trial's own, set by trials(_:).
        static let p = Key.integer("p", 1...10_000_000)
        static let pMax = Key.integer("p_max", 1...10_000_000)
        static let seedIndex = Key.integer("seed_index", 0...1_000_000)
        static let iterative = Key.flag("iterative")
    }

    /// The fits' groups in the prominence figure and its claim (v2's claim 4 reads them all).
    enum FitGroup: String, CaseIterable {
        case minNorm = "min-norm", gdRaw = "GD, raw", gdStandardized = "GD, standardized", iterative = "SGD / Adam"
    }

    /// How the readout is fit.
    enum Fit {
        /// Minimum-norm least squares: w = V S⁺ Uᵀ Y from LAPACK's SVD (numpy's pinv cutoff), on raw
        /// features, or on standardized features with an intercept column (their own reference).
        case minNorm
        case minNormStandardized
        /// Full-batch GD on L = ‖Φw − Y‖²/2n from w = 0 with step 1/λ_max for `steps` steps.
        case gd(steps: Int, standardized: Bool)
        /// Mini-batch training through the engine, `optimizer` "sgd" or "adam". For SGD `lr` is in
        /// units of 1/λ_max (full-batch GD is stable below 2/λ_max, whatever p); for Adam it is absolute.
        /// `cosine`: the lr decays as (1 + cos(π t/T))/2 to zero over the T steps (the low-loss setting).
        case iterative(optimizer: String, batch: Int, lr: Double, epochs: Int, cosine: Bool)

        var name: String {
            switch self {
            case .minNorm: return "min-norm"
            case .minNormStandardized: return "min-norm std"
            case let .gd(t, s): return "GD T=\(fmt(Double(t)))\(s ? " std" : "")"
            case let .iterative(o, b, lr, e, cosine):
                return
                    "\(o.uppercased())\(cosine ? " cosine" : "") b=\(b) "
                    + "lr=\(fmt(lr))\(o == "sgd" ? "/lambda_max" : "") \(e)ep"
            }
        }

        var group: FitGroup {
            switch self {
            case .minNorm, .minNormStandardized: .minNorm
            case let .gd(_, s): s ? .gdStandardized : .gdRaw
            case .iterative: .iterative
            }
        }

        var standardized: Bool {
            switch self {
            case .minNormStandardized: return true
            case let .gd(_, s): return s
            default: return false
            }
        }
    }

    public func validate(_ config: Config) throws {
        // Claims 3 and 4 read every fit at the interpolation threshold p = n, and its prominence over p = n/2 and 2n.
        for r in [0.5, 1, 2] where !config[Keys.pOverN].contains(r) || !config[Keys.iterativePOverN].contains(r) {
            throw SuiteError.badConfig(
                "p_over_n and iterative_p_over_n must contain 0.5, 1 and 2 (the threshold and the prominence's "
                    + "reference points)"
            )
        }
    }

    /// Every fit of the readout that the config asks for, in the order figures and tables use.
    static func fits(_ c: Config) -> [Fit] {
        var fits: [Fit] = [.minNorm, .minNormStandardized]
        for standardized in [false, true] { fits += c[Keys.gdSteps].map { .gd(steps: $0, standardized: standardized) } }
        for o in c[Keys.iterativeOptimizers] {
            for (b, lr) in zip(c[Keys.iterativeBatch], c[o == "sgd" ? Keys.sgdLR : Keys.adamLR]) {
                fits.append(.iterative(optimizer: o, batch: b, lr: lr, epochs: c[Keys.epochs], cosine: false))
            }
        }
        if c[Keys.cosineEpochs] > 0 {
            fits.append(
                .iterative(
                    optimizer: "adam", batch: c[Keys.cosineBatch], lr: c[Keys.cosineLR], epochs: c[Keys.cosineEpochs],
                    cosine: true))
        }
        return fits
    }

    /// The full-batch GD fits on raw or standardized features, as (budget T, fit name), in budget order.
    static func gdBudgets(_ fits: [Fit], standardized: Bool) -> [(Double, String)] {
        fits.compactMap { fit in
            guard case let .gd(t, std) = fit, std == standardized else { return nil }
            return (Double(t), fit.name)
        }
    }

    static func featureCount(_ ratio: Double, n: Int) -> Int { max(1, Int((ratio * Double(n)).rounded())) }

    // MARK: Trials — per seed a fresh feature matrix W; one trial per (seed, p) fits every readout on its first p
    // columns.

    public func trials(_ c: Config) throws -> [Trial] {
        let n = c[Keys.nTrain], ratios = c[Keys.pOverN], iterativeRatios = Set(c[Keys.iterativePOverN])
        let ps = ratios.map { Self.featureCount($0, n: n) }
        let shared = c.selecting([
            Keys.nTrain, Keys.nTest, Keys.labelNoise, Keys.gdSteps, Keys.iterativeOptimizers, Keys.iterativeBatch,
            Keys.sgdLR, Keys.adamLR, Keys.epochs, Keys.cosineBatch, Keys.cosineLR, Keys.cosineEpochs, Keys.initScale,
        ])
        .setting(Keys.pMax, ps.max()!)
        var out: [Trial] = []
        for seed in 0..<c[Keys.seeds] {
            for p in Array(Set(ps)).sorted() {
                // Iterative fits where any ratio with this p asks for them (nested models: the same p is the same
                // model).
                let iterative = zip(ratios, ps).contains { $1 == p && iterativeRatios.contains($0) }
                let svd = Double(n * p * min(n, p)),
                    sgd = iterative ? Double((c[Keys.epochs] * 4 + c[Keys.cosineEpochs]) * n * p * 10) : 0
                out.append(
                    Trial(
                        "s\(seed)/p\(p)",
                        shared.setting(Keys.p, p).setting(Keys.seedIndex, seed)
                            .setting(Keys.iterative, iterative), cost: 2 * svd + sgd + 1e6))
            }
        }
        return out
    }

    public func run(_ trial: TrialContext) throws {
        let c = trial.config
        let n = c[Keys.nTrain], p = c[Keys.p], seed = c[Keys.seedIndex]
        let d = try design(trial)
        let (phi, phiTest, y, yTest) = (d.phi, d.phiTest, d.y, d.yTest)
        let raw = try svd(phi)
        trial.record(Values.conditionRaw, conditionNumber(raw.s, n: n, p: p))
        let (phiStd, phiTestStd) = standardize(phi, phiTest)
        let std = try svd(phiStd)
        trial.record(Values.conditionStandardized, conditionNumber(std.s, n: n, p: p))
        trial.record(Values.deadFraction, deadFeatureFraction(phi))

        for fit in Self.fits(c) {
            let readout: Tensor<Double>
            switch fit {
            case .minNorm: readout = spectralFit(raw, y, filter: minNormFilter(raw.s, n: n, p: p))
            case .minNormStandardized: readout = spectralFit(std, y, filter: minNormFilter(std.s, n: n, p: p + 1))
            case let .gd(steps, standardized):
                let f = standardized ? std : raw
                readout = spectralFit(f, y, filter: gdFilter(f.s, n: n, steps: steps))
            case let .iterative(o, b, lr, epochs, cosine):
                guard c[Keys.iterative] else { continue }
                var rng = trial.rng("sgd/\(seed)/\(p)/\(fit.name)")
                readout = try trainReadout(
                    phi, y, optimizer: o, batch: b, lr: lr, epochs: epochs, cosine: cosine,
                    lambdaMax: raw.s[0] * raw.s[0] / Double(n), rng: &rng, trial: trial)
            }
            let (a, b) = fit.standardized ? (phiStd, phiTestStd) : (phi, phiTest)
            let m = evaluate(readout, a, y, b, yTest)
            trial.record(Values.trainLoss[fit.name], m.trainLoss)
            trial.record(Values.testError[fit.name], m.testError)
            trial.record(Values.testMSE[fit.name], m.testMSE)
        }

        // The initialization arm (Liu & Flanigan's initialization factor; Advani & Saxe 2017): GD at the largest
        // budget from w0 ~ N(0, init_scale^2 / p) per entry instead of w = 0, in closed form. GD never moves the
        // part of w0 outside Phi's row space, so it stays in the readout whatever T (`gdFromInit`).
        if c[Keys.initScale] > 0, let steps = c[Keys.gdSteps].max() {
            var initRNG = trial.rng("init/\(seed)")
            let w0 = Tensor<Double>.normal(
                [c[Keys.pMax], 10], std: c[Keys.initScale] / Double(p).squareRoot(),
                rng: &initRNG)
            let readout = gdFromInit(raw, y, w0: w0.rows(0..<p), n: n, steps: steps)
            let m = evaluate(readout, phi, y, phiTest, yTest)
            trial.record(Values.trainLoss[Self.initArm], m.trainLoss)
            trial.record(Values.testError[Self.initArm], m.testError)
            trial.record(Values.testMSE[Self.initArm], m.testMSE)
        }
    }

    /// A trial's data and features: what every fit reads, and what `reprise crosscheck-case double-descent`
    /// hands to NumPy and SciPy.
    public struct Design {
        public let phi: Tensor<Double>, phiTest: Tensor<Double>
        /// One-hot training targets (label noise included) and the clean test labels.
        public let y: Tensor<Double>, yTest: [Int]
    }

    public func design(_ trial: TrialContext) throws -> Design {
        let c = trial.config
        let n = c[Keys.nTrain], nTest = c[Keys.nTest], p = c[Keys.p], seed = c[Keys.seedIndex]
        // Balanced subsets; label noise on the training labels only (Nakkiran et al. 2019); clean test labels.
        // Each seed draws its own subsets and noisy labels (v3): the seeds are independent units of the whole
        // experiment, data included, so their intervals cover the variability a new data draw brings.
        var dataRNG = trial.rng("data/\(seed)")
        let train = try FashionMNIST.load(.train).balancedSubset(perClass: n / 10, rng: &dataRNG)
            .withLabelNoise(fraction: c[Keys.labelNoise], rng: &dataRNG)
        let test = try FashionMNIST.load(.test).balancedSubset(perClass: nTest / 10, rng: &dataRNG)
        let x = train.images.converted(to: Double.self), xTest = test.images.converted(to: Double.self)
        var featureRNG = trial.rng("features/\(seed)")
        let w = Tensor<Double>.normal([x.shape[1], c[Keys.pMax]], rng: &featureRNG)
        return Design(
            phi: features(x, w, p), phiTest: features(xTest, w, p), y: oneHot(train.labels),
            yTest: test.labels)
    }

    /// The name the initialization arm's values and series go under.
    static let initArm = "GD from w0 (largest T)"

    // MARK: Measurements — medians over seeds (at p = n the mean diverges; papers.md, Double descent).

    public func aggregate(_ results: TrialResults, into run: RunContext) throws {
        let c = run.config
        let n = c[Keys.nTrain], seeds = c[Keys.seeds], ratios = c[Keys.pOverN],
            iterativeRatios = Set(c[Keys.iterativePOverN])
        let ps = ratios.map { Self.featureCount($0, n: n) }
        let fits = Self.fits(c)
        /// One value per seed at ratio index k; empty where the fit did not run there.
        func perSeed(_ name: ValueKey, _ k: Int) -> [Double] {
            (0..<seeds).map { results.one(Keys.seedIndex.is($0), Keys.p.is(ps[k])) }.filter { $0.has(name) }.map {
                $0.scalar(name)
            }
        }
        func ran(_ fit: Fit, _ k: Int) -> Bool {
            if case .iterative = fit { return iterativeRatios.contains(ratios[k]) }
            return true
        }
        var testError: [String: [[Double]]] = [:], trainLoss: [String: [[Double]]] = [:]  // [fit][ratio][seed]
        for fit in fits {
            testError[fit.name] = ratios.indices.map { ran(fit, $0) ? perSeed(Values.testError[fit.name], $0) : [] }
            trainLoss[fit.name] = ratios.indices.map { ran(fit, $0) ? perSeed(Values.trainLoss[fit.name], $0) : [] }
        }
        for fit in fits.map(\.name) {
            for (k, r) in ratios.enumerated() where !testError[fit]![k].isEmpty {
                run.record(Series.testError[fit], x: r, y: Stats.median(testError[fit]![k]))
                run.record(Series.testMSE[fit], x: r, y: Stats.median(perSeed(Values.testMSE[fit], k)))
                run.record(Series.trainLoss[fit], x: r, y: Stats.median(trainLoss[fit]![k]))
                for (s, e) in testError[fit]![k].enumerated() {
                    run.record(Series.testErrorOfSeed[(fit, s)], x: r, y: e)
                }
            }
        }
        let conditions = [
            (Series.conditionRaw, Values.conditionRaw), (Series.conditionStandardized, Values.conditionStandardized),
        ]
        for (series, value) in conditions {
            for (k, r) in ratios.enumerated() { run.record(series, x: r, y: Stats.median(perSeed(value, k))) }
        }
        let initArm = Values.testError[Self.initArm]
        for (k, r) in ratios.enumerated() where !perSeed(initArm, k).isEmpty {
            run.record(Series.testError[Self.initArm], x: r, y: Stats.median(perSeed(initArm, k)))
        }

        let atN = ratios.firstIndex(of: 1)!
        let half = ratios.firstIndex(of: 0.5)!, double = ratios.firstIndex(of: 2)!
        let floors = [
            false: Stats.median(trainLoss[Fit.minNorm.name]![atN]),
            true: Stats.median(trainLoss[Fit.minNormStandardized.name]![atN]),
        ]
        for fit in fits where !testError[fit.name]![atN].isEmpty {
            let e = testError[fit.name]!, loss = Stats.median(trainLoss[fit.name]![atN])
            run.record(Series.peakVsLoss[fit.group], x: loss, y: Stats.median(e[atN]))
            let prominence = Stats.median(e[atN]) / ((Stats.median(e[half]) + Stats.median(e[double])) / 2)
            run.record(
                Series.prominenceVsExcessLoss[fit.group], x: loss - floors[fit.standardized]!, y: prominence)
        }
        run.metric(Metrics.settingsCompared, Double(fits.filter { !testError[$0.name]![atN].isEmpty }.count))
        seedMetrics(results, into: run, fits: fits, ps: ps, ratios: ratios, atN: atN, half: half, double: double)
        // v1 and v2 read statistics of the seeds' median curves (an argmax, ratios of medians, Spearman
        // rhos), which no method with tested coverage serves: their bootstrap intervals over seeds are
        // printed, never deciding. v3 (`seedMetrics`) reads one value per seed instead.
        run.bootstraps(of: [Array(0..<seeds)], label: "seeds") {
            summary(
                $0[0], testError: testError, trainLoss: trainLoss,
                condition: ratios.indices.map { perSeed(Values.conditionRaw, $0) },
                dead: perSeed(Values.deadFraction, ratios.count - 1),
                fits: fits, ratios: ratios, atN: atN,
                half: ratios.firstIndex(of: 0.5)!, double: ratios.firstIndex(of: 2)!)
        }
    }

    /// v3 of every claim: each statistic computed within each seed (its own data draw, features and
    /// init: independent units), then summarized over seeds by a method with tested coverage: ratios
    /// by geometric means (Student t on logs), a location or a rank correlation by the median (order
    /// statistics, 6 seeds or more), the trend over budgets by the mean of per-seed slopes, a contrast
    /// of each seed's own values like a paired difference (paired Student t).
    func seedMetrics(
        _ results: TrialResults, into run: RunContext, fits: [Fit], ps: [Int], ratios: [Double],
        atN: Int, half: Int, double: Int
    ) {
        let seeds = run.config[Keys.seeds]
        /// Seed s's curve of `name` over the ratios (NaN where the fit did not run).
        func curve(_ name: ValueKey, _ s: Int) -> [Double] {
            ps.map { p in
                let r = results.one(Keys.seedIndex.is(s), Keys.p.is(p))
                return r.has(name) ? r.scalar(name) : .nan
            }
        }
        func prominence(_ e: [Double]) -> Double { e[atN] / ((e[half] + e[double]) / 2) }
        var peakAt: [Double] = [], overLeft: [Double] = [], overRight: [Double] = [], conditionOverError: [Double] = []
        var smallest: [Double] = [], largest: [Double] = [], slopes: [Double] = []
        var rhos: [Double] = [], lowMin: [Double] = [], highMax: [Double] = []
        var initOver2n: [Double] = [], initOverN: [Double] = [], initProminence: [Double] = []
        let gdRaw = Self.gdBudgets(fits, standardized: false)
        for s in 0..<seeds {
            // Claim 1: where seed s's min-norm error peaks, and how high above its best on each side.
            let err = curve(Values.testError[Fit.minNorm.name], s)
            let peak = err.indices.max { err[$0] < err[$1] }!
            peakAt.append(ratios[peak])
            overLeft.append(Double.log(err[peak] / (err[..<peak].min() ?? .nan)))
            overRight.append(Double.log(err[peak] / (err[(peak + 1)...].min() ?? .nan)))
            // Claim 2: where its condition number peaks, relative to the error's peak.
            let cond = curve(Values.conditionRaw, s)
            conditionOverError.append(ratios[cond.indices.max { cond[$0] < cond[$1] }!] / ratios[peak])
            // Claim 3: its GD prominence at the smallest and largest budgets, and its slope over log10 T.
            let prom = gdRaw.map { prominence(curve(Values.testError[$0.1], s)) }
            smallest.append(Double.log(prom.first!))
            largest.append(Double.log(prom.last!))
            slopes.append(Stats.slope(gdRaw.map { Double.log10($0.0) }, prom))
            // Claim 4: across its fits, loss at p = n above its floor against the prominence.
            let floors = [
                false: curve(Values.trainLoss[Fit.minNorm.name], s)[atN],
                true: curve(Values.trainLoss[Fit.minNormStandardized.name], s)[atN],
            ]
            var excess: [Double] = [], proms: [Double] = []
            for fit in fits {
                let e = curve(Values.testError[fit.name], s)
                guard e[atN].isFinite && e[half].isFinite && e[double].isFinite else { continue }
                excess.append(curve(Values.trainLoss[fit.name], s)[atN] - floors[fit.standardized]!)
                proms.append(prominence(e))
            }
            rhos.append(Stats.spearman(excess, proms))
            lowMin.append(Double.log(zip(excess, proms).filter { $0.0 < 0.01 }.map(\.1).min() ?? .nan))
            highMax.append(Double.log(zip(excess, proms).filter { $0.0 > 0.1 }.map(\.1).max() ?? .nan))
            // The initialization arm against GD from 0 at the same (largest) budget.
            let initErr = curve(Values.testError[Self.initArm], s)
            if let zero = gdRaw.last.map({ curve(Values.testError[$0.1], s) }), initErr[double].isFinite {
                initOver2n.append(Double.log(initErr[double] / zero[double]))
                initOverN.append(Double.log(initErr[atN] / zero[atN]))
                initProminence.append(Double.log(prominence(initErr)))
            }
        }
        run.median(Metrics.minnormSeedPeakPOverN, of: peakAt)
        run.geometricMean(Metrics.minnormSeedPeakOverBestLeft, ofLogs: overLeft)
        run.geometricMean(Metrics.minnormSeedPeakOverBestRight, ofLogs: overRight)
        run.median(Metrics.conditionSeedPeakOverErrorPeak, of: conditionOverError)
        run.geometricMean(Metrics.gdSeedProminenceSmallestBudget, ofLogs: smallest)
        run.geometricMean(Metrics.gdSeedProminenceLargestBudget, ofLogs: largest)
        run.meanDifference(Metrics.gdSeedProminenceSlopePerDecade, of: slopes)
        run.median(Metrics.excessLossVsProminenceSeedSpearman, of: rhos)
        run.geometricMean(Metrics.lowLossSeedMinProminence, ofLogs: lowMin)
        run.geometricMean(Metrics.highLossSeedMaxProminence, ofLogs: highMax)
        if !initOver2n.isEmpty {
            run.geometricMean(Metrics.initArmErrorAt2nOverZeroInit, ofLogs: initOver2n)
            run.geometricMean(Metrics.initArmErrorAtNOverZeroInit, ofLogs: initOverN)
            run.geometricMean(Metrics.initArmProminence, ofLogs: initProminence)
        }
    }

    /// The metrics of the seeds `chosen` (indices into the per-seed values; repeats allowed, as a bootstrap resample
    /// has them).
    func summary(
        _ chosen: [Int], testError: [String: [[Double]]], trainLoss: [String: [[Double]]], condition: [[Double]],
        dead: [Double], fits: [Fit], ratios: [Double], atN: Int, half: Int, double: Int
    ) -> [String: Double] {
        func median(_ values: [Double]) -> Double { values.isEmpty ? .nan : Stats.median(chosen.map { values[$0] }) }
        var m: [String: Double] = [:]
        // Claim 1: where the min-norm test error peaks, and how high above the best on each side.
        let err = testError[Fit.minNorm.name]!.map(median)
        let peak = err.indices.max { err[$0] < err[$1] }!
        let left = err[..<peak].min() ?? .nan, right = err[(peak + 1)...].min() ?? .nan
        m[Metrics.minnormPeakPOverN.name] = ratios[peak]
        m[Metrics.minnormPeakError.name] = err[peak]
        m[Metrics.minnormPeakOverBestLeft.name] = err[peak] / left
        m[Metrics.minnormPeakOverBestRight.name] = err[peak] / right

        // Claim 2: the condition number peaks at the same p.
        let cond = condition.map(median)
        let condPeak = cond.indices.max { cond[$0] < cond[$1] }!
        m[Metrics.conditionPeakPOverN.name] = ratios[condPeak]
        m[Metrics.conditionPeakOverErrorPeak.name] = ratios[condPeak] / ratios[peak]
        m[Metrics.conditionAtThreshold.name] = cond[atN]
        m[Metrics.deadFeatureFraction.name] = median(dead)

        // Claims 3 and 4 read every fit at the interpolation threshold p = n (validate() guarantees it is on the grid).
        var heights: [Double] = [], losses: [Double] = [], relativeHeights: [Double] = []
        for fit in fits.map(\.name) where !testError[fit]![atN].isEmpty {
            heights.append(median(testError[fit]![atN]))
            losses.append(median(trainLoss[fit]![atN]))
            // Post-hoc diagnostic: the peak relative to the fit's own best error over p separates the bump at p = n
            // from underfitting.
            relativeHeights.append(heights.last! / testError[fit]!.filter { !$0.isEmpty }.map(median).min()!)
        }
        let gdRaw = Self.gdBudgets(fits, standardized: false)
        let gdHeights = gdRaw.map { median(testError[$0.1]![atN]) }
        m[Metrics.gdBudgetVsPeakSpearman.name] = Stats.spearman(gdRaw.map(\.0), gdHeights)
        m[Metrics.gdPeakSmallestBudget.name] = gdHeights.first ?? .nan
        m[Metrics.gdPeakLargestBudget.name] = gdHeights.last ?? .nan
        m[Metrics.lossVsPeakSpearman.name] = Stats.spearman(losses, heights)

        // Post-hoc diagnostics, not claims (README, "What we found"): the same statistics on standardized features.
        let gdStd = Self.gdBudgets(fits, standardized: true)
        m[Metrics.gdStdBudgetVsPeakSpearman.name] = Stats.spearman(
            gdStd.map(\.0), gdStd.map { median(testError[$0.1]![atN]) })
        m[Metrics.lossVsRelativePeakSpearman.name] = Stats.spearman(losses, relativeHeights)
        m[Metrics.minnormTrainLossAtThreshold.name] = median(trainLoss[Fit.minNorm.name]![atN])

        // v2 of claims 3 and 4. Prominence: error at p = n over the mean error at p = n/2 and 2n, so an
        // underfitting fit whose error is high everywhere does not count as a peak. Excess loss: training
        // loss at p = n above the floor its features allow (the min-norm fit's loss on the same features).
        func prominence(_ fit: String) -> Double {
            let e = testError[fit]!
            return median(e[atN]) / ((median(e[half]) + median(e[double])) / 2)
        }
        let floorRaw = median(trainLoss[Fit.minNorm.name]![atN]),
            floorStd = median(trainLoss[Fit.minNormStandardized.name]![atN])
        m[Metrics.minnormStdTrainLossAtThreshold.name] = floorStd
        m[Metrics.minnormProminence.name] = prominence(Fit.minNorm.name)
        m[Metrics.minnormStdProminence.name] = prominence(Fit.minNormStandardized.name)
        let gdProminence = gdRaw.map { prominence($0.1) }
        m[Metrics.gdBudgetVsProminenceSpearman.name] = Stats.spearman(gdRaw.map(\.0), gdProminence)
        m[Metrics.gdProminenceSmallestBudget.name] = gdProminence.first ?? .nan
        m[Metrics.gdProminenceLargestBudget.name] = gdProminence.last ?? .nan
        m[Metrics.gdLargestBudgetExcessLoss.name] = gdRaw.last.map { median(trainLoss[$0.1]![atN]) - floorRaw } ?? .nan
        m[Metrics.gdStdBudgetVsProminenceSpearman.name] = Stats.spearman(gdStd.map(\.0), gdStd.map { prominence($0.1) })
        var excess: [Double] = [], prominences: [Double] = []
        for fit in fits where !testError[fit.name]![atN].isEmpty && !testError[fit.name]![half].isEmpty {
            excess.append(median(trainLoss[fit.name]![atN]) - (fit.standardized ? floorStd : floorRaw))
            prominences.append(prominence(fit.name))
            if case let .iterative(_, _, _, _, cosine) = fit, cosine {
                m[Metrics.cosineAdamExcessLoss.name] = excess.last!
                m[Metrics.cosineAdamProminence.name] = prominences.last!
            }
        }
        m[Metrics.excessLossVsProminenceSpearman.name] = Stats.spearman(excess, prominences)
        // Both sides of the "iff": fits that reach their floor (excess < 0.01) must peak, fits far above it (> 0.1)
        // must not.
        m[Metrics.lowLossMinProminence.name] = zip(excess, prominences).filter { $0.0 < 0.01 }.map(\.1).min() ?? .nan
        m[Metrics.highLossMaxProminence.name] = zip(excess, prominences).filter { $0.0 > 0.1 }.map(\.1).max() ?? .nan
        return m
    }

    // MARK: Fits

    /// φ = relu(X W[:, :p] / √d): one gemm reading the first p columns of W in place (ldb = W's width).
    public func features(_ x: Tensor<Double>, _ w: Tensor<Double>, _ p: Int) -> Tensor<Double> {
        let (rows, d) = (x.shape[0], x.shape[1])
        var phi = Tensor<Double>(uninitializedShape: [rows, p])
        let out = phi.mutableData
        Double.gemm(
            transA: false, transB: false, m: rows, n: p, k: d, alpha: 1 / Double(d).squareRoot(),
            a: x.data, lda: d, b: w.data, ldb: w.shape[1], beta: 0, c: out, ldc: p)
        for i in 0..<phi.count where out[i] < 0 { out[i] = 0 }
        return phi
    }

    /// Each column to zero mean and unit variance with the TRAINING statistics (constant columns are left
    /// centred), plus an intercept column of ones: centring removes the mean that raw ReLU features carry,
    /// and without the intercept the readout cannot fit the targets' mean (a loss floor of 0.10 at p = n).
    func standardize(_ a: Tensor<Double>, _ b: Tensor<Double>) -> (Tensor<Double>, Tensor<Double>) {
        let (n, p) = (a.shape[0], a.shape[1])
        var mean = [Double](repeating: 0, count: p), sd = mean
        let ap = a.data
        for i in 0..<n { for j in 0..<p { mean[j] += ap[i * p + j] } }
        for j in 0..<p { mean[j] /= Double(n) }
        for i in 0..<n { for j in 0..<p { let e = ap[i * p + j] - mean[j]; sd[j] += e * e } }
        for j in 0..<p { sd[j] = (sd[j] / Double(n)).squareRoot(); if sd[j] < 1e-12 { sd[j] = 1 } }
        func apply(_ t: Tensor<Double>) -> Tensor<Double> {
            var out = Tensor<Double>(uninitializedShape: [t.shape[0], p + 1])
            let o = out.mutableData, src = t.data
            for i in 0..<t.shape[0] {
                for j in 0..<p { o[i * (p + 1) + j] = (src[i * p + j] - mean[j]) / sd[j] }
                o[i * (p + 1) + p] = 1
            }
            return out
        }
        return (apply(a), apply(b))
    }

    /// Effective condition number s_max / s_min over the singular values the pseudo-inverse keeps
    /// (numpy's cutoff, as in `minNormFilter`). Dead ReLU features (zero on every training image)
    /// make Φ exactly rank-deficient at any p; counting their zero singular values would make the
    /// condition number numerically infinite wherever one happens to fall, whatever p/n is.
    public func conditionNumber(_ s: [Double], n: Int, p: Int) -> Double {
        let cut = Double(max(n, p)) * Double.ulpOfOne * s[0]
        return s[0] / (s.last { $0 > cut } ?? s[0])
    }

    /// Share of feature columns that are zero on every training image.
    func deadFeatureFraction(_ phi: Tensor<Double>) -> Double {
        let (n, p) = (phi.shape[0], phi.shape[1])
        var alive = [Bool](repeating: false, count: p)
        for i in 0..<n { for j in 0..<p where phi[i, j] > 0 { alive[j] = true } }
        return Double(alive.filter { !$0 }.count) / Double(p)
    }

    /// numpy's pinv rule: singular values below max(n, p)·ε·s_max are treated as zero.
    public func minNormFilter(_ s: [Double], n: Int, p: Int) -> [Double] {
        let cut = Double(max(n, p)) * Double.ulpOfOne * s[0]
        return s.map { $0 > cut ? 1 / $0 : 0 }
    }

    /// T steps of GD with step η = 1/λ_max on ‖Φw − Y‖²/2n from w = 0 give exactly
    /// w_T = Σ_i (1 − (1 − η s_i²/n)^T) / s_i · v_i u_iᵀ Y (Hessian eigenvalues s_i²/n).
    /// Computed in closed form rather than by iterating: same iterate, any T for free. With
    /// x = η s_i²/n, 1 − (1 − x)^T = −expm1(T log1p(−x)) stays exact for the tiny x of the small
    /// singular values even at T = 10¹², where 1 − pow(1 − x, T) would lose every digit.
    public func gdFilter(_ s: [Double], n: Int, steps: Int) -> [Double] {
        let eta = Double(n) / (s[0] * s[0])
        return s.map { si in
            guard si > 0 else { return 0 }
            let x = min(1, eta * si * si / Double(n))  // s_0 gives 1 up to rounding: the step kills it at once
            return -Double.expMinusOne(Double(steps) * Double.log(onePlus: -x)) / si
        }
    }

    /// w = V diag(filter) Uᵀ Y.
    public func spectralFit(_ f: SVD<Double>, _ y: Tensor<Double>, filter: [Double]) -> Tensor<Double> {
        var uty = matmul(f.u, y, transA: true)  // k × classes
        let c = uty.shape[1], d = uty.mutableData
        for i in 0..<filter.count { for j in 0..<c { d[i * c + j] *= filter[i] } }
        return matmul(f.vt, uty, transA: true)  // p × classes
    }

    /// T steps of GD (step 1/lambda_max) from w0: w_T = (the GD iterate from 0) + w0 - V diag(g) V^T w0,
    /// with g_i = 1 - (1 - eta s_i^2/n)^T the share of w0's component along v_i that GD has removed.
    /// The component of w0 outside the row space (p > n) is never touched.
    public func gdFromInit(
        _ f: SVD<Double>, _ y: Tensor<Double>, w0: Tensor<Double>, n: Int, steps: Int
    )
        -> Tensor<Double>
    {
        let fromZero = spectralFit(f, y, filter: gdFilter(f.s, n: n, steps: steps))
        let gone = gdFilter(f.s, n: n, steps: steps).enumerated().map { $1 * f.s[$0] }  // g_i = filter_i * s_i
        var vw = matmul(f.vt, w0)  // k x classes
        let c = vw.shape[1], d = vw.mutableData
        for i in 0..<gone.count { for j in 0..<c { d[i * c + j] *= gone[i] } }
        let removed = matmul(f.vt, vw, transA: true)  // p x classes
        var out = fromZero
        let o = out.mutableData
        for i in 0..<out.count { o[i] += w0[flat: i] - removed[flat: i] }
        return out
    }

    /// Mini-batch training of the readout through the engine (w = 0 at start, loss ‖Φw − Y‖²/2n per batch).
    func trainReadout(
        _ phi: Tensor<Double>, _ y: Tensor<Double>, optimizer: String, batch: Int, lr: Double, epochs: Int,
        cosine: Bool,
        lambdaMax: Double, rng: inout RNG, trial: TrialContext
    ) throws -> Tensor<Double> {
        let (n, p, classes) = (phi.shape[0], phi.shape[1], y.shape[1])
        let w = Variable(Tensor<Double>.zeros([p, classes]), name: "readout", requiresGrad: true)
        let base = optimizer == "sgd" ? lr / lambdaMax : lr
        let opt: Optimizer<Double> = optimizer == "sgd" ? .sgd([w], lr: base) : .adam([w], lr: base)
        let total = Double(epochs * ((n + batch - 1) / batch))
        var step = 0.0
        for _ in 0..<epochs {
            let order = rng.permutation(n)
            for start in stride(from: 0, to: n, by: batch) {
                let idx = Array(order[start..<min(n, start + batch)])
                if cosine { opt.learningRate = base * (1 + Double.cos(Double.pi * step / total)) / 2 }
                step += 1
                opt.zeroGrad()
                // ‖·‖²/2 per sample = mean over elements × classes / 2.
                scale(
                    meanSquaredError(matmul(Variable(phi.gatherRows(idx)), w), y.gatherRows(idx)), Double(classes) / 2
                ).backward()
                opt.step()
            }
            try trial.checkpoint()
        }
        return w.value
    }

    struct Evaluation { let trainLoss: Double, testError: Double, testMSE: Double }

    /// Train loss ‖Φw − Y‖²/n (sum over outputs, mean over samples), test 0-1 error and MSE against one-hot targets.
    func evaluate(
        _ w: Tensor<Double>, _ phi: Tensor<Double>, _ y: Tensor<Double>, _ phiTest: Tensor<Double>, _ yTest: [Int]
    ) -> Evaluation {
        let pred = matmul(phi, w)
        var loss = 0.0
        for i in 0..<pred.count { let e = pred[flat: i] - y[flat: i]; loss += e * e }
        let predTest = matmul(phiTest, w), classes = w.shape[1]
        let wrong = zip(predTest.argmaxRows(), yTest).filter { $0 != $1 }.count
        var mse = 0.0
        for i in 0..<yTest.count {
            for j in 0..<classes { let e = predTest[i, j] - (j == yTest[i] ? 1 : 0); mse += e * e }
        }
        return Evaluation(
            trainLoss: loss / Double(phi.shape[0]), testError: Double(wrong) / Double(yTest.count),
            testMSE: mse / Double(yTest.count))
    }

    func oneHot(_ labels: [Int]) -> Tensor<Double> {
        var t = Tensor<Double>.zeros([labels.count, 10])
        for (i, l) in labels.enumerated() { t[i, l] = 1 }
        return t
    }

    // MARK: Figures

    public func figures(_ data: RunData) -> [Figure] {
        // The run's fits that have a curve (iterative fits run only at iterative_p_over_n).
        let fits = Self.fits(data.config).filter { !data.series(Series.testError[$0.name]).isEmpty }
        // At most five GD budgets per figure, spread over the grid, so that every curve keeps its own colour
        // beside the min-norm fit and the initialization arm (black).
        func spread(_ budgets: [(Double, String)]) -> [String] {
            let sorted = budgets.sorted { $0.0 < $1.0 }.map(\.1)
            guard sorted.count > 5 else { return sorted }
            return (0..<5).map { sorted[Int((Double($0) * Double(sorted.count - 1) / 4).rounded())] }
        }
        let gdRaw = spread(Self.gdBudgets(fits, standardized: false))
        let gdStd = spread(Self.gdBudgets(fits, standardized: true))
        let iterative = fits.filter { $0.group == .iterative }.map(\.name).sorted()
        let initArm = data.series(Series.testError[Self.initArm])
        let thresholdLine = ["set arrow from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb \"#888888\""]
        func curves(_ fits: [String], _ kind: SeriesFamily<String> = Series.testError) -> [Figure.Series] {
            fits.enumerated().map { i, s in Figure.Series(s, data.series(kind[s]), color: i) }
        }
        let xLabel = "features per training sample, p/n"
        return [
            Figure(
                name: "test_error_vs_p",
                title:
                    "Test error vs p/n, raw features, GD step budgets T at lr 1/lambda_max (cf. Belkin et al. 2019 "
                    + "Fig. 2)",
                xLabel: xLabel, yLabel: "test error (0-1, median over seeds)", logX: true,
                series: curves(["min-norm"] + gdRaw)
                    + (initArm.isEmpty
                        ? []
                        : [
                            Figure.Series(
                                "\(Self.initArm), w0 ~ N(0, 1/p) per entry", initArm,
                                color: 6, dashed: true)
                        ]),
                extra: thresholdLine, keyPosition: "below"),
            Figure(
                name: "test_error_vs_p_iterative",
                title: "Test error vs p/n, mini-batch SGD and Adam (SGD lr in units of 1/lambda_max; Adam lr absolute)",
                xLabel: xLabel, yLabel: "test error (0-1, median over seeds)", logX: true,
                series: curves(["min-norm"] + iterative), extra: thresholdLine, keyPosition: "below"),
            Figure(
                name: "test_error_vs_p_standardized",
                title:
                    "Test error vs p/n, standardized features with an intercept column (Liu & Flanigan 2023, feature "
                    + "normalization)",
                xLabel: xLabel, yLabel: "test error (0-1, median over seeds)", logX: true,
                series: curves(["min-norm std"] + gdStd), extra: thresholdLine, keyPosition: "below"),
            Figure(
                name: "test_mse_vs_p", title: "Test MSE vs p/n, raw features (log scale: the mean diverges at p = n)",
                xLabel: xLabel, yLabel: "test MSE to one-hot targets (median over seeds)", logX: true, logY: true,
                series: curves(["min-norm"] + gdRaw, Series.testMSE), extra: thresholdLine, keyPosition: "below"),
            Figure(
                name: "condition_vs_p",
                title: "Condition number of the feature matrix vs p/n (sanity check; Liu & Flanigan 2023 Sec. 4)",
                xLabel: xLabel, yLabel: "s_max / s_min (median over seeds)", logX: true, logY: true,
                series: [
                    Figure.Series("raw features", data.series(Series.conditionRaw), color: 0),
                    Figure.Series(
                        "standardized features + intercept", data.series(Series.conditionStandardized), color: 1),
                ],
                extra: thresholdLine),
            // Fits at their floor have an excess of ~0 (or a rounding-sized negative one): drawn at 1e-12 so the log
            // axis keeps them.
            Figure(
                name: "prominence_vs_excess_loss",
                title: "Peak prominence vs training loss above its floor at p = n, one point per fit, "
                    + "medians over seeds (Liu & Flanigan 2023, Sec. 5)",
                xLabel: "training loss at p = n minus the min-norm loss on the same features (floored at 1e-12)",
                yLabel: "error(p = n) / mean error(p = n/2, 2n)", logX: true,
                series: FitGroup.allCases.enumerated().compactMap { i, g in
                    let pts = data.series(Series.prominenceVsExcessLoss[g]).map { (max($0.x, 1e-12), $0.y) }.sorted {
                        $0.0 < $1.0
                    }
                    return pts.isEmpty ? nil : Figure.Series(g.rawValue, pts, style: .points, color: i)
                },
                // Claim 4's cut-offs: fits left of 0.01 must reach 1.5, fits right of 0.1 must stay under 1.2.
                extra: [
                    "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb \"#888888\"",
                    "set arrow from 0.01, graph 0 to 0.01, graph 1 nohead dt 3 lc rgb \"#444444\"",
                    "set arrow from 0.1, graph 0 to 0.1, graph 1 nohead dt 3 lc rgb \"#444444\"",
                    "set arrow from 1e-12, first 1.5 to 0.01, first 1.5 nohead dt 3 lc rgb \"#444444\"",
                    "set arrow from 0.1, first 1.2 to 1, first 1.2 nohead dt 3 lc rgb \"#444444\"",
                    "set label \"claim 4: >= 1.5 left of 0.01\" at 1e-11, first 1.53 noenhanced",
                    "set label \"<= 1.2 right of 0.1\" at 0.012, first 1.25 noenhanced",
                ],
                keyPosition: "top right"),
        ]
    }
}

import Foundation
import RepriseEngine
import RepriseSuite

/// Prieto, Barsbey, Mediano & Birdal (2025), *Grokking at the Edge of Numerical
/// Stability*: Softmax Collapse (SC) stops learning and prevents grokking;
/// StableMax prevents SC, and perpGrad removes the naive-loss-minimization
/// direction. Replications/grokking-stablemax/README.md gives the protocol.
///
/// (a + b) mod p, an MLP (2p one-hot) → w → w → p with ReLU and no biases, full
/// batch, no regularization unless a variant says so. Every `eval_every` steps
/// we measure accuracy, loss, the SC fraction, the zero-loss share, the weight
/// norm, the logit margin, and the cosines of the last layer's negative gradient
/// and of its update with its weights. A variant may run on several seeds
/// (`variant_seeds`): each seed draws its own split and initial weights.
public struct GrokkingStableMax: Scenario {
    public static let id = "grokking-stablemax"
    public static let parameters = Parameter.of([
        Keys.p, Keys.operation, Keys.trainFraction, Keys.width, Keys.variantSteps, Keys.evalEvery, Keys.lr, Keys.eps,
        Keys.beta2, Keys.stablemaxLR, Keys.stablemaxBeta2, Keys.controlWeightDecay, Keys.variants, Keys.variantSeeds,
    ])
    public static let metrics = Metrics.all.map(\.name)
    public init() {}

    /// The config keys: the profiles' (checked against `parameters` at load), then each trial's own.
    enum Keys {
        static let p = Key.integer("p", 2...1000)
        static let operation = Key.name("operation", ModularArithmetic.Operation.self)
        static let trainFraction = Key.real("train_fraction", 0.01...0.99)
        static let width = Key.integer("width", 1...100_000)
        /// One budget and one seed count per entry of `variants`.
        static let variants = Key.names("variants", VariantID.self)
        static let variantSteps = Key.integers("variant_steps", 1...1_000_000_000)
        static let variantSeeds = Key.integers("variant_seeds", 1...100)
        static let evalEvery = Key.integer("eval_every", 1...1_000_000_000)
        static let lr = Key.real("lr", 1e-8...10)
        static let eps = Key.real("eps", 0...1)
        static let beta2 = Key.real("beta2", 0...0.999_999_9)
        static let stablemaxLR = Key.real("stablemax_lr", 1e-8...10)
        static let stablemaxBeta2 = Key.real("stablemax_beta2", 0...0.999_999_9)
        static let controlWeightDecay = Key.real("control_weight_decay", 0...100)
        // Each trial's own: its variant, its budget, its seed.
        static let variant = Key.name("variant", VariantID.self)
        static let steps = Key.integer("steps", 1...1_000_000_000)
        static let seedIndex = Key.integer("seed_index", 0...100)
    }

    /// The metrics claims and baselines read: per variant, then the two-variant comparisons, then the
    /// statistics over a variant's seeds (the v3 claims), each the worst seed's value (`RunContext.worstUnit`).
    enum Metrics {
        static let trainAccFinal = family("train_acc_final"), testAccFinal = family("test_acc_final")
        static let testAccMax = family("test_acc_max"), scMax = family("sc_max")
        static let zeroLossFinal = family("zero_loss_final"), fitStep = family("fit_step")
        static let grokStep = family("grok_step"), grokOverFit = family("grok_over_fit"), scOnset = family("sc_onset")
        static let lossFinalOverOnset = family("loss_final_over_onset")
        static let cosineAfterFit = family("cosine_after_fit"), cosineFitToOnset = family("cosine_fit_to_onset")
        static let gradCosineAfterFit = family("grad_cosine_after_fit")
        static let weightNormFinal = family("weight_norm_final"), marginFinal = family("margin_final")
        static let perVariant = [
            trainAccFinal, testAccFinal, testAccMax, scMax, zeroLossFinal, fitStep, grokStep,
            grokOverFit, scOnset, lossFinalOverOnset, cosineAfterFit, cosineFitToOnset,
            gradCosineAfterFit, weightNormFinal, marginFinal,
        ]

        static let scOnsetRatio = MetricKey("sc_onset_ratio_64_over_32")
        static let stablemaxSoftmaxSCFinal = MetricKey("stablemax_softmax_sc_final")
        static let stablemaxZeroLossMax = MetricKey("stablemax_zero_loss_max")

        static let seedsTrainAccMax = MetricKey("softmax32_seeds_train_acc_max")
        static let seedsSCMax = MetricKey("softmax32_seeds_sc_max")
        static let seedsZeroLossAfterOnsetMax = MetricKey("softmax32_seeds_zero_loss_after_onset_max")
        static let seedsTestRiseAfterOnset = MetricKey("softmax32_seeds_test_rise_after_onset")
        static let seedsGradCosineAfterFit = MetricKey("softmax32_seeds_grad_cosine_after_fit")
        static let perpSeedsAbsCosineAfterFit = MetricKey("perp_seeds_abs_cosine_after_fit")

        static let all =
            [scOnsetRatio, stablemaxSoftmaxSCFinal, stablemaxZeroLossMax]
            + VariantID.allCases.flatMap { v in perVariant.map { $0[v] } }
            + [
                seedsTrainAccMax, seedsSCMax, seedsZeroLossAfterOnsetMax, seedsTestRiseAfterOnset,
                seedsGradCosineAfterFit, perpSeedsAbsCosineAfterFit,
            ]

        private static func family(_ suffix: String) -> MetricFamily<VariantID> {
            MetricFamily { "\($0.rawValue)_\(suffix)" }
        }
    }

    /// The curves recorded per variant over training steps (a family each: `Series.curve[(.margin, .perp)]`).
    enum Curve: String {
        case trainAcc = "train_acc"
        case testAcc = "test_acc"
        case trainLoss = "train_loss"
        case testLoss = "test_loss"
        case scFraction = "sc_fraction"
        case zeroLoss = "zero_loss"
        case softmaxSCOfLogits = "softmax_sc_of_logits"
        case weightNorm = "weight_norm"
        case margin = "margin"
        case updateWeightCosine = "update_weight_cosine"
        case gradWeightCosine = "grad_weight_cosine"
    }

    /// The series, declared once: each variant's curves, float32 softmax's other seeds' curves (x = step),
    /// and each seed's value of a v3 statistic (x = seed).
    enum Series {
        static let curve = SeriesFamily<(Curve, VariantID)> { "\($0.0.rawValue)/\($0.1.rawValue)" }
        static let otherSeed = SeriesFamily<(Curve, seed: Int)> { "\($0.0.rawValue)/softmax32/s\($0.seed)" }
        static let perSeed = SeriesFamily<MetricKey> { "per_seed/\($0.name)" }
    }

    /// What each trial records and `aggregate` reads back, each declared once.
    enum Values {
        static let cosine = ValueKey("cosine")
        static let gradCosine = ValueKey("grad_cosine")
        static let margin = ValueKey("margin")
        static let sc = ValueKey("sc")
        static let softmaxSc = ValueKey("softmax_sc")
        static let steps = ValueKey("steps")
        static let testAcc = ValueKey("test_acc")
        static let testLoss = ValueKey("test_loss")
        static let trainAcc = ValueKey("train_acc")
        static let trainLoss = ValueKey("train_loss")
        static let weightNorm = ValueKey("weight_norm")
        static let zeroLoss = ValueKey("zero_loss")
    }

    enum Loss { case softmax, stablemax }

    /// The variants, as profiles, trial keys and metric names spell them.
    enum VariantID: String, CaseIterable, Sendable {
        case softmax32, softmax64, softmax64full, stablemax, perp, weightdecay
    }

    /// One training run of the comparison.
    struct Variant {
        let key: VariantID, label: String
        let loss: Loss
        /// The whole model in float64 (an extra variant), or only the logits and the loss (the authors' "float64").
        let float64: Bool
        var float64Logits = false
        let perpendicular: Bool
        let weightDecay: Double
        let beta2: Double
    }

    static func variants(_ c: Config) -> [Variant] {
        [
            Variant(
                key: .softmax32, label: "softmax CE, float32", loss: .softmax, float64: false, perpendicular: false,
                weightDecay: 0, beta2: c[Keys.beta2]),
            Variant(
                key: .softmax64, label: "softmax CE, float64 logits and loss", loss: .softmax, float64: false,
                float64Logits: true,
                perpendicular: false, weightDecay: 0, beta2: c[Keys.beta2]),
            Variant(
                key: .softmax64full, label: "softmax CE, float64 model", loss: .softmax, float64: true,
                perpendicular: false, weightDecay: 0,
                beta2: c[Keys.beta2]),
            Variant(
                key: .stablemax, label: "StableMax CE (float64 loss), float32 model", loss: .stablemax,
                float64: false, perpendicular: false, weightDecay: 0,
                beta2: c[Keys.stablemaxBeta2]),
            Variant(
                key: .perp, label: "perpAdamW, softmax CE, float32", loss: .softmax, float64: false,
                perpendicular: true, weightDecay: 0, beta2: c[Keys.beta2]),
            Variant(
                key: .weightdecay, label: "AdamW + weight decay, softmax CE, float32", loss: .softmax, float64: false,
                perpendicular: false,
                weightDecay: c[Keys.controlWeightDecay], beta2: c[Keys.beta2]),
        ]
    }

    // MARK: Trials — one training run per variant, on the same split and the same initial weights.

    public func validate(_ c: Config) throws {
        for list in [Keys.variantSteps, Keys.variantSeeds] where c[list].count != c[Keys.variants].count {
            throw SuiteError.badConfig("\(list.name) needs one entry per entry of variants (\(c[Keys.variants].count))")
        }
    }

    /// Each variant's own step budget: the one its claims need (README, "Budgets").
    static func budgets(_ c: Config) -> [VariantID: Int] {
        Dictionary(uniqueKeysWithValues: zip(c[Keys.variants], c[Keys.variantSteps]))
    }

    /// How many seeds each variant runs: the claims read over seeds need at least 3 (README, "Claims").
    static func seeds(_ c: Config) -> [VariantID: Int] {
        Dictionary(uniqueKeysWithValues: zip(c[Keys.variants], c[Keys.variantSeeds]))
    }

    /// Seed 0 of a variant is labelled by the variant alone (and keeps its random streams: `stream`), so the
    /// single-seed measurements of earlier protocols stay comparable; seed s > 0 is "<variant>/s<s>".
    static func trialKey(_ variant: VariantID, seed s: Int) -> String {
        s == 0 ? variant.rawValue : "\(variant.rawValue)/s\(s)"
    }

    /// A variant's seed-0 trial: the single-seed measurements read it.
    static func first(_ variant: VariantID, _ results: TrialResults) -> TrialValues {
        results.one(Keys.variant.is(variant), Keys.seedIndex.is(0))
    }

    public func trials(_ c: Config) throws -> [Trial] {
        let shared = c.removing(Keys.variants).removing(Keys.variantSteps).removing(Keys.variantSeeds)
        let budgets = Self.budgets(c), seeds = Self.seeds(c)
        // A full-float64 model costs about 7x a float32 one per step (420 s vs 62 s for 2000 steps on
        // one thread; two BLAS threads do not shorten it: its time is elementwise float64 work).
        return c[Keys.variants].flatMap { key in
            (0..<seeds[key]!).map { s in
                Trial(
                    Self.trialKey(key, seed: s),
                    shared.setting(Keys.variant, key).setting(Keys.steps, budgets[key]!).setting(Keys.seedIndex, s),
                    cost: Double(budgets[key]!) * (key == .softmax64full ? 7 : key == .softmax64 ? 1.3 : 1))
            }
        }
    }

    public func run(_ trial: TrialContext) throws {
        let c = trial.config
        let task = Self.task(trial)
        let v = Self.variants(c).first { $0.key == c[Keys.variant] }!
        let log =
            v.float64 ? try train(v, task, trial: trial, Double.self) : try train(v, task, trial: trial, Float.self)
        for (name, values) in log.columns { trial.record(name, values) }
    }

    /// The trial's split of the (a, b) pairs into train and test, from its own stream.
    public static func task(_ trial: TrialContext) -> ModularArithmetic {
        let c = trial.config
        var rng = trial.rng(stream("split", c))
        return ModularArithmetic(
            p: c[Keys.p], operation: c[Keys.operation], trainFraction: c[Keys.trainFraction],
            rng: &rng)
    }

    /// The trial's initial weights (embedding [2p, width], hidden [width, width], out [width, p]) as
    /// PyTorch's nn.Linear default draws them (the authors' code), in float64 so that every variant starts
    /// alike: what `train` converts to its precision, and what the cross-check hands to PyTorch.
    public static func initialWeights(_ trial: TrialContext) -> [Tensor<Double>] {
        let c = trial.config
        let p = c[Keys.p], width = c[Keys.width]
        var rng = trial.rng(stream("init", c))
        return [(2 * p, 2 * p, width), (width, width, width), (width, width, p)].map { fanIn, rows, cols in
            let b = 1 / Double(fanIn).squareRoot()
            return Tensor<Double>.uniform([rows, cols], low: -b, high: b, rng: &rng)
        }
    }

    /// A random stream of the trial's seed: seed 0 draws the streams the single-seed protocols drew.
    static func stream(_ label: String, _ c: Config) -> String {
        c[Keys.seedIndex] == 0 ? label : "\(label)/s\(c[Keys.seedIndex])"
    }

    // MARK: Measurements for the claims.

    public func aggregate(_ results: TrialResults, into run: RunContext) throws {
        let c = run.config
        let chosen = c[Keys.variants]
        for v in Self.variants(c) where chosen.contains(v.key) { record(Log(Self.first(v.key, results)), v, run) }
        let budgets = Self.budgets(c)
        if chosen.contains(.softmax32) && chosen.contains(.softmax64) {
            // A run that never reaches SC is censored at its budget: its onset is at least that.
            // If float32 never collapses there is no onset to compare with: NaN, and the claim fails.
            let o32 = run.metricValue(Metrics.scOnset[.softmax32]), o64 = run.metricValue(Metrics.scOnset[.softmax64])
            run.metric(
                Metrics.scOnsetRatio, o32.isFinite ? (o64.isFinite ? o64 : Double(budgets[.softmax64]!)) / o32 : .nan)
        }
        seedStatistics(results, into: run)
        if chosen.contains(.stablemax) {
            // StableMax's mechanism: its logits grow until a float32 softmax of them would collapse, yet
            // no sample's StableMax loss is exactly zero, so the gradient never vanishes.
            let r = Self.first(.stablemax, results)
            run.metric(Metrics.stablemaxSoftmaxSCFinal, r.vector(Values.softmaxSc).last!)
            run.metric(Metrics.stablemaxZeroLossMax, r.vector(Values.zeroLoss).max()!)
        }
    }

    /// One run's measurements, every `eval_every` steps.
    struct Log {
        var steps: [Int] = []
        var trainAcc: [Double] = [], testAcc: [Double] = [], trainLoss: [Double] = [], testLoss: [Double] = []
        var sc: [Double] = [], zeroLoss: [Double] = [], weightNorm: [Double] = [], margin: [Double] = [],
            cosine: [Double] = []
        /// cos(-gradient, W) of the last layer at each evaluation (none at the last step, which takes no step).
        var gradCosine: [Double] = []
        /// The SC fraction a float32 softmax of these logits would have (for StableMax runs).
        var softmaxSC: [Double] = []

        init() {}

        /// The log as a trial stores it, and back.
        var columns: [(ValueKey, [Double])] {
            [
                (Values.steps, steps.map(Double.init)), (Values.trainAcc, trainAcc), (Values.testAcc, testAcc),
                (Values.trainLoss, trainLoss), (Values.testLoss, testLoss), (Values.sc, sc),
                (Values.zeroLoss, zeroLoss), (Values.weightNorm, weightNorm), (Values.margin, margin),
                (Values.cosine, cosine), (Values.gradCosine, gradCosine), (Values.softmaxSc, softmaxSC),
            ]
        }

        init(_ r: TrialValues) {
            steps = r.vector(Values.steps).map { Int($0) }
            (trainAcc, testAcc, trainLoss, testLoss) = (
                r.vector(Values.trainAcc), r.vector(Values.testAcc), r.vector(Values.trainLoss),
                r.vector(Values.testLoss)
            )
            (sc, zeroLoss, weightNorm, margin, cosine) = (
                r.vector(Values.sc), r.vector(Values.zeroLoss), r.vector(Values.weightNorm), r.vector(Values.margin),
                r.vector(Values.cosine)
            )
            softmaxSC = r.vector(Values.softmaxSc)
            gradCosine = r.vector(Values.gradCosine)
        }

        /// The first evaluation where the training set is fit, and where most of it has collapsed (SC > 0.5).
        var fitIndex: Int? { steps.indices.first { trainAcc[$0] >= 1 } }
        var onsetIndex: Int? { steps.indices.first { sc[$0] > 0.5 } }

        /// Mean of `values` from the fit to the end of the run ("beyond the point of overfitting"); NaN if never fit.
        func meanAfterFit(_ values: [Double]) -> Double {
            guard let f = fitIndex, f < values.count else { return .nan }
            return Stats.mean(Array(values[f...]))
        }
    }

    /// Builds the model in T, trains it full-batch, and logs the diagnostics.
    func train<T: Scalar>(_ v: Variant, _ task: ModularArithmetic, trial: TrialContext, _: T.Type) throws -> Log {
        let c = trial.config
        let p = task.p
        // The first layer on the concatenated one-hot (2p inputs) is an embedding-row sum: same math, no 2p-wide
        // product.
        let params = zip(Self.initialWeights(trial), ["embed", "hidden", "out"]).map { w, name in
            Variable(w.converted(to: T.self), name: name, requiresGrad: true)
        }
        let (embed, hidden, out) = (params[0], params[1], params[2])
        func logits(_ rows: (a: [Int], b: [Int])) -> Variable<T> {
            let h = relu(embedding(embed, rows.a) + embedding(embed, rows.b))
            return matmul(relu(matmul(h, hidden)), out)
        }
        func lossOf(_ z: Variable<T>, _ y: [Int]) -> Variable<T> {
            v.loss == .softmax
                ? softmaxCrossEntropy(z, labels: y, precision: v.float64Logits ? .float64 : .native)
                : stableMaxCrossEntropy(z, labels: y, precision: .float64)  // float64, as the authors' utils.py
        }
        let opt = Optimizer<T>.adam(
            params, lr: c[v.loss == .softmax ? Keys.lr : Keys.stablemaxLR], beta1: 0.9, beta2: v.beta2,
            eps: c[Keys.eps], weightDecay: v.weightDecay, transforms: v.perpendicular ? [.perpendicular] : [])
        let trainRows = ModularArithmetic.oneHotRows(task.trainPairs, p: p),
            testRows = ModularArithmetic.oneHotRows(task.testPairs, p: p)
        let steps = c[Keys.steps], every = c[Keys.evalEvery]
        var log = Log()
        for step in 0...steps {
            let z = logits(trainRows)
            let loss = lossOf(z, task.trainLabels)
            let measure = step % every == 0 || step == steps
            if measure {
                try trial.checkpoint()
                let zt = logits(testRows).value
                // SC and zero loss are measured in the precision the loss is computed in (StableMax: float64).
                let d =
                    v.float64Logits || v.loss == .stablemax
                    ? diagnostics(z.value.converted(to: Double.self), task.trainLabels, loss: v.loss)
                    : diagnostics(z.value, task.trainLabels, loss: v.loss)
                log.softmaxSC.append(
                    v.loss == .stablemax ? diagnostics(z.value, task.trainLabels, loss: .softmax).sc : d.sc)
                log.steps.append(step)
                log.trainAcc.append(accuracy(z.value, task.trainLabels))
                log.testAcc.append(accuracy(zt, task.testLabels))
                log.trainLoss.append(Double(loss.value[flat: 0]))
                log.testLoss.append(Double(lossOf(Variable(zt), task.testLabels).value[flat: 0]))
                log.sc.append(d.sc); log.zeroLoss.append(d.zeroLoss); log.margin.append(d.margin)
                log.weightNorm.append(Double(params.reduce(T(0)) { $0 + $1.value.squaredNorm }).squareRoot())
            }
            if step == steps { break }
            let before = measure ? out.value : nil
            opt.zeroGrad()
            loss.backward()
            // The paper's NLM direction is the gradient's (Sec. 5): measured before the optimizer transforms it.
            if measure { log.gradCosine.append(-cosine(out.grad!, with: out.value)) }
            opt.step()
            if let before { log.cosine.append(cosine(out.value, minus: before, with: before)) }
        }
        return log
    }

    /// SC fraction: training samples whose Σ_k exp(z_k − max z) is exactly 1 in T (softmax), or whose
    /// Σ_k s(z_k)/s(max z) is exactly 1 (StableMax's analogue). Zero-loss share: per-sample loss exactly 0 in T.
    /// Margin: mean of z_y − max_{k≠y} z_k.
    func diagnostics<T: Scalar>(
        _ z: Tensor<T>, _ y: [Int], loss: Loss
    ) -> (sc: Double, zeroLoss: Double, margin: Double) {
        let (n, k) = (z.shape[0], z.shape[1])
        var collapsed = 0, zero = 0, margin = 0.0
        let zp = z.data
        let e = UnsafeMutablePointer<T>.allocate(capacity: k)
        defer { e.deallocate() }
        for i in 0..<n {
            let row = zp + i * k
            var m = row[0], other = -T.infinity
            for j in 0..<k { m = max(m, row[j]) }
            for j in 0..<k where j != y[i] { other = max(other, row[j]) }
            var s = T(0)
            switch loss {
            case .softmax: s = softmaxNumerators(row, count: k, into: e).sum  // the loss's own arithmetic
            case .stablemax:
                let sm = m >= 0 ? m + 1 : 1 / (1 - m)
                for j in 0..<k { s += (row[j] >= 0 ? row[j] + 1 : 1 / (1 - row[j])) / sm }
            }
            if s == 1 { collapsed += 1 }
            let sampleLoss: T
            switch loss {
            case .softmax: sampleLoss = T.log(s) - (row[y[i]] - m)
            case .stablemax:
                let sy = row[y[i]] >= 0 ? row[y[i]] + 1 : 1 / (1 - row[y[i]]), sm = m >= 0 ? m + 1 : 1 / (1 - m)
                sampleLoss = T.log(s) - T.log(sy / sm)
            }
            if sampleLoss == 0 { zero += 1 }
            margin += Double(row[y[i]] - other)
        }
        return (Double(collapsed) / Double(n), Double(zero) / Double(n), margin / Double(n))
    }

    func accuracy<T: Scalar>(_ z: Tensor<T>, _ y: [Int]) -> Double {
        Double(zip(z.argmaxRows(), y).filter { $0 == $1 }.count) / Double(y.count)
    }

    /// cos(a − b, w) of tensors of one shape (cos(a, w) without `b`), accumulated in Double; 0 if either
    /// side is zero. The update's cosine passes the weights after and before the step; the gradient's, the gradient.
    func cosine<T: Scalar>(_ a: Tensor<T>, minus b: Tensor<T>? = nil, with w: Tensor<T>) -> Double {
        var dw = 0.0, dd = 0.0, ww = 0.0
        for i in 0..<w.count {
            let d = Double(b.map { a[flat: i] - $0[flat: i] } ?? a[flat: i]), x = Double(w[flat: i])
            dw += d * x; dd += d * d; ww += x * x
        }
        return dd > 0 && ww > 0 ? dw / (dd * ww).squareRoot() : 0
    }

    // MARK: Measurements

    func record(_ log: Log, _ v: Variant, _ run: RunContext) {
        let id = v.key
        for (i, s) in log.steps.enumerated() {
            let x = Double(s)
            run.record(Series.curve[(.trainAcc, id)], x: x, y: log.trainAcc[i])
            run.record(Series.curve[(.testAcc, id)], x: x, y: log.testAcc[i])
            run.record(Series.curve[(.trainLoss, id)], x: x, y: log.trainLoss[i])
            run.record(Series.curve[(.testLoss, id)], x: x, y: log.testLoss[i])
            run.record(Series.curve[(.scFraction, id)], x: x, y: log.sc[i])
            run.record(Series.curve[(.zeroLoss, id)], x: x, y: log.zeroLoss[i])
            if i < log.softmaxSC.count && v.loss == .stablemax {
                run.record(Series.curve[(.softmaxSCOfLogits, id)], x: x, y: log.softmaxSC[i])
            }
            run.record(Series.curve[(.weightNorm, id)], x: x, y: log.weightNorm[i])
            run.record(Series.curve[(.margin, id)], x: x, y: log.margin[i])
            if i < log.cosine.count { run.record(Series.curve[(.updateWeightCosine, id)], x: x, y: log.cosine[i]) }
            if i < log.gradCosine.count {
                run.record(Series.curve[(.gradWeightCosine, id)], x: x, y: log.gradCosine[i])
            }
        }
        let fitStep = log.fitIndex, onset = log.onsetIndex
        let grokStep = log.steps.indices.first { log.testAcc[$0] >= 0.9 }
        run.metric(Metrics.trainAccFinal[id], log.trainAcc.last!)
        run.metric(Metrics.testAccFinal[id], log.testAcc.last!)
        run.metric(Metrics.testAccMax[id], log.testAcc.max()!)
        run.metric(Metrics.scMax[id], log.sc.max()!)
        run.metric(Metrics.zeroLossFinal[id], log.zeroLoss.last!)
        run.metric(Metrics.fitStep[id], fitStep.map { Double(log.steps[$0]) } ?? .infinity)
        run.metric(Metrics.grokStep[id], grokStep.map { Double(log.steps[$0]) } ?? .infinity)
        run.metric(
            Metrics.grokOverFit[id],
            grokStep.flatMap { g in fitStep.map { Double(log.steps[g]) / Double(max(1, log.steps[$0])) } } ?? .infinity)
        run.metric(Metrics.scOnset[id], onset.map { Double(log.steps[$0]) } ?? .infinity)
        // Loss after SC onset relative to the loss at onset: near 1 when learning has stopped.
        run.metric(Metrics.lossFinalOverOnset[id], onset.map { log.trainLoss.last! / log.trainLoss[$0] } ?? .nan)
        // The NLM direction: mean cos(update, W_out) once the training set is fit.
        let after = fitStep.map { Array(log.cosine.dropFirst($0)) } ?? []
        run.metric(Metrics.cosineAfterFit[id], after.isEmpty ? .nan : Stats.mean(after))
        // v2: between the fit and SC onset, before the collapse itself breaks the alignment.
        let window =
            fitStep.flatMap { f in onset.map { o in Array(log.cosine[min(f, o)..<min(o, log.cosine.count)]) } } ?? []
        run.metric(Metrics.cosineFitToOnset[id], window.isEmpty ? .nan : Stats.mean(window))
        // v3: the gradient's alignment, from the fit to the end of the run.
        run.metric(Metrics.gradCosineAfterFit[id], log.meanAfterFit(log.gradCosine))
        run.metric(Metrics.weightNormFinal[id], log.weightNorm.last!)
        run.metric(Metrics.marginFinal[id], log.margin.last!)
    }

    /// The v3 claims' statistics over seeds, each the worst seed's (`RunContext.worstUnit`), and each
    /// seed's value as a series `per_seed/<metric>` (x = seed) for the README.
    func seedStatistics(_ results: TrialResults, into run: RunContext) {
        let c = run.config, seeds = Self.seeds(c)
        func logs(_ key: VariantID) -> [Log] {
            (0..<(seeds[key] ?? 0)).map { Log(results.one(Keys.variant.is(key), Keys.seedIndex.is($0))) }
        }
        func worst(_ key: MetricKey, _ values: [Double], largest: Bool) {
            for (s, v) in values.enumerated() { run.record(Series.perSeed[key], x: Double(s), y: v) }
            run.worstUnit(key, of: values, largest: largest)
        }
        let plain = logs(.softmax32)
        if !plain.isEmpty {
            // sc-blocks-learning-v3: every check reads the whole run after SC onset, so a longer horizon
            // can only turn a pass into a fail (by learning), never pass through a transient.
            worst(Metrics.seedsTrainAccMax, plain.map { $0.trainAcc.max()! }, largest: false)
            worst(Metrics.seedsSCMax, plain.map { $0.sc.max()! }, largest: false)
            worst(
                Metrics.seedsZeroLossAfterOnsetMax,
                plain.map { l in l.onsetIndex.map { l.zeroLoss[$0...].max()! } ?? 0 }, largest: false)
            // Test accuracy after onset above its maximum before onset (NaN without onset: the claim fails).
            worst(
                Metrics.seedsTestRiseAfterOnset,
                plain.map { l in
                    l.onsetIndex.map { o in l.testAcc[o...].max()! - (l.testAcc[..<max(o, 1)].max()!) } ?? .nan
                }, largest: true)
            worst(Metrics.seedsGradCosineAfterFit, plain.map { $0.meanAfterFit($0.gradCosine) }, largest: false)
            for (s, l) in plain.enumerated() where s > 0 {
                for (i, step) in l.steps.enumerated() {
                    if i < l.gradCosine.count {
                        run.record(Series.otherSeed[(.gradWeightCosine, s)], x: Double(step), y: l.gradCosine[i])
                    }
                    run.record(Series.otherSeed[(.scFraction, s)], x: Double(step), y: l.sc[i])
                    run.record(Series.otherSeed[(.testAcc, s)], x: Double(step), y: l.testAcc[i])
                }
            }
        }
        let perp = logs(.perp)
        if !perp.isEmpty {
            worst(Metrics.perpSeedsAbsCosineAfterFit, perp.map { abs($0.meanAfterFit($0.cosine)) }, largest: true)
        }
    }

    // MARK: Figures

    public func figures(_ data: RunData) -> [Figure] {
        let keys = VariantID.allCases
        let labels = [
            "softmax, float32", "softmax, float64 logits", "softmax, float64 model", "StableMax", "perpAdamW",
            "AdamW + wd",
        ]
        let present = keys.indices.filter { !data.series(Series.curve[(.trainAcc, keys[$0])]).isEmpty }
        func curves(
            _ curve: Curve, _ which: [Int], style: Figure.Style = .lines, suffix: String = ""
        ) -> [Figure.Series] {
            which.filter(present.contains).map {
                Figure.Series(
                    labels[$0] + suffix, data.series(Series.curve[(curve, keys[$0])]), style: style, color: $0)
            }
        }
        // Steps on a log axis start at step 1; the SC onsets of the two softmax precisions are marked.
        let logSteps = ["set xrange [1:*]"]
        let onsets = [0, 1].filter(present.contains).compactMap { i -> String? in
            let o = data.metric(Metrics.scOnset[VariantID.allCases[i]])
            guard o.isFinite else { return nil }
            return
                "set arrow from \(fmt(o)), graph 0 to \(fmt(o)), graph 1 nohead dt 3 lc rgb "
                + "\"\(i == 0 ? "#0072B2" : "#D55E00")\""
        }
        let all = Array(0..<keys.count)
        let lastStep = keys.compactMap { data.series(Series.curve[(.margin, $0)]).last?.x }.max() ?? 1
        /// Float32 softmax's seeds after the first, in one colour: the v3 claims read every seed.
        func otherSeeds(_ curve: Curve, label: String) -> [Figure.Series] {
            (1..<max(1, Self.seeds(data.config)[.softmax32] ?? 0)).compactMap { s -> Figure.Series? in
                let points = data.series(Series.otherSeed[(curve, s)])
                return points.isEmpty ? nil : Figure.Series(s == 1 ? label : "", points, style: .lines, color: 5)
            }
        }
        let accuracy = Figure(
            name: "fig1_accuracy",
            title:
                "Train (dashed) and test (solid) accuracy, no regularization; dotted: SC onset (cf. Prieto et al. "
                + "2025, Fig. 1)",
            xLabel: "full-batch step (log scale)", yLabel: "accuracy", logX: true,
            series: curves(.testAcc, [4, 3, 0, 1, 2, 5], suffix: ": test")
                + curves(.trainAcc, [4, 3, 0, 1, 2, 5], suffix: ": train")
                .map {
                    var s = $0; s.label = ""; s.dashed = true; return s
                }
                + otherSeeds(.testAcc, label: "softmax, float32, other seeds: test"),
            extra: ["set yrange [-0.02:1.05]"] + logSteps + onsets, keyPosition: "below")
        let collapse = Figure(
            name: "softmax_collapse",
            title:
                "Softmax Collapse: samples with sum exp(z - max z) == 1 in the softmax's precision (solid), with "
                + "zero loss (points)",
            xLabel: "full-batch step", yLabel: "fraction of training samples",
            series: curves(.scFraction, [0, 1, 2, 3])
                + curves(.zeroLoss, [0, 1, 3], style: .points, suffix: ": zero loss")
                // Claim 4's quantity: the SC a float32 softmax would have on StableMax's logits (>= 0.9 at the end).
                + curves(.softmaxSCOfLogits, [3], suffix: "'s logits under a float32 softmax (claim 4)")
                .map {
                    var s = $0; s.dashed = true; return s
                }
                + otherSeeds(.scFraction, label: "softmax, float32, other seeds")
                + (lastStep > 1
                    ? [
                        Figure.Series(
                            "claim 4: >= 0.9 at the end", [(0, 0.9), (lastStep, 0.9)],
                            style: .lines, color: 6, dashed: true),
                        Figure.Series(
                            "claim 1 (v3): SC and zero-loss share pass 0.5, every seed",
                            [(0, 0.5), (lastStep, 0.5)], style: .lines, color: 2, dashed: true),
                    ]
                    : []),
            extra: ["set yrange [-0.02:1.02]"] + onsets, keyPosition: "below")
        let growth = Figure(
            name: "naive_loss_minimization",
            title: "Weight norm (log scale) under naive loss minimization vs perpAdamW and StableMax",
            xLabel: "full-batch step", yLabel: "L2 norm of all weights", logY: true,
            series: curves(.weightNorm, all), keyPosition: "top left")
        // exp(-m) drops below half an ulp of 1 when the margin m exceeds ln 2^24 (float32) or ln 2^53 (float64):
        // from there every other class's term is absorbed and the softmax collapses.
        let margin = Figure(
            name: "logit_margin",
            title:
                "Mean logit margin z_y - max_(k != y) z_k (StableMax runs off the top); dashed: where exp(-margin) "
                + "is absorbed",
            xLabel: "full-batch step", yLabel: "margin (logit units)",
            series: curves(.margin, all)
                + [
                    Figure.Series(
                        "float32 collapse, ln 2^24 = 16.6", [(0, 16.64), (lastStep, 16.64)], style: .lines, color: 0,
                        dashed: true),
                    Figure.Series(
                        "float64 collapse, ln 2^53 = 36.7", [(0, 36.74), (lastStep, 36.74)], style: .lines, color: 1,
                        dashed: true),
                ],
            // StableMax's margin grows past 100 and leaves the range: its loss has no absorption threshold.
            extra: ["set yrange [-10:50]"], keyPosition: "top right")
        // v3's quantity is the gradient's cosine (solid; every seed of float32 softmax), read from the fit to
        // the end; the updates' cosines (dashed) are v1's and v2's, and perpAdamW's claim still reads its update.
        let extraSeeds = otherSeeds(.gradWeightCosine, label: "softmax, float32, other seeds: cos(-gradient, W)")
        // The x range of the curves drawn here (float32 softmax's budget), not of the longest variant.
        let cosineEnd =
            [0, 3, 4].compactMap { data.series(Series.curve[(.gradWeightCosine, keys[$0])]).last?.x }.max() ?? 1
        let cutOffs = [
            (0.8, "claim (v3): float32 gradient >= 0.8; perpAdamW update within +-0.1"),
            (0.1, ""), (-0.1, ""),
        ]
        .map { y, label in Figure.Series(label, [(0, y), (cosineEnd, y)], style: .lines, color: 6, dashed: true) }
        let cosine = Figure(
            name: "update_weight_cosine",
            title: "Last layer: cos(-gradient, W) (solid), cos(update, W) (dashed); dotted: SC onset "
                + "(Prieto et al., Sec. 5)",
            xLabel: "full-batch step", yLabel: "cosine",
            series: curves(.gradWeightCosine, [0, 3, 4], suffix: ": cos(-gradient, W)") + extraSeeds
                + curves(.updateWeightCosine, [0, 4], suffix: ": cos(update, W)")
                .map {
                    var s = $0; s.dashed = true; return s
                }
                + (cosineEnd > 1 ? cutOffs : []),
            extra: ["set yrange [-1:1]"] + onsets, keyPosition: "below")
        return [accuracy, collapse, growth, margin, cosine]
    }
}

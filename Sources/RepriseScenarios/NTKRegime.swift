import Foundation
import RepriseEngine
import RepriseSuite

/// Jacot, Gabriel & Hongler (2018), *Neural Tangent Kernel*: the numerical
/// section (Figs. 1 and 2) at CPU scale, plus the width-scaling evidence the
/// figures only hint at. Replications/ntk-regime/README.md gives the protocol.
///
/// Fully connected ReLU nets of `depth` weight layers in the NTK
/// parametrization, scalar output, cost ½·mean (f − f*)², full-batch GD with lr 1.
/// The empirical NTK Θ(x₀, x(γ)) on the unit circle is compared with its
/// analytic limit at init, across widths, and after training.
public struct NTKRegime: Scenario {
    public static let id = "ntk-regime"
    public static let parameters = Parameter.of([
        Keys.depth, Keys.beta, Keys.lr, Keys.seeds, Keys.widths, Keys.angles, Keys.trainPoints, Keys.steps,
        Keys.fig2Widths, Keys.fig2Steps, Keys.fig2Angles, Keys.initNets, Keys.widestInitNets,
    ])
    public static let metrics = [
        Metrics.initOnlyWidestMaxRelativeError.name, Metrics.initOnlyWidestGeometricMaxRelativeError.name,
        Metrics.initOnlySpreadSlope.name, Metrics.initOnlyWidestSpreadAt0.name,
        Metrics.spreadAt0Theory.name, Metrics.initOnlySpreadAt0OverTheory.name, Metrics.trainedNetsWidestSpreadAt0.name,
        Metrics.widestInitMaxRelativeError.name, Metrics.spreadSlope.name, Metrics.changeSlope.name,
        Metrics.widestRelativeChange.name, Metrics.narrowestRelativeChange.name,
        Metrics.functionGapSlope.name, Metrics.widestFunctionGap.name, Metrics.analyticThetaAt0.name,
        Metrics.analyticThetaAtPi.name, Metrics.analyticGramTrace.name,
    ]
    public init() {}

    /// The metric names recorded with a literal name, declared once (families with a parameter are spelt in
    /// `metrics`).
    enum Metrics {
        static let initOnlyWidestMaxRelativeError = MetricKey("init_only_widest_max_relative_error")
        static let initOnlyWidestGeometricMaxRelativeError = MetricKey("init_only_widest_geometric_max_relative_error")
        static let initOnlySpreadSlope = MetricKey("init_only_spread_slope")
        static let initOnlyWidestSpreadAt0 = MetricKey("init_only_widest_spread_at_0")
        static let spreadAt0Theory = MetricKey("spread_at_0_theory")
        static let initOnlySpreadAt0OverTheory = MetricKey("init_only_spread_at_0_over_theory")
        static let trainedNetsWidestSpreadAt0 = MetricKey("trained_nets_widest_spread_at_0")
        static let widestInitMaxRelativeError = MetricKey("widest_init_max_relative_error")
        static let spreadSlope = MetricKey("spread_slope")
        static let changeSlope = MetricKey("change_slope")
        static let widestRelativeChange = MetricKey("widest_relative_change")
        static let narrowestRelativeChange = MetricKey("narrowest_relative_change")
        static let functionGapSlope = MetricKey("function_gap_slope")
        static let widestFunctionGap = MetricKey("widest_function_gap")
        static let analyticThetaAt0 = MetricKey("analytic_theta_at_0")
        static let analyticThetaAtPi = MetricKey("analytic_theta_at_pi")
        static let analyticGramTrace = MetricKey("analytic_gram_trace")
    }

    /// The series `aggregate` records and `figures` draws, each declared once (families with their parameter).
    enum Series {
        /// Per width: the trained nets' kernel at init (mean, sd) and after training.
        static let thetaInitMean = SeriesFamily<Int> { "theta_init_mean/\($0)" }
        static let thetaInitSD = SeriesFamily<Int> { "theta_init_sd/\($0)" }
        static let thetaTrainedMean = SeriesFamily<Int> { "theta_trained_mean/\($0)" }
        /// Fig. 2 per (width, seed): the trained net's function and its kernel-GD prediction.
        static let fig2Net = SeriesFamily<(width: Int, seed: Int)> { "fig2_net/\($0.width)/\($0.seed)" }
        static let fig2Kernel = SeriesFamily<(width: Int, seed: Int)> { "fig2_kernel/\($0.width)/\($0.seed)" }
        static let analyticTheta = SeriesKey("analytic/theta")
        static let fig2TrainPoints = SeriesKey("fig2_train_points")
        static let functionGap = SeriesKey("function_gap")
        static let initOnlyMaxRelativeError = SeriesKey("init_only_max_relative_error")
        static let initOnlyNarrowestMean = SeriesKey("init_only_narrowest_mean")
        static let initOnlyNarrowestSd = SeriesKey("init_only_narrowest_sd")
        static let initOnlySpread = SeriesKey("init_only_spread")
        static let initOnlySpreadAt0 = SeriesKey("init_only_spread_at_0")
        static let initOnlySpreadSe = SeriesKey("init_only_spread_se")
        static let initOnlyWidestBandHigh = SeriesKey("init_only_widest_band_high")
        static let initOnlyWidestBandLow = SeriesKey("init_only_widest_band_low")
        static let initOnlyWidestGeometricMean = SeriesKey("init_only_widest_geometric_mean")
        static let maxRelativeErrorInit = SeriesKey("max_relative_error_init")
        static let relativeChange = SeriesKey("relative_change")
        static let spreadInit = SeriesKey("spread_init")
    }

    /// What each trial records and `aggregate` reads back, each declared once.
    enum Values {
        /// An init-only trial's net k: its kernel Theta(x0, x(gamma)) at init.
        static let theta = ValueFamily<Int> { "theta/\($0)" }
        static let gap = ValueKey("gap")
        static let kernel = ValueKey("kernel")
        static let net = ValueKey("net")
        static let relativeChange = ValueKey("relative_change")
        static let thetaInit = ValueKey("theta_init")
        static let thetaTrained = ValueKey("theta_trained")
    }

    /// The config keys: the profiles' (checked against `parameters` when the folder is loaded), then each trial's own.
    enum Keys {
        static let depth = Key.integer("depth", 2...32)
        static let beta = Key.real("beta", 0...100)
        static let lr = Key.real("lr", 1e-6...100)
        static let seeds = Key.integer("seeds", 1...10_000)
        static let widths = Key.integers("widths", 1...100_000)
        static let angles = Key.integer("angles", 3...100_000)
        static let trainPoints = Key.integer("train_points", 1...100_000)
        static let steps = Key.integer("steps", 0...100_000_000)
        static let fig2Widths = Key.integers("fig2_widths", 1...100_000)
        static let fig2Steps = Key.integer("fig2_steps", 0...100_000_000)
        static let fig2Angles = Key.reals("fig2_angles", -Double.pi...Double.pi)
        static let initNets = Key.integer("init_nets", 2...100_000)
        static let widestInitNets = Key.integer("widest_init_nets", 2...100_000)
        // Each trial's own, set by trials(_:).
        static let part = Key.name("part", Part.self)
        static let width = Key.integer("width", 1...100_000)
        static let seedIndex = Key.integer("seed_index", 0...10_000)
        static let firstNet = Key.integer("first_net", 0...100_000)
        static let nets = Key.integer("nets", 1...100_000)
    }

    /// The two experiments of the paper's Sec. 6 (a trial is one net of one of them), and the
    /// init-only nets that decide the claims on the kernel at init (a trial is a chunk of them).
    enum Part: String, CaseIterable { case fig1, fig2, initOnly = "init" }

    /// Init-only nets per trial: enough work to amortize a worker, few enough to spread over both cores.
    static let initChunk = 10

    // MARK: Trials — one net per (width, seed): Fig. 1's kernel before and after GD, Fig. 2's trained function.

    public func trials(_ c: Config) throws -> [Trial] {
        let shared = c.selecting([Keys.depth, Keys.beta, Keys.lr, Keys.angles])
        let fig1 = shared.merging(c.selecting([Keys.trainPoints, Keys.steps])).setting(Keys.part, .fig1)
        let fig2 = shared.merging(c.selecting([Keys.fig2Angles, Keys.fig2Steps])).setting(Keys.part, .fig2)
        let seeds = 0..<c[Keys.seeds]
        // Cost: GD steps on a width² hidden layer, plus (Fig. 1) the kernel's per-point Jacobians.
        return c[Keys.widths].flatMap { w in
            seeds.map { s in
                Trial(
                    "fig1/w\(w)/s\(s)", fig1.setting(Keys.width, w).setting(Keys.seedIndex, s),
                    cost: Double(w * w) * Double(c[Keys.steps] + 3 * c[Keys.angles]))
            }
        }
            + c[Keys.fig2Widths].flatMap { w in
                seeds.map { s in
                    Trial(
                        "fig2/w\(w)/s\(s)", fig2.setting(Keys.width, w).setting(Keys.seedIndex, s),
                        cost: Double(w * w) * Double(c[Keys.fig2Steps]) / 4)
                }
            }
            + c[Keys.widths].flatMap { w in
                Self.initChunks(Self.initNets(c, width: w)).map { chunk in
                    Trial(
                        "init/w\(w)/n\(chunk.lowerBound)",
                        shared.setting(Keys.part, .initOnly).setting(Keys.width, w)
                            .setting(Keys.firstNet, chunk.lowerBound).setting(Keys.nets, chunk.count),
                        cost: Double(w * w) * Double(chunk.count) * 4)
                }
            }
    }

    /// Init-only nets at `width`: `init_nets` (claim 2's spread), more at the widest width, where claim 1
    /// (v3) is decided: `widest_init_nets`, from the power calculation in the README.
    static func initNets(_ c: Config, width: Int) -> Int {
        width == c[Keys.widths].last! ? max(c[Keys.initNets], c[Keys.widestInitNets]) : c[Keys.initNets]
    }

    static func initChunks(_ nets: Int) -> [Range<Int>] {
        stride(from: 0, to: nets, by: initChunk).map { $0..<min(nets, $0 + initChunk) }
    }

    public func run(_ trial: TrialContext) throws {
        let c = trial.config
        let depth = c[Keys.depth], beta = c[Keys.beta], lr = c[Keys.lr], width = c[Keys.width]
        var seed: Int { c[Keys.seedIndex] }  // init-only trials have none
        let count = c[Keys.angles]
        let circle: Tensor<Double> = Synthetic.circle(angles: Self.angles(count))
        func net(_ label: String) -> MLP<Double> {
            var rng = trial.rng(label)
            return MLP<Double>(
                widths: [2] + Array(repeating: width, count: depth - 1) + [1], init: .ntk(beta: beta), rng: &rng)
        }
        switch c[Keys.part] {
        case .initOnly:
            try initOnly(trial)
        case .fig1:
            // x₀ = (1, 0) against x(γ) = (cos γ, sin γ); the task f* = x₁x₂ on Gaussian inputs, shared by every net.
            let x0 = Tensor<Double>(shape: [1, 2], scalars: [1, 0])
            var dataRNG = trial.rng("fig1-data")
            let xTrain: Tensor<Double> = Synthetic.gaussian(count: c[Keys.trainPoints], dim: 2, rng: &dataRNG)
            let yTrain = Tensor<Double>(
                shape: [xTrain.shape[0], 1], scalars: (0..<xTrain.shape[0]).map { xTrain[$0, 0] * xTrain[$0, 1] })
            let model = net("init/\(width)/\(seed)")
            let gram0 = NTK.empirical(model.layers, circle, circle)
            trial.record(Values.thetaInit, NTK.empirical(model.layers, x0, circle).scalars)
            try trainGD(model, xTrain, yTrain, lr: lr, steps: c[Keys.steps], trial: trial)
            trial.record(Values.thetaTrained, NTK.empirical(model.layers, x0, circle).scalars)
            trial.record(
                Values.relativeChange,
                frobenius(NTK.empirical(model.layers, circle, circle), minus: gram0) / frobenius(gram0, minus: nil))
        case .fig2:
            // 4 points on the circle; the trained net against kernel GD with Θ∞ from the same f₀.
            let trainAngles = c[Keys.fig2Angles], steps = c[Keys.fig2Steps]
            let xs: Tensor<Double> = Synthetic.circle(angles: trainAngles)
            let ys = Tensor<Double>(
                shape: [trainAngles.count, 1], scalars: trainAngles.map { Double.cos($0) * Double.sin($0) })
            let thetaXX = NTK.reluLimit(xs, xs, depth: depth, beta: beta),
                thetaGX = NTK.reluLimit(circle, xs, depth: depth, beta: beta)
            let model = net("fig2/\(width)/\(seed)")
            let f0Grid = model(Variable(circle)).value, f0Train = model(Variable(xs)).value
            try trainGD(model, xs, ys, lr: lr, steps: steps, trial: trial)
            let fT = model(Variable(circle)).value.scalars
            let kernel = kernelGD(
                f0Grid: f0Grid.scalars, f0Train: f0Train.scalars, y: ys.scalars, thetaXX: thetaXX,
                thetaGX: thetaGX, lr: lr, steps: steps)
            trial.record(Values.net, fT)
            trial.record(Values.kernel, kernel)
            trial.record(
                Values.gap,
                (zip(fT, kernel).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(count)).squareRoot())
        }
    }

    /// The points x(gamma) of Fig. 1: `count` angles from -pi to pi (the cross-check reads them too).
    public static func angles(_ count: Int) -> [Double] {
        (0..<count).map { -Double.pi + 2 * Double.pi * Double($0) / Double(count - 1) }
    }

    /// Nets that are only initialized: their kernel Θ(x₀, x(γ)) at init, each from its own stream
    /// (independent of the trained nets' inits, so the two estimates of the spread are independent).
    func initOnly(_ trial: TrialContext) throws {
        let c = trial.config
        let width = c[Keys.width], depth = c[Keys.depth], beta = c[Keys.beta]
        let circle: Tensor<Double> = Synthetic.circle(angles: Self.angles(c[Keys.angles]))
        let x0 = Tensor<Double>(shape: [1, 2], scalars: [1, 0])
        for k in c[Keys.firstNet]..<(c[Keys.firstNet] + c[Keys.nets]) {
            var rng = trial.rng("init-only/\(width)/\(k)")
            let model = MLP<Double>(
                widths: [2] + Array(repeating: width, count: depth - 1) + [1], init: .ntk(beta: beta), rng: &rng)
            trial.record(Values.theta[k], NTK.empirical(model.layers, x0, circle).scalars)
            try trial.checkpoint()
        }
    }

    // MARK: Measurements — seed means and spreads per width, against the analytic limit.

    public func aggregate(_ results: TrialResults, into run: RunContext) throws {
        let c = run.config
        let depth = c[Keys.depth], beta = c[Keys.beta], widths = c[Keys.widths], seeds = c[Keys.seeds]
        let count = c[Keys.angles], angles = Self.angles(count)
        let circle: Tensor<Double> = Synthetic.circle(angles: angles)
        let limit = NTK.reluLimit(Tensor<Double>(shape: [1, 2], scalars: [1, 0]), circle, depth: depth, beta: beta)
            .scalars
        for (g, v) in zip(angles, limit) { run.record(Series.analyticTheta, x: g, y: v) }
        let limitGram = NTK.reluLimit(circle, circle, depth: depth, beta: beta)

        // The units are the nets. Slopes over widths get jackknife intervals (each width's nets apart),
        // maxima over angles a Bonferroni band over the angles, means Student t; what no tested method
        // serves (a standard deviation at one angle) a bootstrap over nets, printed but never deciding.
        let fig1 = widths.map { w in
            (0..<seeds).map { results.one(Keys.part.is(.fig1), Keys.width.is(w), Keys.seedIndex.is($0)) }
        }
        // seed sd at init, averaged over the circle, relative to the limit
        func spread(_ nets: [TrialValues]) -> Double {
            Stats.mean(zip(columnSDs(nets.map { $0.vector(Values.thetaInit) }), limit).map { $0 / $1 })
        }
        func change(_ nets: [TrialValues]) -> Double { Stats.mean(nets.map { $0.scalar(Values.relativeChange) }) }
        func initError(_ nets: [TrialValues]) -> Double {
            zip(columnMeans(nets.map { $0.vector(Values.thetaInit) }), limit).map { abs($0 / $1 - 1) }.max()!
        }
        for (width, nets) in zip(widths, fig1) {
            let atInit = nets.map { $0.vector(Values.thetaInit) }, trained = nets.map { $0.vector(Values.thetaTrained) }
            let mean0 = columnMeans(atInit), sd0 = columnSDs(atInit), meanT = columnMeans(trained)
            for (k, g) in angles.enumerated() {
                run.record(Series.thetaInitMean[width], x: g, y: mean0[k])
                run.record(Series.thetaInitSD[width], x: g, y: sd0[k])
                run.record(Series.thetaTrainedMean[width], x: g, y: meanT[k])
            }
            run.record(Series.spreadInit, x: Double(width), y: spread(nets))
            run.record(Series.relativeChange, x: Double(width), y: change(nets))
            run.record(Series.maxRelativeErrorInit, x: Double(width), y: initError(nets))
        }
        let logW = widths.map { Double.log(Double($0)) }
        func relativeError(_ thetas: [[Double]]) -> [Stats.Coordinate] {
            limit.indices.map { k in Stats.Coordinate(values: thetas.map { $0[k] }) { $0 / limit[k] - 1 } }
        }
        run.maxAbsDeviation(
            Metrics.widestInitMaxRelativeError, relativeError(fig1.last!.map { $0.vector(Values.thetaInit) }))
        run.slope(Metrics.spreadSlope, x: logW, groups: fig1) { Double.log(spread($0)) }
        run.slope(Metrics.changeSlope, x: logW, groups: fig1) { Double.log(change($0)) }
        run.mean(Metrics.widestRelativeChange, of: fig1.last!.map { $0.scalar(Values.relativeChange) })
        run.mean(Metrics.narrowestRelativeChange, of: fig1.first!.map { $0.scalar(Values.relativeChange) })

        // Claim 2 (v2) and claim 1 (v3): init-only nets per width, independent of the trained ones.
        let zero = angles.indices.min { abs(angles[$0]) < abs(angles[$1]) }!
        // Every init-only net per width; claim 2 (v2) reads the first `init_nets` of each, as it states.
        let allInitOnly: [[[Double]]] = widths.map { w in
            Self.initChunks(Self.initNets(c, width: w)).flatMap { chunk in
                let trial = results.one(Keys.part.is(.initOnly), Keys.width.is(w), Keys.firstNet.is(chunk.lowerBound))
                return chunk.map { trial.vector(Values.theta[$0]) }
            }
        }
        let initOnly = allInitOnly.map { Array($0.prefix(c[Keys.initNets])) }
        func spreadAtZero(_ thetas: [[Double]]) -> Double { columnSDs(thetas.map { [$0[zero]] })[0] / limit[zero] }
        for (w, nets) in zip(widths, initOnly) {
            let sp = Stats.mean(zip(columnSDs(nets), limit).map { $0 / $1 })
            run.record(Series.initOnlySpread, x: Double(w), y: sp)
            run.record(Series.initOnlySpreadSe, x: Double(w), y: sp / Double(2 * (nets.count - 1)).squareRoot())
            run.record(Series.initOnlySpreadAt0, x: Double(w), y: spreadAtZero(nets))
            run.record(
                Series.initOnlyMaxRelativeError, x: Double(w),
                y: zip(columnMeans(nets), limit).map { abs($0 / $1 - 1) }.max()!)
        }
        // Claim 1: v2's mean band (printed, never decides) and v3's band on logs over every widest-width net.
        let widestNets = allInitOnly.last!
        run.maxAbsDeviation(Metrics.initOnlyWidestMaxRelativeError, relativeError(widestNets))
        let perAngle = limit.indices.map { k in widestNets.map { $0[k] } }
        run.maxAbsLogDeviation(Metrics.initOnlyWidestGeometricMaxRelativeError, values: perAngle, reference: limit)
        // Fig. 1 draws the nets that decide it: each angle's geometric mean and its Bonferroni interval.
        let level = Stats.bonferroniLevel(limit.count)
        for (k, g) in angles.enumerated() {
            let logs = perAngle[k].map { Double.log(max($0, .leastNormalMagnitude)) }
            let t = Stats.studentT(logs, level: level)
            run.record(Series.initOnlyWidestGeometricMean, x: g, y: Double.exp(Stats.mean(logs)))
            run.record(Series.initOnlyWidestBandLow, x: g, y: Double.exp(t.lowerBound))
            run.record(Series.initOnlyWidestBandHigh, x: g, y: Double.exp(t.upperBound))
        }
        let narrowNets = allInitOnly.first!
        for (k, g) in angles.enumerated() {
            let v = narrowNets.map { $0[k] }, m = Stats.mean(v)
            let sd = (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
            run.record(Series.initOnlyNarrowestMean, x: g, y: m)
            run.record(Series.initOnlyNarrowestSd, x: g, y: sd)
        }
        run.slope(Metrics.initOnlySpreadSlope, x: logW, groups: initOnly) { nets in
            Double.log(Stats.mean(zip(columnSDs(nets), limit).map { $0 / $1 }))
        }
        // The relative spread at gamma = 0 (x = x0) at the widest width, three ways: the init-only nets,
        // the trained nets' own inits (an independent sample), and Hanin & Nica (2019)'s finite-width
        // correction for ReLU nets, Var/E^2 = exp(5 sum_l 1/n_l) - 1 over the hidden layers.
        let widest = Double(widths.last!)
        let theory = (Double.exp(5 * Double(depth - 1) / widest) - 1).squareRoot()
        run.metric(Metrics.spreadAt0Theory, theory)
        run.bootstrap(Metrics.initOnlyWidestSpreadAt0, units: widestNets, spreadAtZero)
        run.bootstrap(Metrics.initOnlySpreadAt0OverTheory, units: widestNets) { spreadAtZero($0) / theory }
        run.bootstrap(
            Metrics.trainedNetsWidestSpreadAt0, units: fig1.last!.map { $0.vector(Values.thetaInit) },
            spreadAtZero)

        let fig2Widths = c[Keys.fig2Widths]
        let fig2 = fig2Widths.map { w in
            (0..<seeds).map { results.one(Keys.part.is(.fig2), Keys.width.is(w), Keys.seedIndex.is($0)) }
        }
        func gap(_ nets: [TrialValues]) -> Double { Stats.mean(nets.map { $0.scalar(Values.gap) }) }
        for (width, nets) in zip(fig2Widths, fig2) {
            for (seed, r) in nets.enumerated().prefix(3) {
                for (k, g) in angles.enumerated() {
                    run.record(Series.fig2Net[(width, seed)], x: g, y: r.vector(Values.net)[k])
                    run.record(Series.fig2Kernel[(width, seed)], x: g, y: r.vector(Values.kernel)[k])
                }
            }
            run.record(Series.functionGap, x: Double(width), y: gap(nets))
        }
        let trainAngles = c[Keys.fig2Angles]
        for g in trainAngles { run.record(Series.fig2TrainPoints, x: g, y: Double.cos(g) * Double.sin(g)) }
        let logW2 = fig2Widths.map { Double.log(Double($0)) }
        run.slope(Metrics.functionGapSlope, x: logW2, groups: fig2) { Double.log(gap($0)) }
        run.mean(Metrics.widestFunctionGap, of: fig2.last!.map { $0.scalar(Values.gap) })
        // The limit's own Gram on the circle, summarized, so other implementations can be compared.
        run.metric(Metrics.analyticThetaAt0, NTK.reluLimit([1, 0], [1, 0], depth: depth, beta: beta).ntk)
        run.metric(Metrics.analyticThetaAtPi, NTK.reluLimit([1, 0], [-1, 0], depth: depth, beta: beta).ntk)
        run.metric(Metrics.analyticGramTrace, (0..<count).reduce(0) { $0 + limitGram[$1, $1] })
    }

    // MARK: Training and the kernel prediction

    /// Full-batch GD on ½·mean (f − f*)², the paper's cost; stops early (throws) on divergence.
    func trainGD(
        _ net: MLP<Double>, _ x: Tensor<Double>, _ y: Tensor<Double>, lr: Double, steps: Int, trial: TrialContext
    ) throws {
        let opt = Optimizer<Double>.sgd(net.parameters, lr: lr)
        for step in 0..<steps {
            opt.zeroGrad()
            let loss = scale(meanSquaredError(net(Variable(x)), y), 0.5)
            guard loss.value[flat: 0].isFinite else {
                throw SuiteError.badConfig("GD diverged at step \(step) (lr \(lr))")
            }
            loss.backward()
            opt.step()
            if step % 50 == 0 { try trial.checkpoint() }
        }
    }

    /// GD in function space with a fixed kernel (the linearized net, Jacot et al. Sec. 5):
    /// f ← f − (lr/N) Θ(·, X)(f(X) − Y), from the net's own f₀, for the same number of steps.
    func kernelGD(
        f0Grid: [Double], f0Train: [Double], y: [Double], thetaXX: Tensor<Double>, thetaGX: Tensor<Double>,
        lr: Double, steps: Int
    ) -> [Double] {
        var fx = f0Train, fg = f0Grid
        let n = Double(y.count)
        for _ in 0..<steps {
            let r = zip(fx, y).map { $0 - $1 }
            for i in fx.indices { fx[i] -= lr / n * r.indices.reduce(0) { $0 + thetaXX[i, $1] * r[$1] } }
            for i in fg.indices { fg[i] -= lr / n * r.indices.reduce(0) { $0 + thetaGX[i, $1] * r[$1] } }
        }
        return fg
    }

    // MARK: Small helpers

    func frobenius(_ a: Tensor<Double>, minus b: Tensor<Double>?) -> Double {
        var s = 0.0
        for i in 0..<a.count { let d = a[flat: i] - (b?[flat: i] ?? 0); s += d * d }
        return s.squareRoot()
    }

    func columnMeans(_ rows: [[Double]]) -> [Double] { rows[0].indices.map { k in Stats.mean(rows.map { $0[k] }) } }

    func columnSDs(_ rows: [[Double]]) -> [Double] {
        rows[0].indices.map { k in
            let v = rows.map { $0[k] }, m = Stats.mean(v)
            return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(1, v.count - 1))).squareRoot()
        }
    }

    // MARK: Figures

    public func figures(_ data: RunData) -> [Figure] {
        let widths = data.series(Series.spreadInit).map { Int($0.x) }
        guard let narrow = widths.first, let wide = widths.last else { return [] }
        let steps = "\(data.config[Keys.steps])"
        let widestNets = "\(Self.initNets(data.config, width: wide))", narrowNets = "\(data.config[Keys.initNets])"
        // The nets that decide claim 1 (v3): the widest width's init-only nets, each angle's geometric mean
        // with its simultaneous (Bonferroni) 95% interval; the narrowest width's init-only nets for contrast.
        let geometric = data.series(Series.initOnlyWidestGeometricMean)
        let wideBand = Figure.Series(
            "width \(wide), init: geometric mean of \(widestNets) nets, simultaneous 95% band (claim 1)", geometric,
            style: .yerrorbars,
            bars: zip(data.series(Series.initOnlyWidestBandLow), data.series(Series.initOnlyWidestBandHigh))
                .map { ($0.y, $1.y) }, color: 0)
        let narrowMean = data.series(Series.initOnlyNarrowestMean), narrowSD = data.series(Series.initOnlyNarrowestSd)
        let narrowBand = Figure.Series(
            "width \(narrow), init: mean +- sd of \(narrowNets) nets", narrowMean, style: .yerrorbars,
            bars: zip(narrowMean, narrowSD).map { ($0.y - $1.y, $0.y + $1.y) }, color: 1)
        let fig1 = Figure(
            name: "fig1_kernel_on_circle",
            title: "NTK Theta(x0, x(gamma)) at init and after \(steps) GD steps (cf. Jacot et al. 2018, Fig. 1)",
            xLabel: "gamma (radians), x = (cos gamma, sin gamma)", yLabel: "Theta(x0, x)",
            series: [
                Figure.Series(
                    "analytic limit Theta_inf (Theorem 1)", data.series(Series.analyticTheta), style: .lines,
                    color: 6),
                narrowBand, wideBand,
                Figure.Series(
                    "width \(narrow), after training (mean of trained nets)",
                    data.series(Series.thetaTrainedMean[narrow]), style: .lines, color: 1),
                Figure.Series(
                    "width \(wide), after training (mean of trained nets)",
                    data.series(Series.thetaTrainedMean[wide]), style: .lines, color: 0),
            ],
            extra: ["set xrange [-pi:pi]"], keyPosition: "below")
        let spread = data.series(Series.initOnlySpread), se = data.series(Series.initOnlySpreadSe),
            change = data.series(Series.relativeChange)
        // The n^-1/2 guide fitted to the init-only spread (least squares on logs with the slope fixed), not anchored at
        // one point.
        let offset = spread.isEmpty ? 0 : Stats.mean(spread.map { Double.log($0.y) + 0.5 * Double.log($0.x) })
        let guide = spread.map { ($0.x, Double.exp(offset - 0.5 * Double.log($0.x))) }
        let scaling = Figure(
            name: "width_scaling",
            title:
                "NTK fluctuation at init and drift in training vs width (cf. Jacot et al. 2018, Sec. 6; Lee et al. "
                + "2019)",
            xLabel: "width n (hidden units per layer)", yLabel: "relative size", logX: true, logY: true,
            series: [
                Figure.Series(
                    "net-to-net sd at init / limit, init-only nets +- 1 se (slope "
                        + "\(fmt(data.metric(Metrics.initOnlySpreadSlope))))",
                    spread, style: .yerrorbars, bars: zip(spread, se).map { ($0.y - $1.y, $0.y + $1.y) }, color: 0),
                Figure.Series(
                    "the same, 5 trained nets' inits (slope \(fmt(data.metric(Metrics.spreadSlope))))",
                    data.series(Series.spreadInit),
                    style: .points, color: 5),
                Figure.Series(
                    "|Theta_T - Theta_0|_F / |Theta_0|_F (slope \(fmt(data.metric(Metrics.changeSlope))))", change,
                    color: 1),
                Figure.Series("n^(-1/2), fitted to the init-only spread", guide, style: .lines, color: 6, dashed: true),
            ],
            keyPosition: "bottom left")
        let fig2Widths = data.config[Keys.fig2Widths].sorted()
        var fig2Series: [Figure.Series] = [
            Figure.Series("training points", data.series(Series.fig2TrainPoints), style: .points, color: 6)
        ]
        // Each net in its own colour, its kernel-GD prediction dashed in the same colour, so every pair can be matched.
        for (i, w) in [fig2Widths.first, fig2Widths.last].compactMap({ $0 }).enumerated() {
            for seed in 0..<3 {
                let net = data.series(Series.fig2Net[(w, seed)])
                if net.isEmpty { continue }
                let color = [0, 1, 2, 3, 4, 5][(3 * i + seed) % 6]
                fig2Series.append(Figure.Series("n = \(w), net \(seed + 1), trained", net, style: .lines, color: color))
                fig2Series.append(
                    Figure.Series(
                        "n = \(w), net \(seed + 1), kernel GD",
                        data.series(Series.fig2Kernel[(w, seed)]), style: .lines, color: color, dashed: true))
            }
        }
        let fig2 = Figure(
            name: "fig2_functions",
            title:
                "Trained nets (solid) vs kernel GD with Theta_inf from each net's f0 (dashed) (cf. Jacot et al. "
                + "2018, Fig. 2)",
            xLabel: "gamma (radians)", yLabel: "f(x(gamma))", series: fig2Series, extra: ["set xrange [-pi:pi]"],
            keyPosition: "below")
        return [fig1, scaling, fig2]
    }
}

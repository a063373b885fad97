import Foundation
import RepriseData
import RepriseEngine
import RepriseSuite

/// Neelakantan et al. (2015), *Adding Gradient Noise Improves Learning for Very
/// Deep Networks*, Table 1, on Fashion-MNIST. Replications/gradient-noise/README.md
/// gives the protocol and every deviation.
///
/// A 20-hidden-layer ReLU net of width 50 is trained by plain SGD under five
/// (initialization, clipping) cells, each with and without annealed Gaussian
/// gradient noise of variance η/(1+t)^γ added after clipping. Noise and
/// no-noise runs of a seed share the initial weights and the batch order, so
/// every comparison is paired. A 5-layer net is the control.
public struct GradientNoise: Scenario {
    public static let id = "gradient-noise"
    public static let parameters = Parameter.of([
        Keys.depth, Keys.width, Keys.controlDepth, Keys.lr, Keys.seeds, Keys.steps, Keys.batch, Keys.eta, Keys.gamma,
        Keys.trainSize, Keys.testSize, Keys.lossEvery, Keys.cells, Keys.simpleStd, Keys.biasInit, Keys.evalEvery,
        Keys.controlSeeds, Keys.controlSteps,
    ])
    /// The cells' keys in Table 1's order.
    static let cellKeys = cells(depth: 1, controlDepth: 1).map(\.key)
    public static let metrics =
        [
            Metrics.simpleNoiseMeanGain.name, Metrics.divergedRuns.name, Metrics.constantPredictorAccuracy.name,
            Metrics.steps.name,
        ]
        + cellKeys.flatMap { cell in
            Metrics.sides.flatMap { side in Metrics.sideStats.map { Metrics.side[(cell, side, $0)].name } }
                + Metrics.perCell.map { $0[cell].name }
        }
    public init() {}

    /// The metric names recorded with a literal name, declared once (families with a parameter are spelt in
    /// `metrics`).
    enum Metrics {
        /// Per cell and side (plain or noise): the best, mean and median final test accuracy over its runs.
        static let side = MetricFamily<(cell: String, side: String, stat: String)> {
            "\($0.cell)_\($0.side)_\($0.stat)"
        }
        static let sides = ["plain", "noise"], sideStats = ["best", "mean", "median"]
        /// Per cell: paired gains of noise over no noise, and the best accuracy during training.
        static let meanGain = family("mean_gain"), bestGain = family("best_gain"), noiseWins = family("noise_wins")
        static let plainDuringBest = family("plain_during_best"), noiseDuringBest = family("noise_during_best")
        static let noiseDuringMedian = family("noise_during_median"), duringMeanGain = family("during_mean_gain")
        static let perCell = [
            meanGain, bestGain, noiseWins, plainDuringBest, noiseDuringBest, noiseDuringMedian,
            duringMeanGain,
        ]
        private static func family(_ suffix: String) -> MetricFamily<String> { MetricFamily { "\($0)_\(suffix)" } }
        static let simpleNoiseMeanGain = MetricKey("simple_noise_mean_gain")
        static let divergedRuns = MetricKey("diverged_runs")
        static let constantPredictorAccuracy = MetricKey("constant_predictor_accuracy")
        static let steps = MetricKey("steps")
    }

    /// The series `aggregate` records and `figures` draws, each declared once (families with their parameter).
    enum Series {
        /// Every run's final test accuracy (x: the cell's column in Table 1), without and with noise.
        static let accuracy = SeriesFamily<Bool> { "accuracy/\($0 ? "noise" : "plain")" }
        /// The first (lr, seed) pair's training loss per cell, without and with noise.
        static let trainLoss = SeriesFamily<(cell: String, noise: Bool)> {
            "train_loss/\($0.cell)/\($0.noise ? "noise" : "plain")"
        }
    }

    /// What each trial records and `aggregate` reads back, each declared once.
    enum Values {
        static let accuracy = ValueKey("accuracy")
        static let accuracyCurve = ValueKey("accuracy_curve")
        static let accuracyStep = ValueKey("accuracy_step")
        static let bestAccuracy = ValueKey("best_accuracy")
        static let constantPredictorAccuracy = ValueKey("constant_predictor_accuracy")
        static let diverged = ValueKey("diverged")
        static let loss = ValueKey("loss")
        static let lossStep = ValueKey("loss_step")
    }

    /// The config keys: the profiles' (checked against `parameters` when the folder is loaded), then each trial's own.
    enum Keys {
        static let depth = Key.integer("depth", 1...1000)
        static let width = Key.integer("width", 1...100_000)
        static let controlDepth = Key.integer("control_depth", 1...1000)
        static let lr = Key.reals("lr", 1e-8...100)
        static let seeds = Key.integer("seeds", 1...10_000)
        static let steps = Key.integer("steps", 1...1_000_000_000)
        static let batch = Key.integer("batch", 1...60_000)
        static let eta = Key.real("eta", 0...100)
        static let gamma = Key.real("gamma", 0...10)
        static let trainSize = Key.integer("train_size", 10...60_000)
        static let testSize = Key.integer("test_size", 10...10_000)
        static let lossEvery = Key.integer("loss_every", 1...1_000_000_000)
        static let cells = Key.names("cells", in: cellKeys)
        static let simpleStd = Key.real("simple_std", 1e-6...10)
        static let biasInit = Key.name("bias_init", BiasInit.self)
        static let evalEvery = Key.integer("eval_every", 1...1_000_000_000)
        static let controlSeeds = Key.integer("control_seeds", 1...10_000)
        static let controlSteps = Key.integer("control_steps", 1...1_000_000_000)
        // Each trial's own, set by trials(_:); its one lr from the profile's grid `lr`.
        static let trialLR = Key.real("lr", 1e-8...100)
        static let cell = Key.name("cell", in: cellKeys)
        static let seedIndex = Key.integer("seed_index", 0...10_000)
        static let noise = Key.flag("noise")
    }

    /// How biases start: zero, or as Torch7's nn.Linear draws them, U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    /// Zero init stays all zeros (Table 1's row), whatever this says.
    enum BiasInit: String, CaseIterable { case zero, torch7 }

    /// The He-init and 5-layer cells: controls where noise should change nothing, with their own seeds and budget.
    static let controlKeys: Set<String> = ["he_clip10", "control5_simple_clip10"]

    /// One row of Table 1: an initialization and a clipping threshold.
    struct Cell {
        let key: String, label: String
        let initializer: Initializer
        let clip: Double?
        var depth: Int
        /// Table 1's zero init: every parameter 0, biases included.
        var startsAtZero: Bool {
            if case .zeros = initializer { return true }
            return false
        }
    }

    /// The rows of Table 1 this scenario runs, and the shallow control.
    static func cells(depth: Int, controlDepth: Int, simpleSTD: Double = 0.1) -> [Cell] {
        let simple = Initializer.gaussian(std: simpleSTD)
        return [
            Cell(key: "simple_noclip", label: "simple init, no clipping", initializer: simple, clip: nil, depth: depth),
            Cell(key: "simple_clip100", label: "simple init, clip 100", initializer: simple, clip: 100, depth: depth),
            Cell(key: "simple_clip10", label: "simple init, clip 10", initializer: simple, clip: 10, depth: depth),
            Cell(key: "he_clip10", label: "He init, clip 10", initializer: .he, clip: 10, depth: depth),
            Cell(key: "zero_clip10", label: "zero init, clip 10", initializer: .zeros, clip: 10, depth: depth),
            Cell(
                key: "control5_simple_clip10", label: "\(controlDepth) layers: simple init, clip 10",
                initializer: simple, clip: 10, depth: controlDepth),
        ]
    }

    // MARK: Trials — every (cell, lr, seed), without and with noise, on the same init and batches.

    /// The cells a run trains: the profile's `cells` (quick runs the four its claims need at 25k steps).
    static func chosenCells(_ c: Config) -> [Cell] {
        let chosen = Set(c[Keys.cells])
        return cells(depth: c[Keys.depth], controlDepth: c[Keys.controlDepth], simpleSTD: c[Keys.simpleStd])
            .filter { chosen.contains($0.key) }
    }

    /// Paired seeds and SGD steps of a cell: the controls have their own (`control_seeds`, `control_steps`).
    static func seeds(_ c: Config, _ cell: String) -> Int {
        controlKeys.contains(cell) ? c[Keys.controlSeeds] : c[Keys.seeds]
    }
    static func steps(_ c: Config, _ cell: String) -> Int {
        controlKeys.contains(cell) ? c[Keys.controlSteps] : c[Keys.steps]
    }

    public func trials(_ c: Config) throws -> [Trial] {
        let shared = c.selecting([
            Keys.depth, Keys.controlDepth, Keys.width, Keys.batch, Keys.eta, Keys.gamma, Keys.trainSize, Keys.testSize,
            Keys.lossEvery, Keys.simpleStd, Keys.biasInit, Keys.evalEvery,
        ])
        var out: [Trial] = []
        for cell in Self.chosenCells(c) {
            for lr in c[Keys.lr] {
                for seed in 0..<Self.seeds(c, cell.key) {
                    for noise in [false, true] {
                        let steps = Self.steps(c, cell.key)
                        let config = shared.setting(Keys.cell, cell.key).setting(Keys.trialLR, lr).setting(
                            Keys.seedIndex, seed
                        )
                        .setting(Keys.noise, noise).setting(Keys.steps, steps)
                        out.append(
                            Trial(
                                "\(cell.key)/lr\(fmt(lr))/s\(seed)/\(noise ? "noise" : "plain")", config,
                                cost: Double(steps * (cell.depth + 16)) * (noise ? 1.5 : 1)))
                    }
                }
            }
        }
        return out
    }

    /// The cell a trial trains.
    static func cell(_ c: Config) -> Cell {
        cells(depth: c[Keys.depth], controlDepth: c[Keys.controlDepth], simpleSTD: c[Keys.simpleStd])
            .first { $0.key == c[Keys.cell] }!
    }

    /// The trial's training and test sets: balanced subsets when the profile asks for fewer than all.
    public static func data(_ trial: TrialContext) throws -> (train: LabeledImages, test: LabeledImages) {
        let c = trial.config
        var dataRNG = trial.rng("data")
        var train = try FashionMNIST.load(.train), test = try FashionMNIST.load(.test)
        if c[Keys.trainSize] < train.count {
            train = train.balancedSubset(perClass: c[Keys.trainSize] / 10, rng: &dataRNG)
        }
        if c[Keys.testSize] < test.count {
            test = test.balancedSubset(perClass: c[Keys.testSize] / 10, rng: &dataRNG)
        }
        return (train, test)
    }

    /// The trial's net at init. Init and batch order depend on (cell, lr, seed), not on noise: the
    /// comparison is paired.
    public static func initialModel(_ trial: TrialContext) -> MLP<Float> {
        let c = trial.config, cell = cell(c), lr = c[Keys.trialLR], seed = c[Keys.seedIndex]
        var initRNG = trial.rng("init/\(cell.key)/\(lr)/\(seed)")
        let model = MLP<Float>(
            widths: [784] + Array(repeating: c[Keys.width], count: cell.depth) + [10],
            init: cell.initializer, rng: &initRNG)
        if c[Keys.biasInit] == .torch7 && !cell.startsAtZero {
            // From a stream of its own, so the weights are the same draws as with zero biases.
            var biasRNG = trial.rng("bias/\(cell.key)/\(lr)/\(seed)")
            for layer in model.layers {
                guard let bias = layer.bias else { continue }
                let bound = 1 / Double(layer.weight.value.shape[0]).squareRoot()
                bias.value = .uniform(bias.value.shape, low: -bound, high: bound, rng: &biasRNG)
            }
        }
        return model
    }

    /// The trial's mini-batches: epochs of fresh permutations of the training set, `batch` rows at a time.
    public struct Batches {
        var rng: RNG, order: [Int], cursor = 0
        let batch: Int, count: Int

        public init(_ trial: TrialContext, count: Int) {
            let c = trial.config
            rng = trial.rng("batches/\(c[Keys.trialLR])/\(c[Keys.seedIndex])")
            (batch, self.count) = (c[Keys.batch], count)
            order = rng.permutation(count)
        }

        public mutating func next() -> [Int] {
            if cursor + batch > order.count { order = rng.permutation(count); cursor = 0 }
            defer { cursor += batch }
            return Array(order[cursor..<(cursor + batch)])
        }
    }

    /// What SGD applies to each gradient before its step: the cell's clipping, then (with noise) the annealed
    /// Gaussian noise from the trial's own stream.
    public static func transforms(_ trial: TrialContext) -> [GradientTransform] {
        let c = trial.config, cell = cell(c)
        var transforms: [GradientTransform] = []
        if let clip = cell.clip { transforms.append(.clipGlobalNorm(clip)) }
        if c[Keys.noise] {
            let seedBits = trial.rng("noise/\(cell.key)/\(c[Keys.trialLR])/\(c[Keys.seedIndex])").state
            transforms.append(.gaussianNoise(eta: c[Keys.eta], gamma: c[Keys.gamma], seed: seedBits))
        }
        return transforms
    }

    /// One training run: plain SGD (no momentum) on softmax cross-entropy, clipping, then noise.
    public func run(_ trial: TrialContext) throws {
        let c = trial.config
        let lr = c[Keys.trialLR]
        let (train, test) = try Self.data(trial)
        // The constant predictor's accuracy on this test set: the largest class share.
        var counts = [Int](repeating: 0, count: 10)
        for y in test.labels { counts[y] += 1 }
        trial.record(Values.constantPredictorAccuracy, Double(counts.max()!) / Double(test.count))

        let model = Self.initialModel(trial)
        var batches = Batches(trial, count: train.count)
        let opt = Optimizer<Float>.sgd(model.parameters, lr: lr, transforms: Self.transforms(trial))
        let steps = c[Keys.steps], every = c[Keys.lossEvery]
        var window = 0.0, windowCount = 0, diverged = false
        // Test accuracy every `eval_every` steps and at the end: the best of these is the run's best during
        // training, the last its final accuracy (Table 1 does not say which it reports; both are recorded).
        let evalEvery = c[Keys.evalEvery]
        var checkpoints: [Double] = [], accuracies: [Double] = []
        for step in 0..<steps {
            let idx = batches.next()
            opt.zeroGrad()
            let loss = softmaxCrossEntropy(
                model(Variable(train.images.gatherRows(idx))), labels: idx.map { train.labels[$0] })
            let value = Double(loss.value[flat: 0])
            guard value.isFinite else {
                // Diverged: the weights are no longer finite; the net scores as whatever it predicts now.
                trial.note("warning: loss \(fmt(value)) at step \(step); scored as diverged")
                trial.record(Values.lossStep, Double(step)); trial.record(Values.loss, value)
                diverged = true
                break
            }
            loss.backward()
            opt.step()
            window += value; windowCount += 1
            if (step + 1) % every == 0 {
                trial.record(Values.lossStep, Double(step + 1)); trial.record(Values.loss, window / Double(windowCount))
                window = 0; windowCount = 0
            }
            if (step + 1) % evalEvery == 0 && step + 1 < steps {
                checkpoints.append(Double(step + 1)); accuracies.append(accuracy(model, test))
            }
            if step % 100 == 0 { try trial.checkpoint() }
        }
        let final = accuracy(model, test)
        trial.record(Values.accuracy, final)
        trial.record(Values.bestAccuracy, (accuracies + [final]).max()!)
        trial.record(Values.accuracyStep, checkpoints); trial.record(Values.accuracyCurve, accuracies)
        trial.record(Values.diverged, diverged ? 1 : 0)
        trial.record(Values.lossStep, []); trial.record(Values.loss, [])  // present even when no window closed
    }

    // MARK: Measurements — best and average test accuracy per cell, as Table 1 reports them.

    public func aggregate(_ results: TrialResults, into run: RunContext) throws {
        let c = run.config
        let cells = Self.chosenCells(c)
        let lrs = c[Keys.lr]
        // The units are (lr, seed) pairs, each trained once without and once with noise from the same
        // init. Mean gains are means of the pairs' differences with paired t intervals (pooled over the
        // lrs: Table 1 pools 20 runs at each of its two); medians get order-statistic intervals; the
        // "best" columns are, as in Table 1, the best of the runs measured: exact, no interval.
        typealias Pair = (plain: Double, noise: Double)
        var pairs: [String: [[Pair]]] = [:]  // cell → per lr → per seed
        var during: [String: [Pair]] = [:]  // the same, best test accuracy during training
        var diverged = 0
        for cell in cells {
            for lr in lrs {
                var row: [Pair] = []
                for seed in 0..<Self.seeds(c, cell.key) {
                    var pair: Pair = (0, 0), best: Pair = (0, 0)
                    for noise in [false, true] {
                        let result = results.one(
                            Keys.cell.is(cell.key), Keys.trialLR.is(lr), Keys.seedIndex.is(seed), Keys.noise.is(noise))
                        if noise {
                            pair.noise = result.scalar(Values.accuracy)
                        } else {
                            pair.plain = result.scalar(Values.accuracy)
                        }
                        let bestDuring = result.scalar(Values.bestAccuracy)
                        if noise { best.noise = bestDuring } else { best.plain = bestDuring }
                        if result.scalar(Values.diverged) != 0 { diverged += 1 }
                        run.record(
                            Series.accuracy[noise], x: Double(Self.cellKeys.firstIndex(of: cell.key)! + 1),
                            y: result.scalar(Values.accuracy))  // Table 1's row
                        if seed == 0 && lr == lrs[0] {
                            for (step, loss) in zip(result.vector(Values.lossStep), result.vector(Values.loss)) {
                                run.record(Series.trainLoss[(cell.key, noise)], x: step, y: loss)
                            }
                        }
                    }
                    row.append(pair)
                    during[cell.key, default: []].append(best)
                }
                pairs[cell.key, default: []].append(row)
            }
        }
        for cell in cells {
            let all = pairs[cell.key]!.flatMap { $0 }
            for (tag, side) in [("plain", all.map(\.plain)), ("noise", all.map(\.noise))] {
                run.metric(Metrics.side[(cell.key, tag, "best")], side.max()!)
                run.mean(Metrics.side[(cell.key, tag, "mean")], of: side)
                run.median(Metrics.side[(cell.key, tag, "median")], of: side)
            }
            run.meanDifference(Metrics.meanGain[cell.key], of: all.map { $0.noise - $0.plain })
            run.metric(Metrics.bestGain[cell.key], all.map(\.noise).max()! - all.map(\.plain).max()!)
            // Paired: the share of (lr, seed) pairs where noise did better, as counted.
            run.metric(
                Metrics.noiseWins[cell.key], Double(all.filter { $0.noise > $0.plain }.count) / Double(all.count))
            // Best test accuracy during training (checkpoints every `eval_every` steps): reported beside the
            // final accuracy the claims read, since a net that learned and died back differs in the two.
            let best = during[cell.key]!
            run.metric(Metrics.plainDuringBest[cell.key], best.map(\.plain).max()!)
            run.metric(Metrics.noiseDuringBest[cell.key], best.map(\.noise).max()!)
            run.median(Metrics.noiseDuringMedian[cell.key], of: best.map(\.noise))
            run.meanDifference(Metrics.duringMeanGain[cell.key], of: best.map { $0.noise - $0.plain })
        }
        // v1's pooled claim (kept for the record): every simple-init cell has the same number of pairs, so the
        // mean of the cells' mean gains is the mean over their pairs. Recorded only when all three ran.
        let simpleKeys = ["simple_noclip", "simple_clip100", "simple_clip10"]
        if simpleKeys.allSatisfy({ pairs[$0] != nil }) {
            let pooled = simpleKeys.flatMap { pairs[$0]!.flatMap { $0 } }
            run.meanDifference(Metrics.simpleNoiseMeanGain, of: pooled.map { $0.noise - $0.plain })
        }
        run.metric(Metrics.divergedRuns, Double(diverged))
        run.metric(
            Metrics.constantPredictorAccuracy,
            results.one(Keys.cell.is(cells[0].key), Keys.trialLR.is(lrs[0]), Keys.seedIndex.is(0), Keys.noise.is(false))
                .scalar(Values.constantPredictorAccuracy))
        // The run's training budget, for the claims' minimum-budget statements.
        run.metric(Metrics.steps, Double(c[Keys.steps]))
    }

    /// Test accuracy, evaluated in chunks. Non-finite logits count as wrong.
    func accuracy(_ model: MLP<Float>, _ test: LabeledImages) -> Double {
        var correct = 0
        for start in stride(from: 0, to: test.count, by: 2000) {
            let end = min(test.count, start + 2000)
            let logits = model(Variable(test.images.rows(start..<end))).value
            guard logits.allFinite else { continue }
            for (i, p) in logits.argmaxRows().enumerated() where p == test.labels[start + i] { correct += 1 }
        }
        return Double(correct) / Double(test.count)
    }

    // MARK: Figures

    public func figures(_ data: RunData) -> [Figure] {
        let labels = [
            "simple\\nno clip", "simple\\nclip 100", "simple\\nclip 10", "He\\nclip 10", "zero\\nclip 10",
            "5 layers\\nsimple, clip 10",
        ]
        let keys = Self.cellKeys
        let xtics = "set xtics (" + labels.enumerated().map { "\"\($1)\" \($0 + 1)" }.joined(separator: ", ") + ")"
        /// Runs of a cell side by side (a deterministic jitter by run order), left of the tick without noise, right
        /// with.
        func spread(_ pts: [(x: Double, y: Double)], _ center: Double) -> [(x: Double, y: Double)] {
            var seen: [Double: Int] = [:]
            return pts.map { p in
                let i = seen[p.x, default: 0]
                seen[p.x] = i + 1
                return (p.x + center + 0.04 * Double(i % 5 - 2), p.y)
            }
        }
        func summary(_ stat: String, _ tag: String, _ dx: Double) -> [(x: Double, y: Double)] {
            keys.enumerated().map { (Double($0 + 1) + dx, data.metric(Metrics.side[($1, tag, stat)])) }
        }
        // Titles and legends from the config the run used, not from the profile the code was written for
        // (the simple init's sd was 0.1 in protocol v2 and 0.316 in v3; smoke nets are shallower).
        let sd = fmt(data.config[Keys.simpleStd])
        let table = Figure(
            name: "table1_accuracy",
            title: "Test accuracy per cell, one dot per run (cf. Neelakantan et al. 2015, Table 1)",
            xLabel: "cell: initialization, gradient clipping (\(data.config[Keys.depth]) hidden layers unless noted)",
            yLabel: "test accuracy (Fashion-MNIST)",
            series: [
                Figure.Series(
                    "no noise: runs", spread(data.series(Series.accuracy[false]), -0.2), style: .points, color: 0),
                Figure.Series("noise: runs", spread(data.series(Series.accuracy[true]), 0.2), style: .points, color: 1),
                Figure.Series("no noise: average", summary("mean", "plain", -0.2), style: .points, color: 2),
                Figure.Series("noise: average", summary("mean", "noise", 0.2), style: .points, color: 3),
            ],
            extra: [
                xtics, "set xrange [0.5:6.5]", "set yrange [0:1.3]", "set ytics 0, 0.2, 1", "set bmargin 6",
                "set xlabel offset 0,-1.2",
            ], keyPosition: "top left")
        // A fixed range with ln 10 drawn: a net stuck at the constant predictor sits on that line, and
        // autoscaling around it (2.3024-2.3036) would make window noise look like dynamics.
        func lossFigure(_ cell: String, _ name: String, _ title: String) -> Figure? {
            let plain = data.series(Series.trainLoss[(cell, false)]),
                noisy = data.series(Series.trainLoss[(cell, true)])
            guard let last = (plain + noisy).map(\.x).max() else { return nil }
            return Figure(
                name: name, title: title, xLabel: "SGD step", yLabel: "training cross-entropy (window mean, nats)",
                series: [
                    Figure.Series("no noise", plain, style: .lines, color: 0),
                    Figure.Series(
                        "noise (eta \(fmt(data.config[Keys.eta])), gamma \(fmt(data.config[Keys.gamma])))", noisy,
                        style: .lines, color: 1),
                    Figure.Series(
                        "ln 10 = 2.303: the constant predictor", [(0, 2.302585), (last, 2.302585)], style: .lines,
                        color: 6, dashed: true),
                ],
                extra: ["set yrange [0:2.6]"], keyPosition: "bottom left")
        }
        let simple = "simple init N(0, \(sd)^2)"
        return [table]
            + [
                lossFigure(
                    "zero_clip10", "zero_init_loss",
                    "Training loss, zero init + clip 10, one seed, with and without gradient noise"),
                lossFigure(
                    "simple_clip10", "simple_init_loss",
                    "Training loss, \(simple) + clip 10, one seed"),
                lossFigure(
                    "simple_noclip", "simple_noclip_loss",
                    "Training loss, \(simple), no clipping, one seed"),
            ]
            .compactMap { $0 }
    }
}

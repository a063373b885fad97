import Foundation
import RepriseData
import RepriseEngine
import RepriseSuite

/// Zhao, Zhang, Chen, Wang, Anandkumar & Tian (2024), *GaLore: Memory-Efficient LLM Training by
/// Gradient Low-Rank Projection*. Replications/galore-memory/README.md gives the protocol, every
/// convention and every deviation.
///
/// Part 1 counts the memory of weights and optimizer states from the paper's LLaMA configs
/// (`GaLoreAccounting`) and sets it beside Table 2 and the 7B statements. Part 2 trains a tiny
/// byte-level LLaMA on Debian's fortunes with six optimizers on the same token budget, seeds
/// and batches: full-rank Adam, GaLore, LoRA, low-rank W = AB, and block-wise 8-bit Adam alone and
/// inside GaLore. Each method takes its learning rate from its own grid by validation loss; state
/// bytes are read from the live optimizer. Sec. 6's ablation of the subspace update interval T is
/// a sweep at a rank that binds, T = ∞ (the step-0 subspace for the whole run) included.
public struct GaLoreMemory: Scenario {
    public static let id = "galore-memory"
    public static let parameters = Parameter.of(
        [
            Keys.dim, Keys.layers, Keys.heads, Keys.hidden, Keys.seqLen, Keys.batch, Keys.steps, Keys.evalEvery,
            Keys.valTokens, Keys.seeds, Keys.firstSeed, Keys.warmupFraction, Keys.minLRRatio, Keys.adamEps, Keys.rank,
            Keys.galoreGap, Keys.galoreAlpha, Keys.galoreSquareSide, Keys.loraAlpha, Keys.loraDropout, Keys.sweepRank,
            Keys.sweepGaps, Keys.sweepSeeds, Keys.lrSweep,
        ] + Method.allCases.map(Keys.lrGrid))
    public static let metrics: [String] = {
        var m = Method.allCases.flatMap { [Metrics.ppl[$0], Metrics.stateBytes[$0], Metrics.lr[$0]].map(\.name) }
        m += Metrics.pplRatios.map { Metrics.pplRatio[$0].name }
        m += [
            Metrics.sweepFrequentPpl.name, Metrics.sweepInteriorPpl.name, Metrics.sweepRarePpl.name,
            Metrics.frequentOverInteriorPpl.name,
            Metrics.rareOverInteriorPpl.name, Metrics.fullUpdateEnergyAtSweepRank.name,
            Metrics.fullUpdateEnergyAtRank.name,
            Metrics.fullUpdateRank90Fraction.name, Metrics.tokensPerParameter.name, Metrics.paper60mStateFraction.name,
            Metrics.sweepRank.name,
            Metrics.adam8bitStateRatio.name, Metrics.galore8bitMomentRatio.name,
            Metrics.galoreStateFraction.name, Metrics.galoreStateVsPrediction.name, Metrics.lrAtGridEdge.name,
        ]
        m += Metrics.table2MaxRelError.all(GaLoreAccounting.Method.allCases).map(\.name)
        m += [
            Metrics.table2LoraC2MaxRelError.name, Metrics.table6WeightsMaxRelError.name,
            Metrics.table6StatesMaxRelError.name,
        ]
        m += [
            Metrics.params60m.name, Metrics.loraTrainable60m.name, Metrics.galore7bStateReduction.name,
            Metrics.galore8bit7bStateReduction.name,
            Metrics.galore8bit7bStateReductionAll8bit.name, Metrics.adam7bTotalGb.name, Metrics.adam8bit7bTable3Gb.name,
            Metrics.galore8bit7bTable3Gb.name,
            Metrics.galore8bit7bLayerwiseGb.name, Metrics.galore1bRank1024Gb.name,
        ]
        return m
    }()
    public init() {}

    /// The metric names recorded with a literal name, declared once (families with a parameter are spelt in
    /// `metrics`).
    enum Metrics {
        // One per method: its perplexity (geometric mean over seeds), its optimizer state, the lr its grid chose.
        static let ppl = MetricFamily<Method> { "\($0.rawValue)_ppl" }
        static let stateBytes = MetricFamily<Method> { "\($0.rawValue)_state_bytes" }
        static let lr = MetricFamily<Method> { "\($0.rawValue)_lr" }
        /// Paired perplexity ratios, a over b.
        static let pplRatio = MetricFamily<(a: Method, b: Method)> { "\($0.a.rawValue)_over_\($0.b.rawValue)_ppl" }
        static let pplRatios: [(a: Method, b: Method)] = [
            (.galore, .full), (.lowrank, .full), (.galore, .lora), (.adam8bit, .full), (.galore8bit, .galore),
            // Table 3's comparison: 8-bit GaLore against 8-bit Adam (the paper's 14.65 vs 14.61 at 7B).
            (.galore8bit, .adam8bit),
        ]
        /// Table 2's rows: the largest relative error of the accounting against the paper's numbers.
        static let table2MaxRelError = MetricFamily<GaLoreAccounting.Method> { "table2_\($0.rawValue)_max_rel_error" }
        static let sweepFrequentPpl = MetricKey("sweep_frequent_ppl")
        static let sweepInteriorPpl = MetricKey("sweep_interior_ppl")
        static let sweepRarePpl = MetricKey("sweep_rare_ppl")
        static let frequentOverInteriorPpl = MetricKey("frequent_over_interior_ppl")
        static let rareOverInteriorPpl = MetricKey("rare_over_interior_ppl")
        static let fullUpdateEnergyAtSweepRank = MetricKey("full_update_energy_at_sweep_rank")
        static let fullUpdateEnergyAtRank = MetricKey("full_update_energy_at_rank")
        static let fullUpdateRank90Fraction = MetricKey("full_update_rank90_fraction")
        static let tokensPerParameter = MetricKey("tokens_per_parameter")
        static let paper60mStateFraction = MetricKey("paper_60m_state_fraction")
        static let sweepRank = MetricKey("sweep_rank")
        static let adam8bitStateRatio = MetricKey("adam8bit_state_ratio")
        static let galore8bitMomentRatio = MetricKey("galore8bit_moment_ratio")
        static let galoreStateFraction = MetricKey("galore_state_fraction")
        static let galoreStateVsPrediction = MetricKey("galore_state_vs_prediction")
        static let lrAtGridEdge = MetricKey("lr_at_grid_edge")
        static let table2LoraC2MaxRelError = MetricKey("table2_lora_c2_max_rel_error")
        static let table6WeightsMaxRelError = MetricKey("table6_weights_max_rel_error")
        static let table6StatesMaxRelError = MetricKey("table6_states_max_rel_error")
        static let params60m = MetricKey("params_60m")
        static let loraTrainable60m = MetricKey("lora_trainable_60m")
        static let galore7bStateReduction = MetricKey("galore_7b_state_reduction")
        static let galore8bit7bStateReduction = MetricKey("galore8bit_7b_state_reduction")
        static let galore8bit7bStateReductionAll8bit = MetricKey("galore8bit_7b_state_reduction_all8bit")
        static let adam7bTotalGb = MetricKey("adam_7b_total_gb")
        static let adam8bit7bTable3Gb = MetricKey("adam8bit_7b_table3_gb")
        static let galore8bit7bTable3Gb = MetricKey("galore8bit_7b_table3_gb")
        static let galore8bit7bLayerwiseGb = MetricKey("galore8bit_7b_layerwise_gb")
        static let galore1bRank1024Gb = MetricKey("galore_1b_rank1024_gb")
    }

    /// The series `aggregate` records and `figures` draws, each declared once (families with their parameter).
    enum Series {
        static let memoryC2Lora = SeriesKey("memory_c2/lora")
        static let sweepPpl = SeriesKey("sweep_ppl")
        /// Table 2 per method: ours over the model sizes, and the paper's.
        static let memory = SeriesFamily<GaLoreAccounting.Method> { "memory/\($0.rawValue)" }
        static let memoryPaper = SeriesFamily<GaLoreAccounting.Method> { "memory_paper/\($0.rawValue)" }
        /// Per method of the runs: the lr grid's perplexities, the validation curve (mean, lowest and highest
        /// seed), the chosen lr's costs, and its optimizer state against its final perplexity.
        static let lrGrid = SeriesFamily<Method> { "lr_grid/\($0.rawValue)" }
        static let valPpl = SeriesFamily<Method> { "val_ppl/\($0.rawValue)" }
        static let valPplLow = SeriesFamily<Method> { "val_ppl_low/\($0.rawValue)" }
        static let valPplHigh = SeriesFamily<Method> { "val_ppl_high/\($0.rawValue)" }
        static let stepMs = SeriesFamily<Method> { "step_ms/\($0.rawValue)" }
        static let svdSeconds = SeriesFamily<Method> { "svd_seconds/\($0.rawValue)" }
        static let trainSeconds = SeriesFamily<Method> { "train_seconds/\($0.rawValue)" }
        static let peakRssMB = SeriesFamily<Method> { "peak_rss_mb/\($0.rawValue)" }
        static let weights = SeriesFamily<Method> { "weights/\($0.rawValue)" }
        static let trained = SeriesFamily<Method> { "trained/\($0.rawValue)" }
        static let stateVsPpl = SeriesFamily<Method> { "state_vs_ppl/\($0.rawValue)" }
        /// The T sweep's perplexity per seed.
        static let sweepPplOfSeed = SeriesFamily<Int> { "sweep_ppl/s\($0)" }
    }

    /// What each trial records and `aggregate` reads back, each declared once.
    enum Values {
        static let galoreStatePredictedBytes = ValueKey("galore_state_predicted_bytes")
        static let peakRssBytes = ValueKey("peak_rss_bytes")
        static let projectorBytes = ValueKey("projector_bytes")
        static let stateBytes = ValueKey("state_bytes")
        static let stepMsMedian = ValueKey("step_ms_median")
        static let svdSeconds = ValueKey("svd_seconds")
        static let tokens = ValueKey("tokens")
        static let trainSeconds = ValueKey("train_seconds")
        static let trained = ValueKey("trained")
        static let updateDims = ValueKey("update_dims")
        static let updateEnergy = ValueKey("update_energy")
        static let valLoss = ValueKey("val_loss")
        static let weights = ValueKey("weights")
    }

    /// The config keys: the profiles' (checked against `parameters` when the folder is loaded), then each trial's own.
    enum Keys {
        /// Each method's learning-rate grid (`lr_full`, `lr_galore`, ...).
        static func lrGrid(_ m: Method) -> ConfigKey<[Double]> { Key.reals("lr_\(m.rawValue)", 1e-7...10) }
        static let dim = Key.integer("dim", 8...4096)
        static let layers = Key.integer("layers", 1...64)
        static let heads = Key.integer("heads", 1...64)
        static let hidden = Key.integer("hidden", 8...16_384)
        static let seqLen = Key.integer("seq_len", 2...4096)
        static let batch = Key.integer("batch", 1...4096)
        static let steps = Key.integer("steps", 1...10_000_000)
        static let evalEvery = Key.integer("eval_every", 1...10_000_000)
        static let valTokens = Key.integer("val_tokens", 1024...10_000_000)
        static let seeds = Key.integer("seeds", 1...100)
        static let firstSeed = Key.integer("first_seed", 0...10_000)
        static let warmupFraction = Key.real("warmup_fraction", 0...1)
        static let minLRRatio = Key.real("min_lr_ratio", 0...1)
        static let adamEps = Key.real("adam_eps", 0...1)
        static let rank = Key.integer("rank", 1...4096)
        static let galoreGap = Key.integer("galore_gap", 1...10_000_000)
        static let galoreAlpha = Key.real("galore_alpha", 1e-6...100)
        static let galoreSquareSide = Key.name("galore_square_side", GaLoreSettings.SquareSide.self)
        static let loraAlpha = Key.real("lora_alpha", 1e-6...1e4)
        static let loraDropout = Key.real("lora_dropout", 0...0.9)
        static let sweepRank = Key.integer("sweep_rank", 1...4096)
        static let sweepGaps = Key.reals("sweep_gaps", 1...10_000_000)
        static let sweepSeeds = Key.integer("sweep_seeds", 2...100)
        static let lrSweep = Key.real("lr_sweep", 1e-7...10)
        // Each trial's own, set by trials(_:).
        static let method = Key.name("method", Method.self)
        static let lr = Key.real("lr", 1e-7...10)
        static let seedIndex = Key.integer("seed_index", 0...10_000)
    }

    /// The optimizers compared: Table 2's four and Table 3's two 8-bit ones.
    enum Method: String, CaseIterable {
        case full, galore, lora, lowrank, adam8bit, galore8bit

        var label: String {
            switch self {
            case .full: "full-rank Adam"
            case .galore: "GaLore"
            case .lora: "LoRA"
            case .lowrank: "low-rank W = AB"
            case .adam8bit: "8-bit Adam"
            case .galore8bit: "8-bit GaLore"
            }
        }
    }

    public func validate(_ c: Config) throws {
        guard c[Keys.dim] % c[Keys.heads] == 0, (c[Keys.dim] / c[Keys.heads]) % 2 == 0 else {
            throw SuiteError.badConfig("dim must split into heads of even width (RoPE rotates pairs)")
        }
        guard c[Keys.rank] <= c[Keys.dim] else { throw SuiteError.badConfig("rank must not exceed dim") }
        guard c[Keys.valTokens] % c[Keys.seqLen] == 0 else {
            throw SuiteError.badConfig("val_tokens must be a multiple of seq_len")
        }
        guard c[Keys.seeds] >= 2 else {
            throw SuiteError.badConfig("seeds must be at least 2: every ratio is paired by seed")
        }
        guard c[Keys.sweepSeeds] <= c[Keys.seeds] else {
            throw SuiteError.badConfig("sweep_seeds must not exceed seeds: the sweep runs on the first reporting seeds")
        }
        guard c[Keys.sweepRank] <= c[Keys.dim] else { throw SuiteError.badConfig("sweep_rank must not exceed dim") }
        let gaps = c[Keys.sweepGaps]
        guard gaps.count >= 2, Set(gaps).count == gaps.count, gaps.allSatisfy({ $0 == $0.rounded() }) else {
            throw SuiteError.badConfig(
                "sweep_gaps needs at least two distinct whole numbers of steps: the smallest "
                    + "against the interior ones (T = inf is always added)")
        }
        let heldOut = try TextCorpus().validation.count
        guard c[Keys.valTokens] < heldOut else {
            throw SuiteError.badConfig(
                "val_tokens = \(c[Keys.valTokens]) exceeds the held-out fortunes (\(heldOut) bytes)")
        }
    }

    // MARK: Trials: one training run per (method, lr, seed)

    static let modelKeys: [any AnyConfigKey] = [
        Keys.dim, Keys.layers, Keys.heads, Keys.hidden, Keys.seqLen, Keys.batch, Keys.steps, Keys.evalEvery,
        Keys.valTokens, Keys.warmupFraction, Keys.minLRRatio, Keys.adamEps,
    ]

    static func methodKeys(_ m: Method) -> [any AnyConfigKey] {
        switch m {
        case .full, .adam8bit: []
        case .galore, .galore8bit: [Keys.rank, Keys.galoreGap, Keys.galoreAlpha, Keys.galoreSquareSide]
        case .lora: [Keys.rank, Keys.loraAlpha, Keys.loraDropout]
        case .lowrank: [Keys.rank]
        }
    }

    public func trials(_ c: Config) throws -> [Trial] {
        var out: [Trial] = []
        for m in Method.allCases {
            let base = c.selecting(Self.modelKeys + Self.methodKeys(m)).setting(Keys.method, m)
            for (k, lr) in c[Keys.lrGrid(m)].enumerated() {
                for seed in Self.seedIndices(c) {
                    out.append(
                        Trial(
                            "\(m.rawValue)/lr\(k)/s\(seed)", base.setting(Keys.lr, lr).setting(Keys.seedIndex, seed),
                            cost: Double(c[Keys.steps]) * (m == .lora ? 1.3 : 1)))
                }
            }
        }
        // Sec. 6's sweep over T: GaLore at sweep_rank and one lr for every T, T = ∞ written as gap 0.
        let sweep = c.selecting(Self.modelKeys + [Keys.galoreAlpha, Keys.galoreSquareSide])
            .setting(Keys.method, .galore).setting(Keys.rank, c[Keys.sweepRank])
            .setting(Keys.lr, c[Keys.lrSweep])
        for gap in Self.sweepGaps(c) {
            for seed in Self.sweepSeeds(c) {
                out.append(
                    Trial(
                        "sweep/T\(gap == 0 ? "inf" : String(gap))/s\(seed)",
                        sweep.setting(Keys.galoreGap, gap)
                            .setting(Keys.seedIndex, seed), cost: Double(c[Keys.steps])))
            }
        }
        return out
    }

    /// The sweep's intervals, ascending, then 0 for T = ∞ (the step-0 subspace kept for the whole run).
    static func sweepGaps(_ c: Config) -> [Int] { c[Keys.sweepGaps].map { Int($0) }.sorted() + [0] }
    static func sweepSeeds(_ c: Config) -> Range<Int> {
        c[Keys.firstSeed]..<(c[Keys.firstSeed] + c[Keys.sweepSeeds])
    }

    /// The seeds a run reports on. A profile whose lrs were frozen from tuning seeds (quick: the grid's
    /// choice on seeds 0-2) reports on seeds that took no part in the choice, from first_seed on.
    static func seedIndices(_ c: Config) -> Range<Int> { c[Keys.firstSeed]..<(c[Keys.firstSeed] + c[Keys.seeds]) }

    /// lr at step t: linear warmup over the first warmup_fraction of the run, then cosine decay
    /// to min_lr_ratio × lr (the paper's schedule, as shared/papers.md records it).
    static func learningRate(_ lr: Double, step t: Int, steps: Int, warmup: Double, floor: Double) -> Double {
        let w = Int((warmup * Double(steps)).rounded())
        if t < w { return lr * Double(t + 1) / Double(w) }
        let progress = Double(t - w) / Double(max(1, steps - w))
        return lr * (floor + (1 - floor) * 0.5 * (1 + Double.cos(Double.pi * progress)))
    }

    public func run(_ trial: TrialContext) throws {
        let c = trial.config
        let method = c[Keys.method], seed = c[Keys.seedIndex]
        let (seqLen, batch, steps) = (c[Keys.seqLen], c[Keys.batch], c[Keys.steps])
        let corpus = try TextCorpus()
        // The fixed validation set: the first val_tokens targets of the held-out fortunes, as
        // consecutive windows; the same for every method and seed.
        let valWindows = (0..<(c[Keys.valTokens] / seqLen)).map { w in
            corpus.validation[(w * seqLen)...((w + 1) * seqLen)].map(Int.init)
        }
        let rank = Self.methodKeys(method).contains { $0.parameter.key == Keys.rank.name } ? c[Keys.rank] : 0
        var config = LlamaConfig(
            vocab: 256, dim: c[Keys.dim], layers: c[Keys.layers], heads: c[Keys.heads], hidden: c[Keys.hidden])
        switch method {
        case .lora: config.parametrization = .lora(rank: rank, alpha: c[Keys.loraAlpha], dropout: c[Keys.loraDropout])
        case .lowrank: config.parametrization = .lowRank(rank: rank)
        default: break
        }
        var initRNG = trial.rng("init/s\(seed)"), batches = trial.rng("batches/s\(seed)")
        let model = LlamaModel<Float>(config, rng: &initRNG)
        let lr = c[Keys.lr], eps = c[Keys.adamEps]
        let adam = Optimizer<Float>.Rule.adam(beta1: 0.9, beta2: 0.999, eps: eps, weightDecay: 0)
        func galore(gap: Int) -> GaLoreSettings {
            GaLoreSettings(
                rank: rank, updateGap: gap, alpha: c[Keys.galoreAlpha],
                inner: .adam(beta1: 0.9, beta2: 0.999, eps: eps),
                squareSide: c[Keys.galoreSquareSide])
        }
        let opt: Optimizer<Float>
        switch method {
        case .full, .lora, .lowrank: opt = Optimizer(adam, parameters: model.parameters, learningRate: lr)
        case .adam8bit:
            opt = Optimizer(adam, parameters: model.parameters, learningRate: lr, statePrecision: .blockwise8bit)
        case .galore, .galore8bit:
            // A gap of 0 is the sweep's T = ∞: the subspace of step 0 is never refreshed.
            let gap = c[Keys.galoreGap] == 0 ? Int.max : c[Keys.galoreGap]
            opt = .galore(
                model.parameters, projected: model.projectionMatrices, lr: lr, galore(gap: gap),
                statePrecision: method == .galore8bit ? .blockwise8bit : .full)
        }
        // Full rank keeps its initial projected weights, to measure the rank of its total update.
        let initial =
            method != .full
            ? []
            : model.projectionMatrices.map {
                Tensor(shape: $0.value.shape, scalars: $0.value.scalars)
            }

        func validationLoss() -> Double {
            model.dropout?.isTraining = false
            defer { model.dropout?.isTraining = true }
            var total = 0.0
            for start in stride(from: 0, to: valWindows.count, by: batch) {
                let chunk = Array(valWindows[start..<min(valWindows.count, start + batch)])
                total += Double(model.loss(tokens: chunk).value[flat: 0]) * Double(chunk.count)
            }
            return total / Double(valWindows.count)
        }

        let evalEvery = c[Keys.evalEvery], warmup = c[Keys.warmupFraction], floor = c[Keys.minLRRatio]
        var stepNanos: [Double] = [], diverged = false
        for t in 0..<steps {
            if t % evalEvery == 0 {
                trial.record(Values.valLoss, diverged ? .nan : validationLoss())
                trial.record(Values.tokens, Double(t * batch * seqLen))
                try trial.checkpoint()
            }
            guard !diverged else { continue }
            let tokens = TextCorpus.windows(corpus.train, batch: batch, length: seqLen, rng: &batches)
            let start = DispatchTime.now().uptimeNanoseconds
            opt.learningRate = Self.learningRate(lr, step: t, steps: steps, warmup: warmup, floor: floor)
            opt.zeroGrad()
            let loss = model.loss(tokens: tokens)
            guard loss.value[flat: 0].isFinite else {
                diverged = true
                trial.note(
                    "\(method.rawValue) lr \(lr) seed \(seed): loss not finite at step \(t); the run is recorded as "
                        + "diverged"
                )
                continue
            }
            loss.backward()
            opt.step()
            stepNanos.append(Double(DispatchTime.now().uptimeNanoseconds - start))
        }
        trial.record(Values.valLoss, diverged ? .nan : validationLoss())
        trial.record(Values.tokens, Double(steps * batch * seqLen))
        // Every buffer exists after the first step (GaLore's projectors appear then), and none grows later.
        trial.record(Values.stateBytes, Double(opt.stateBytes))
        trial.record(Values.projectorBytes, Double(opt.projectorBytes))
        if method == .galore {
            // The prediction for GaLore's state, from the shapes: per projected matrix mr + 2nr (m its
            // smaller side), Adam's 2 per entry for every other tensor; scalars of 4 bytes.
            let projected = Set(model.projectionMatrices.map(ObjectIdentifier.init))
            let predicted = model.parameters.reduce(0) { n, p in
                guard projected.contains(ObjectIdentifier(p)) else { return n + 2 * p.value.count }
                let (a, b) = (p.shape[0], p.shape[1]), r = min(rank, a, b)
                return n + min(a, b) * r + 2 * max(a, b) * r
            }
            trial.record(Values.galoreStatePredictedBytes, Double(predicted * MemoryLayout<Float>.size))
        }
        if method == .full {
            // How much of the full-rank update W_end - W_0 a rank-k subspace can hold: per projected
            // matrix, the cumulative share of its squared singular values at k = 1 ... min(m, n).
            for (w0, w) in zip(initial, model.projectionMatrices) {
                let delta = Tensor(shape: w0.shape, scalars: zip(w.value.scalars, w0.scalars).map { $0 - $1 })
                let s2 = try svd(delta).s.map { Double($0) * Double($0) }, total = s2.reduce(0, +)
                var cumulative = 0.0
                for v in s2 {
                    cumulative += v
                    trial.record(Values.updateEnergy, cumulative / total)
                }
                trial.record(Values.updateDims, Double(s2.count))
            }
        }
        trial.record(Values.weights, Double(model.weightCount))
        trial.record(Values.trained, Double(model.parameters.reduce(0) { $0 + $1.value.count }))
        let sorted = stepNanos.sorted()
        trial.record(Values.stepMsMedian, sorted.isEmpty ? .nan : sorted[sorted.count / 2] / 1e6)
        trial.record(Values.svdSeconds, opt.projectorSeconds)
        trial.record(Values.trainSeconds, stepNanos.reduce(0, +) / 1e9)
        // The worker's peak since the trial started (the suite resets it there), data loading included.
        trial.record(Values.peakRssBytes, Double(PeakMemory.bytes() ?? -1))
    }

    // MARK: Aggregate

    public func aggregate(_ results: TrialResults, into run: RunContext) throws {
        let c = run.config, seeds = Array(Self.seedIndices(c))
        recordAccounting(into: run)

        // Each method's lr: the grid point with the lowest mean final validation loss over seeds
        // (the same validation set reports it; every method is selected the same way).
        var chosen: [Method: [TrialValues]] = [:]
        var atEdge = 0.0
        for m in Method.allCases {
            let grid = c[Keys.lrGrid(m)]
            // The T sweep's trials are GaLore runs too, at sweep_rank: the rank tells the grid's apart.
            let method = [Keys.method.is(m)] + (m == .galore ? [Keys.rank.is(c[Keys.rank])] : [])
            let runs = grid.map { lr in seeds.map { results.one(method + [Keys.lr.is(lr), Keys.seedIndex.is($0)]) } }
            let means = runs.map { r in Stats.mean(r.map { $0.vector(Values.valLoss).last! }) }
            let best = means.indices.min {
                (means[$0].isFinite ? means[$0] : .infinity) < (means[$1].isFinite ? means[$1] : .infinity)
            }!
            if grid.count > 1 && (best == 0 || best == grid.count - 1) { atEdge += 1 }
            chosen[m] = runs[best]
            run.metric(Metrics.lr[m], grid[best])
            run.metric(Metrics.stateBytes[m], runs[best][0].scalar(Values.stateBytes))
            for k in grid.indices { run.record(Series.lrGrid[m], x: grid[k], y: Double.exp(means[k])) }
            // Curves: perplexity of the mean validation loss over seeds, against tokens seen.
            let tokens = runs[best][0].vector(Values.tokens)
            for i in tokens.indices {
                let losses = runs[best].map { $0.vector(Values.valLoss)[i] }
                run.record(Series.valPpl[m], x: tokens[i], y: Double.exp(Stats.mean(losses)))
                run.record(Series.valPplLow[m], x: tokens[i], y: Double.exp(losses.min()!))
                run.record(Series.valPplHigh[m], x: tokens[i], y: Double.exp(losses.max()!))
            }
            for r in runs[best] {
                run.record(Series.stepMs[m], x: 0, y: r.scalar(Values.stepMsMedian))
                run.record(Series.svdSeconds[m], x: 0, y: r.scalar(Values.svdSeconds))
                run.record(Series.trainSeconds[m], x: 0, y: r.scalar(Values.trainSeconds))
                run.record(Series.peakRssMB[m], x: 0, y: r.scalar(Values.peakRssBytes) / 1e6)
                run.record(Series.weights[m], x: 0, y: r.scalar(Values.weights))
                run.record(Series.trained[m], x: 0, y: r.scalar(Values.trained))
            }
        }
        run.metric(Metrics.lrAtGridEdge, atEdge)

        // Units: seeds. Each carries every method's final validation loss at its chosen lr, so
        // the ratios are paired by seed (same init where the parametrization allows, same batches).
        let units: [[Method: Double]] = seeds.indices.map { s in chosen.mapValues { $0[s].vector(Values.valLoss).last! }
        }
        // A perplexity is exp of the mean validation loss over seeds, and a ratio of two methods' perplexities is
        // exp of the mean of the seeds' loss differences: Student t on those logs, paired by seed.
        for m in Method.allCases { run.geometricMean(Metrics.ppl[m], ofLogs: units.map { $0[m]! }) }
        for (a, b) in Metrics.pplRatios {
            run.pairedRatio(Metrics.pplRatio[(a, b)], logs: units.map { ($0[a]!, $0[b]!) })
        }
        aggregateSweep(results, into: run)
        recordUpdateRank(chosen[.full]!, into: run)
        let trained = chosen[.full]![0].scalar(Values.trained)
        run.metric(Metrics.tokensPerParameter, Double(c[Keys.steps] * c[Keys.batch] * c[Keys.seqLen]) / trained)

        // State bytes, from the live optimizers (the same for every seed and lr).
        let bytes = { (m: Method) in chosen[m]![0].scalar(Values.stateBytes) }
        run.metric(Metrics.adam8bitStateRatio, bytes(.full) / bytes(.adam8bit))
        // GaLore keeps its projectors in the scalar type under 8-bit moments (as the authors'
        // GaLoreAdamW8bit does): the 8-bit comparison is of the moments.
        let projector = { (m: Method) in chosen[m]![0].scalar(Values.projectorBytes) }
        run.metric(
            Metrics.galore8bitMomentRatio,
            (bytes(.galore) - projector(.galore)) / (bytes(.galore8bit) - projector(.galore8bit)))
        run.metric(Metrics.galoreStateFraction, bytes(.galore) / bytes(.full))
        // The paper's own fraction at 60M (r / d = 1/4, as here): App. C.2's Table 6, states of GaLore / full rank.
        let table6 = GaLoreAccounting.table6States
        run.metric(Metrics.paper60mStateFraction, table6[.galore]![0] / table6[.full]![0])
        run.metric(
            Metrics.galoreStateVsPrediction,
            bytes(.galore) / chosen[.galore]![0].scalar(Values.galoreStatePredictedBytes)
        )
        for m in Method.allCases {
            let finals = chosen[m]!.map { $0.vector(Values.valLoss).last! }
            run.record(Series.stateVsPpl[m], x: bytes(m), y: Double.exp(Stats.mean(finals)))
        }
    }

    /// Sec. 6's ablation: the final validation loss at each T of the sweep, per seed. The smallest T
    /// and T = ∞ are each compared with the interior (the mean log perplexity over the other finite
    /// T, a geometric mean), paired by seed: the claims ask whether both ends are worse.
    func aggregateSweep(_ results: TrialResults, into run: RunContext) {
        let c = run.config, gaps = Self.sweepGaps(c), seeds = Array(Self.sweepSeeds(c))
        let sweep = [Keys.method.is(.galore), Keys.rank.is(c[Keys.sweepRank]), Keys.lr.is(c[Keys.lrSweep])]
        let finals = gaps.map { gap in
            seeds.map {
                results.one(sweep + [Keys.galoreGap.is(gap), Keys.seedIndex.is($0)]).vector(Values.valLoss).last!
            }
        }
        let frequent = finals.first!, rare = finals.last!, interior = Array(finals.dropFirst().dropLast())
        let interiorLogs = seeds.indices.map { s in Stats.mean(interior.map { $0[s] }) }
        run.geometricMean(Metrics.sweepFrequentPpl, ofLogs: frequent)
        run.geometricMean(Metrics.sweepInteriorPpl, ofLogs: interiorLogs)
        run.geometricMean(Metrics.sweepRarePpl, ofLogs: rare)
        run.pairedRatio(Metrics.frequentOverInteriorPpl, logs: Array(zip(frequent, interiorLogs)))
        run.pairedRatio(Metrics.rareOverInteriorPpl, logs: Array(zip(rare, interiorLogs)))
        run.metric(Metrics.sweepRank, Double(c[Keys.sweepRank]))
        // T = ∞ is drawn at T = steps: a run that never refreshes within its steps.
        for (gap, logs) in zip(gaps, finals) {
            let t = Double(gap == 0 ? c[Keys.steps] : gap)
            run.record(Series.sweepPpl, x: t, y: Double.exp(Stats.mean(logs)))
            for (seed, loss) in zip(seeds, logs) { run.record(Series.sweepPplOfSeed[seed], x: t, y: Double.exp(loss)) }
        }
    }

    /// Whether the sweep's rank binds: the share of full-rank Adam's total update W_end - W_0 that
    /// its top sweep_rank (and rank) singular directions hold, and the fraction of min(m, n) needed
    /// for 90%, each the mean over projected matrices and seeds.
    func recordUpdateRank(_ full: [TrialValues], into run: RunContext) {
        let c = run.config
        var atSweepRank: [Double] = [], atRank: [Double] = [], rank90: [Double] = []
        for r in full {
            let energy = r.vector(Values.updateEnergy)
            var start = 0
            for dims in r.vector(Values.updateDims).map({ Int($0) }) {
                let curve = energy[start..<(start + dims)]
                atSweepRank.append(curve[start + min(c[Keys.sweepRank], dims) - 1])
                atRank.append(curve[start + min(c[Keys.rank], dims) - 1])
                rank90.append(Double((curve.firstIndex { $0 >= 0.9 } ?? (start + dims - 1)) - start + 1) / Double(dims))
                start += dims
            }
        }
        run.metric(Metrics.fullUpdateEnergyAtSweepRank, Stats.mean(atSweepRank))
        run.metric(Metrics.fullUpdateEnergyAtRank, Stats.mean(atRank))
        run.metric(Metrics.fullUpdateRank90Fraction, Stats.mean(rank90))
    }

    /// Part 1: every Table 2 cell and 7B statement, ours beside the paper's.
    func recordAccounting(into run: RunContext) {
        let table = GaLoreAccounting.models.prefix(4)
        for method in GaLoreAccounting.Method.allCases {
            var worst = 0.0
            for (i, model) in table.enumerated() {
                let ours = GaLoreAccounting.table2Cell(model, method), paper = GaLoreAccounting.table2[method]![i]
                run.record(Series.memory[method], x: Double(model.parameters), y: ours)
                run.record(Series.memoryPaper[method], x: Double(model.parameters), y: paper)
                worst = max(worst, abs(ours / paper - 1))
            }
            run.metric(Metrics.table2MaxRelError[method], worst)
        }
        // LoRA under App. C.2's rule (claim 1 v2), and every cell of Table 6 (weights and states apart) under it.
        var loraC2 = 0.0, weights = 0.0, states = 0.0
        for (i, model) in table.enumerated() {
            let ours = GaLoreAccounting.table2Cell(model, .lora, convention: .appendixC2)
            run.record(Series.memoryC2Lora, x: Double(model.parameters), y: ours)
            loraC2 = max(loraC2, abs(ours / GaLoreAccounting.table2[.lora]![i] - 1))
            for method in GaLoreAccounting.Method.allCases {
                let w = GaLoreAccounting.weights(model, method, convention: .appendixC2)
                weights = max(weights, abs(w / GaLoreAccounting.table6Weights[method]![i] - 1))
                let st = GaLoreAccounting.states(model, method)
                states = max(states, abs(st / GaLoreAccounting.table6States[method]![i] - 1))
            }
        }
        run.metric(Metrics.table2LoraC2MaxRelError, loraC2)
        run.metric(Metrics.table6WeightsMaxRelError, weights)
        run.metric(Metrics.table6StatesMaxRelError, states)
        let small = GaLoreAccounting.models[0]
        run.metric(Metrics.params60m, Double(small.parameters))
        run.metric(Metrics.loraTrainable60m, Double(small.adaptors + small.rest))
        let s = GaLoreAccounting.sevenB()
        run.metric(Metrics.galore7bStateReduction, s.galoreStateReduction)
        run.metric(Metrics.galore8bit7bStateReduction, s.galore8bitStateReduction)
        run.metric(Metrics.galore8bit7bStateReductionAll8bit, s.galore8bitStateReductionAll8bit)
        run.metric(Metrics.adam7bTotalGb, s.adamTotal)
        run.metric(Metrics.adam8bit7bTable3Gb, s.adam8bitTable3)
        run.metric(Metrics.galore8bit7bTable3Gb, s.galore8bitTable3)
        run.metric(Metrics.galore8bit7bLayerwiseGb, s.galore8bitLayerwise)
        let oneB = GaLoreAccounting.models[3]
        let rank1024 = GaLoreAccounting.Model(
            name: "1B", dim: oneB.dim, hidden: oneB.hidden, layers: oneB.layers, rank: 1024)
        run.metric(Metrics.galore1bRank1024Gb, GaLoreAccounting.table2Cell(rank1024, .galore))
    }

    // MARK: Figures

    public func figures(_ data: RunData) -> [Figure] {
        // Part 1 as ratios: on a log scale of GB the 5-20% gaps vanish between the lines.
        var ratios: [Figure.Series] = []
        for (i, m) in GaLoreAccounting.Method.allCases.enumerated() {
            let ours = data.series(Series.memory[m]), paper = data.series(Series.memoryPaper[m])
            let label =
                m == .galore
                ? "galore (reported, not claimed)"
                : m == .lora ? "lora, physical count (v1)" : m.rawValue
            ratios.append(
                Figure.Series(
                    label, zip(ours, paper).map { ($0.x, $0.y / $1.y) }, style: .linespoints,
                    color: i))
        }
        let loraC2 = data.series(Series.memoryC2Lora), loraPaper = data.series(Series.memoryPaper[.lora])
        if !loraC2.isEmpty {
            let c2 = zip(loraC2, loraPaper).map { ($0.x, $0.y / $1.y) }
            ratios.append(Figure.Series("lora, App. C.2's count (claim 1 v2)", c2, style: .linespoints, color: 4))
        }
        if let first = data.series(Series.memory[.full]).first, let last = data.series(Series.memory[.full]).last {
            for (bound, label) in [(1.1, "claim 1: within 10%"), (0.9, "")] {
                ratios.append(
                    Figure.Series(label, [(first.x, bound), (last.x, bound)], style: .lines, color: 6, dashed: true))
            }
        }
        let memoryFigure = Figure(
            name: "memory_table2", title: "GaLore Table 2, memory column: counted from the configs / the paper's cell",
            xLabel: "parameters of the LLaMA config (60M, 130M, 350M, 1B)",
            yLabel: "ours / Table 2 (weights + optimizer states, BF16)",
            logX: true, series: ratios,
            extra: ["set format x '%.0s%c'", "set xrange [45e6:1.8e9]", "set yrange [0.8:1.25]"],
            keyPosition: "top right")
        // The curves from the first evaluation on (step 0 is the uniform model, perplexity 256 for every
        // method), each with the range of its seeds as bars.
        var curveSeries: [Figure.Series] = [], values: [Double] = []
        for (i, m) in Method.allCases.enumerated() {
            let mean = data.series(Series.valPpl[m]).filter { $0.x > 0 }
            let low = data.series(Series.valPplLow[m]).filter { $0.x > 0 }
            let high = data.series(Series.valPplHigh[m]).filter { $0.x > 0 }
            values += mean.map(\.y) + low.map(\.y) + high.map(\.y)
            curveSeries.append(
                Figure.Series(
                    m.label + " (lr \(fmt(data.metric(Metrics.lr[m]))))", mean,
                    style: .linespoints, color: i))
            if low.count == mean.count, high.count == mean.count {
                // Bars offset by 1% of x, so that six methods' ranges do not hide each other.
                let shifted = mean.map { (x: $0.x * (1 + 0.01 * Double(i - 2)), y: $0.y) }
                curveSeries.append(
                    Figure.Series(
                        "", shifted, style: .yerrorbars,
                        bars: zip(low, high).map { ($0.y, $1.y) }, color: i))
            }
        }
        let finite = values.filter(\.isFinite)
        let range = finite.isEmpty ? [] : ["set yrange [\(fmt(finite.min()! * 0.97)):\(fmt(finite.max()! * 1.03))]"]
        let curvesFigure = Figure(
            name: "val_ppl_vs_tokens",
            title: "Validation perplexity vs tokens, byte-level LLaMA on fortunes (cf. GaLore Table 2); "
                + "bars: seed range",
            xLabel: "training tokens", yLabel: "validation perplexity per byte (mean loss over seeds)",
            series: curveSeries, extra: ["set format x '%.0s%c'"] + range, keyPosition: "top right")
        // Normalized axes, so the paper's 60M points (App. C.2's Table 6 states, Table 2 perplexities) and
        // Table 3's 7B pair sit beside ours: state over the baseline's state, perplexity over the baseline's.
        let fullBytes = data.series(Series.stateVsPpl[.full]).first,
            adam8 = data.series(Series.stateVsPpl[.adam8bit]).first
        var normalized: [Figure.Series] = []
        for (i, m) in Method.allCases.enumerated() {
            guard let p = data.series(Series.stateVsPpl[m]).first else { continue }
            let base = m == .galore8bit ? adam8 : fullBytes
            guard let b = base else { continue }
            let label = m == .galore8bit ? "ours: 8-bit GaLore / 8-bit Adam" : "ours: \(m.label) / full rank"
            normalized.append(Figure.Series(label, [(p.x / b.x, p.y / b.y)], style: .points, color: i))
        }
        // The paper's points, in black, each labelled: 60M (App. C.2's Table 6 states, Table 2 perplexities)
        // and 7B (Table 3: 8-bit GaLore over 8-bit Adam; its x is weights + states, 18G / 26G).
        let states = GaLoreAccounting.table6States, ppl = GaLoreAccounting.table2Perplexity60M
        var paperPoints: [(x: Double, y: Double)] = [], labels: [String] = []
        for m in GaLoreAccounting.Method.allCases {
            let point = (x: states[m]![0] / states[.full]![0], y: ppl[m]! / ppl[.full]!)
            paperPoints.append(point)
            labels.append("set label '60M \(m.rawValue)' at \(fmt(point.x)),\(fmt(point.y * 1.03)) center font ',9'")
        }
        let (a8, g8) = GaLoreAccounting.table3
        let table3 = (x: g8.memory / a8.memory, y: g8.perplexity / a8.perplexity)
        paperPoints.append(table3)
        labels.append("set label '7B 8-bit (Table 3)' at \(fmt(table3.x)),\(fmt(table3.y * 0.97)) center font ',9'")
        let paperLabel = "paper: 60M (Table 6 states, Table 2 perplexity); 7B 8-bit (Table 3, x = total 18G / 26G)"
        normalized.append(
            Figure.Series(
                paperLabel,
                paperPoints, style: .points, color: 6))
        let tradeoff = Figure(
            name: "state_vs_ppl_normalized",
            title: "Optimizer state vs final perplexity, each over its baseline's "
                + "(full-rank Adam; 8-bit Adam for 8-bit GaLore)",
            xLabel: "optimizer state / baseline's (ours: bytes read from the live optimizer)",
            yLabel: "validation perplexity / baseline's (log scale)", logY: true, series: normalized,
            extra: [
                "set xrange [0:1.1]", "set yrange [0.9:2.6]",
                "set ytics (0.9, 0.95, 1, 1.05, 1.1, 1.2, 1.5, 2, 2.5)",
                "set pointsize 1.6",
            ] + labels,
            keyPosition: "top left")
        let sweep = sweepFigure(data)
        return [memoryFigure, curvesFigure, tradeoff] + (sweep.map { [$0] } ?? [])
    }

    /// Sec. 6's sweep: final perplexity against T, every seed and their geometric mean; T = ∞ at T = steps.
    func sweepFigure(_ data: RunData) -> Figure? {
        let mean = data.series(Series.sweepPpl)
        guard let last = mean.last else { return nil }
        let seeds = Self.sweepSeeds(data.config).map { Series.sweepPplOfSeed[$0] }
        var series = seeds.enumerated().map { i, seed in
            Figure.Series(i == 0 ? "each seed" : "", data.series(seed), style: .lines, color: 5, dashed: true)
        }
        series.append(Figure.Series("geometric mean over \(seeds.count) seeds", mean, style: .linespoints, color: 1))
        let all = seeds.flatMap { data.series($0).map(\.y) }.filter(\.isFinite)
        let tics = mean.dropLast().map { "\(fmt($0.x))" } + ["'inf' \(fmt(last.x))"]
        let range =
            [
                "set xrange [\(fmt(mean[0].x / 1.5)):\(fmt(last.x * 1.5))]",
                "set xtics (\(tics.joined(separator: ", ")))",
            ]
            + (all.isEmpty ? [] : ["set yrange [\(fmt(all.min()! * 0.99)):\(fmt(all.max()! * 1.01))]"])
        return Figure(
            name: "subspace_interval_sweep",
            title:
                "GaLore at rank \(fmt(data.metric(Metrics.sweepRank))): final perplexity vs subspace update interval T "
                + "(cf. GaLore Sec. 6, Fig. 5 left)",
            xLabel: "T, steps between SVDs (rightmost: T = inf, the step-0 subspace for all \(fmt(last.x)) steps)",
            yLabel: "final validation perplexity per byte", logX: true, series: series,
            extra: range, keyPosition: "top center")
    }
}

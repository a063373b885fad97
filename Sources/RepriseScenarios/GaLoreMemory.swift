import Foundation
import RepriseEngine
import RepriseSuite

/// Zhao, Zhang, Chen, Wang, Anandkumar & Tian (2024), *GaLore: Memory-Efficient LLM Training by
/// Gradient Low-Rank Projection*. Replications/galore-memory/README.md gives the protocol, every
/// convention and every deviation.
///
/// Part 1 counts the memory of weights and optimizer states from the paper's LLaMA configs
/// (`GaLoreAccounting`) and sets it beside Table 2 and the 7B statements. Part 2 trains a tiny
/// byte-level LLaMA on Debian's fortunes with seven optimizers on the same token budget, seeds
/// and batches: full-rank Adam, GaLore, GaLore with the subspace of step 0 kept forever (T = ∞),
/// LoRA, low-rank W = AB, and block-wise 8-bit Adam alone and inside GaLore. Each method picks
/// its learning rate from its own grid by validation loss; state bytes are read from the live
/// optimizer.
public struct GaLoreMemory: Scenario {
    public static let id = "galore-memory"
    public static let parameters: [Parameter] = [
        .integer("dim", 8...4096), .integer("layers", 1...64), .integer("heads", 1...64), .integer("hidden", 8...16_384),
        .integer("seq_len", 2...4096), .integer("batch", 1...4096), .integer("steps", 1...10_000_000),
        .integer("eval_every", 1...10_000_000), .integer("val_tokens", 1024...10_000_000), .integer("seeds", 1...100),
        .integer("first_seed", 0...10_000),
        .real("warmup_fraction", 0...1), .real("min_lr_ratio", 0...1), .real("adam_eps", 0...1),
        .integer("rank", 1...4096), .integer("galore_gap", 1...10_000_000), .real("galore_alpha", 1e-6...100),
        .name("galore_square_side", in: ["input", "output"]), .real("lora_alpha", 1e-6...1e4), .real("lora_dropout", 0...0.9),
    ] + Method.allCases.map { .reals("lr_\($0.rawValue)", 1e-7...10) }
    public static let metrics: [String] = {
        var m = Method.allCases.flatMap { ["\($0.rawValue)_ppl", "\($0.rawValue)_state_bytes", "\($0.rawValue)_lr"] }
        m += ["galore_over_full_ppl", "lowrank_over_full_ppl", "galore_over_lora_ppl", "frozen_gap_over_spread",
              "adam8bit_over_full_ppl", "galore8bit_over_galore_ppl", "galore8bit_over_adam8bit_ppl",
              "adam8bit_state_ratio", "galore8bit_moment_ratio",
              "galore_state_fraction", "galore_state_vs_prediction", "lr_at_grid_edge"]
        m += GaLoreAccounting.Method.allCases.map { "table2_\($0.rawValue)_max_rel_error" }
        m += ["table2_lora_c2_max_rel_error", "table6_weights_max_rel_error", "table6_states_max_rel_error"]
        m += ["params_60m", "lora_trainable_60m", "galore_7b_state_reduction", "galore8bit_7b_state_reduction",
              "galore8bit_7b_state_reduction_all8bit", "adam_7b_total_gb", "adam8bit_7b_table3_gb", "galore8bit_7b_table3_gb",
              "galore8bit_7b_layerwise_gb", "galore_1b_rank1024_gb"]
        return m
    }()
    public init() {}

    /// The optimizers compared: Table 2's four, T = ∞, and Table 3's two 8-bit ones.
    enum Method: String, CaseIterable {
        case full, galore, galore_frozen, lora, lowrank, adam8bit, galore8bit

        var label: String {
            switch self {
            case .full: "full-rank Adam"
            case .galore: "GaLore"
            case .galore_frozen: "GaLore, T = inf (step-0 subspace)"
            case .lora: "LoRA"
            case .lowrank: "low-rank W = AB"
            case .adam8bit: "8-bit Adam"
            case .galore8bit: "8-bit GaLore"
            }
        }
    }

    public func validate(_ c: Config) throws {
        guard c.int("dim") % c.int("heads") == 0, (c.int("dim") / c.int("heads")) % 2 == 0 else {
            throw SuiteError.badConfig("dim must split into heads of even width (RoPE rotates pairs)")
        }
        guard c.int("rank") <= c.int("dim") else { throw SuiteError.badConfig("rank must not exceed dim") }
        guard c.int("val_tokens") % c.int("seq_len") == 0 else { throw SuiteError.badConfig("val_tokens must be a multiple of seq_len") }
        guard c.int("seeds") >= 2 else { throw SuiteError.badConfig("seeds must be at least 2: claim subspace-switching-matters compares with the seed range") }
        let heldOut = try TextCorpus().validation.count
        guard c.int("val_tokens") < heldOut else {
            throw SuiteError.badConfig("val_tokens = \(c.int("val_tokens")) exceeds the held-out fortunes (\(heldOut) bytes)")
        }
    }

    // MARK: Trials: one training run per (method, lr, seed)

    static let modelKeys = ["dim", "layers", "heads", "hidden", "seq_len", "batch", "steps", "eval_every", "val_tokens",
                            "warmup_fraction", "min_lr_ratio", "adam_eps"]

    static func methodKeys(_ m: Method) -> [String] {
        switch m {
        case .full, .adam8bit: []
        case .galore, .galore8bit: ["rank", "galore_gap", "galore_alpha", "galore_square_side"]
        case .galore_frozen: ["rank", "galore_alpha", "galore_square_side"]
        case .lora: ["rank", "lora_alpha", "lora_dropout"]
        case .lowrank: ["rank"]
        }
    }

    public func trials(_ c: Config) throws -> [Trial] {
        var out: [Trial] = []
        for m in Method.allCases {
            let base = c.selecting(Self.modelKeys + Self.methodKeys(m)).setting("method", m.rawValue)
            for (k, lr) in c.doubles("lr_\(m.rawValue)").enumerated() {
                for seed in Self.seedIndices(c) {
                    out.append(Trial("\(m.rawValue)/lr\(k)/s\(seed)", base.setting("lr", lr).setting("seed_index", Double(seed)),
                                     cost: Double(c.int("steps")) * (m == .lora ? 1.3 : 1)))
                }
            }
        }
        return out
    }

    /// The seeds a run reports on. A profile whose lrs were frozen from tuning seeds (quick: the grid's
    /// choice on seeds 0-2) reports on seeds that took no part in the choice, from first_seed on.
    static func seedIndices(_ c: Config) -> Range<Int> { c.int("first_seed")..<(c.int("first_seed") + c.int("seeds")) }

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
        let method = Method(rawValue: c.string("method"))!, seed = c.int("seed_index")
        let (seqLen, batch, steps) = (c.int("seq_len"), c.int("batch"), c.int("steps"))
        let corpus = try TextCorpus()
        // The fixed validation set: the first val_tokens targets of the held-out fortunes, as
        // consecutive windows; the same for every method and seed.
        let valWindows = (0..<(c.int("val_tokens") / seqLen)).map { w in corpus.validation[(w * seqLen)...((w + 1) * seqLen)].map(Int.init) }
        let rank = Self.methodKeys(method).contains("rank") ? c.int("rank") : 0
        var config = LlamaConfig(vocab: 256, dim: c.int("dim"), layers: c.int("layers"), heads: c.int("heads"), hidden: c.int("hidden"))
        switch method {
        case .lora: config.parametrization = .lora(rank: rank, alpha: c.double("lora_alpha"), dropout: c.double("lora_dropout"))
        case .lowrank: config.parametrization = .lowRank(rank: rank)
        default: break
        }
        var initRNG = trial.rng("init/s\(seed)"), batches = trial.rng("batches/s\(seed)")
        let model = LlamaModel<Float>(config, rng: &initRNG)
        let lr = c.double("lr"), eps = c.double("adam_eps")
        let adam = Optimizer<Float>.Rule.adam(beta1: 0.9, beta2: 0.999, eps: eps, weightDecay: 0)
        func galore(gap: Int) -> GaLoreSettings {
            GaLoreSettings(rank: rank, updateGap: gap, alpha: c.double("galore_alpha"), inner: .adam(beta1: 0.9, beta2: 0.999, eps: eps),
                           squareSide: GaLoreSettings.SquareSide(rawValue: c.string("galore_square_side"))!)
        }
        let opt: Optimizer<Float>
        switch method {
        case .full, .lora, .lowrank: opt = Optimizer(adam, parameters: model.parameters, learningRate: lr)
        case .adam8bit: opt = Optimizer(adam, parameters: model.parameters, learningRate: lr, statePrecision: .blockwise8bit)
        case .galore, .galore8bit:
            opt = .galore(model.parameters, projected: model.projectionMatrices, lr: lr, galore(gap: c.int("galore_gap")),
                          statePrecision: method == .galore8bit ? .blockwise8bit : .full)
        case .galore_frozen: opt = .galore(model.parameters, projected: model.projectionMatrices, lr: lr, galore(gap: .max))
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

        let evalEvery = c.int("eval_every"), warmup = c.double("warmup_fraction"), floor = c.double("min_lr_ratio")
        var stepNanos: [Double] = [], diverged = false
        for t in 0..<steps {
            if t % evalEvery == 0 {
                trial.record("val_loss", diverged ? .nan : validationLoss())
                trial.record("tokens", Double(t * batch * seqLen))
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
                trial.note("\(method.rawValue) lr \(lr) seed \(seed): loss not finite at step \(t); the run is recorded as diverged")
                continue
            }
            loss.backward()
            opt.step()
            stepNanos.append(Double(DispatchTime.now().uptimeNanoseconds - start))
        }
        trial.record("val_loss", diverged ? .nan : validationLoss())
        trial.record("tokens", Double(steps * batch * seqLen))
        // Every buffer exists after the first step (GaLore's projectors appear then), and none grows later.
        trial.record("state_bytes", Double(opt.stateBytes))
        trial.record("projector_bytes", Double(opt.projectorBytes))
        if method == .galore {
            // The prediction for GaLore's state, from the shapes: per projected matrix mr + 2nr (m its
            // smaller side), Adam's 2 per entry for every other tensor; scalars of 4 bytes.
            let projected = Set(model.projectionMatrices.map(ObjectIdentifier.init))
            let predicted = model.parameters.reduce(0) { n, p in
                guard projected.contains(ObjectIdentifier(p)) else { return n + 2 * p.value.count }
                let (a, b) = (p.shape[0], p.shape[1]), r = min(rank, a, b)
                return n + min(a, b) * r + 2 * max(a, b) * r
            }
            trial.record("galore_state_predicted_bytes", Double(predicted * MemoryLayout<Float>.size))
        }
        trial.record("weights", Double(model.weightCount))
        trial.record("trained", Double(model.parameters.reduce(0) { $0 + $1.value.count }))
        let sorted = stepNanos.sorted()
        trial.record("step_ms_median", sorted.isEmpty ? .nan : sorted[sorted.count / 2] / 1e6)
        trial.record("svd_seconds", opt.projectorSeconds)
        trial.record("train_seconds", stepNanos.reduce(0, +) / 1e9)
        // The worker's peak since the trial started (the suite resets it there), data loading included.
        trial.record("peak_rss_bytes", Double(PeakMemory.bytes() ?? -1))
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
            let grid = c.doubles("lr_\(m.rawValue)")
            let runs = grid.indices.map { k in seeds.map { results["\(m.rawValue)/lr\(k)/s\($0)"] } }
            let means = runs.map { r in Stats.mean(r.map { $0.vector("val_loss").last! }) }
            let best = means.indices.min { (means[$0].isFinite ? means[$0] : .infinity) < (means[$1].isFinite ? means[$1] : .infinity) }!
            if grid.count > 1 && (best == 0 || best == grid.count - 1) { atEdge += 1 }
            chosen[m] = runs[best]
            run.metric("\(m.rawValue)_lr", grid[best])
            run.metric("\(m.rawValue)_state_bytes", runs[best][0].scalar("state_bytes"))
            for k in grid.indices { run.record("lr_grid/\(m.rawValue)", x: grid[k], y: Double.exp(means[k])) }
            // Curves: perplexity of the mean validation loss over seeds, against tokens seen.
            let tokens = runs[best][0].vector("tokens")
            for i in tokens.indices {
                run.record("val_ppl/\(m.rawValue)", x: tokens[i], y: Double.exp(Stats.mean(runs[best].map { $0.vector("val_loss")[i] })))
            }
            for r in runs[best] {
                run.record("step_ms/\(m.rawValue)", x: 0, y: r.scalar("step_ms_median"))
                run.record("svd_seconds/\(m.rawValue)", x: 0, y: r.scalar("svd_seconds"))
                run.record("train_seconds/\(m.rawValue)", x: 0, y: r.scalar("train_seconds"))
                run.record("peak_rss_mb/\(m.rawValue)", x: 0, y: r.scalar("peak_rss_bytes") / 1e6)
                run.record("weights/\(m.rawValue)", x: 0, y: r.scalar("weights"))
                run.record("trained/\(m.rawValue)", x: 0, y: r.scalar("trained"))
            }
        }
        run.metric("lr_at_grid_edge", atEdge)

        // Units: seeds. Each carries every method's final validation loss at its chosen lr, so
        // the ratios are paired by seed (same init where the parametrization allows, same batches).
        let units: [[Method: Double]] = seeds.indices.map { s in chosen.mapValues { $0[s].vector("val_loss").last! } }
        // A perplexity is exp of the mean validation loss over seeds, and a ratio of two methods' perplexities is
        // exp of the mean of the seeds' loss differences: Student t on those logs, paired by seed.
        for m in Method.allCases { run.geometricMean("\(m.rawValue)_ppl", ofLogs: units.map { $0[m]! }) }
        let ratios: [(String, Method, Method)] = [
            ("galore_over_full_ppl", .galore, .full), ("lowrank_over_full_ppl", .lowrank, .full),
            ("galore_over_lora_ppl", .galore, .lora), ("adam8bit_over_full_ppl", .adam8bit, .full),
            ("galore8bit_over_galore_ppl", .galore8bit, .galore),
            // Table 3's comparison: 8-bit GaLore against 8-bit Adam (the paper's 14.65 vs 14.61 at 7B).
            ("galore8bit_over_adam8bit_ppl", .galore8bit, .adam8bit)]
        for (name, a, b) in ratios {
            run.pairedRatio(name, logs: units.map { ($0[a]!, $0[b]!) })
        }
        // T = ∞ against T: the gap of perplexities over the larger of the two seed ranges. The statistic
        // is already a signal-to-noise ratio, so it is recorded as measured, without a bootstrap on top
        // (resampling three seeds shrinks their range to zero in a third of the draws).
        func seedRange(_ m: Method) -> Double {
            let p = units.map { Double.exp($0[m]!) }
            return p.max()! - p.min()!
        }
        let noise = max(seedRange(.galore), seedRange(.galore_frozen))
        run.metric("frozen_gap_over_spread", (run.metricValue("galore_frozen_ppl") - run.metricValue("galore_ppl")) / noise)

        // State bytes, from the live optimizers (the same for every seed and lr).
        let bytes = { (m: Method) in chosen[m]![0].scalar("state_bytes") }
        run.metric("adam8bit_state_ratio", bytes(.full) / bytes(.adam8bit))
        // GaLore keeps its projectors in the scalar type under 8-bit moments (as the authors'
        // GaLoreAdamW8bit does): the 8-bit comparison is of the moments.
        let projector = { (m: Method) in chosen[m]![0].scalar("projector_bytes") }
        run.metric("galore8bit_moment_ratio", (bytes(.galore) - projector(.galore)) / (bytes(.galore8bit) - projector(.galore8bit)))
        run.metric("galore_state_fraction", bytes(.galore) / bytes(.full))
        run.metric("galore_state_vs_prediction", bytes(.galore) / chosen[.galore]![0].scalar("galore_state_predicted_bytes"))
        for m in Method.allCases {
            let finals = chosen[m]!.map { $0.vector("val_loss").last! }
            run.record("state_vs_ppl/\(m.rawValue)", x: bytes(m), y: Double.exp(Stats.mean(finals)))
        }
    }

    /// Part 1: every Table 2 cell and 7B statement, ours beside the paper's.
    func recordAccounting(into run: RunContext) {
        let table = GaLoreAccounting.models.prefix(4)
        for method in GaLoreAccounting.Method.allCases {
            var worst = 0.0
            for (i, model) in table.enumerated() {
                let ours = GaLoreAccounting.table2Cell(model, method), paper = GaLoreAccounting.table2[method]![i]
                run.record("memory/\(method.rawValue)", x: Double(model.parameters), y: ours)
                run.record("memory_paper/\(method.rawValue)", x: Double(model.parameters), y: paper)
                worst = max(worst, abs(ours / paper - 1))
            }
            run.metric("table2_\(method.rawValue)_max_rel_error", worst)
        }
        // LoRA under App. C.2's rule (claim 1 v2), and every cell of Table 6 (weights and states apart) under it.
        var loraC2 = 0.0, weights = 0.0, states = 0.0
        for (i, model) in table.enumerated() {
            let ours = GaLoreAccounting.table2Cell(model, .lora, convention: .appendixC2)
            run.record("memory_c2/lora", x: Double(model.parameters), y: ours)
            loraC2 = max(loraC2, abs(ours / GaLoreAccounting.table2[.lora]![i] - 1))
            for method in GaLoreAccounting.Method.allCases {
                let w = GaLoreAccounting.weights(model, method, convention: .appendixC2)
                weights = max(weights, abs(w / GaLoreAccounting.table6Weights[method]![i] - 1))
                let st = GaLoreAccounting.states(model, method)
                states = max(states, abs(st / GaLoreAccounting.table6States[method]![i] - 1))
            }
        }
        run.metric("table2_lora_c2_max_rel_error", loraC2)
        run.metric("table6_weights_max_rel_error", weights)
        run.metric("table6_states_max_rel_error", states)
        let small = GaLoreAccounting.models[0]
        run.metric("params_60m", Double(small.parameters))
        run.metric("lora_trainable_60m", Double(small.adaptors + small.rest))
        let s = GaLoreAccounting.sevenB()
        run.metric("galore_7b_state_reduction", s.galoreStateReduction)
        run.metric("galore8bit_7b_state_reduction", s.galore8bitStateReduction)
        run.metric("galore8bit_7b_state_reduction_all8bit", s.galore8bitStateReductionAll8bit)
        run.metric("adam_7b_total_gb", s.adamTotal)
        run.metric("adam8bit_7b_table3_gb", s.adam8bitTable3)
        run.metric("galore8bit_7b_table3_gb", s.galore8bitTable3)
        run.metric("galore8bit_7b_layerwise_gb", s.galore8bitLayerwise)
        let oneB = GaLoreAccounting.models[3]
        let rank1024 = GaLoreAccounting.Model(name: "1B", dim: oneB.dim, hidden: oneB.hidden, layers: oneB.layers, rank: 1024)
        run.metric("galore_1b_rank1024_gb", GaLoreAccounting.table2Cell(rank1024, .galore))
    }

    // MARK: Figures

    public func figures(_ data: RunData) -> [Figure] {
        // Part 1 as ratios: on a log scale of GB the 5-20% gaps vanish between the lines.
        var ratios: [Figure.Series] = []
        for (i, m) in GaLoreAccounting.Method.allCases.enumerated() {
            let ours = data.series("memory/\(m.rawValue)"), paper = data.series("memory_paper/\(m.rawValue)")
            let label = m == .galore ? "galore (reported, not claimed)"
                : m == .lora ? "lora, physical count (v1)" : m.rawValue
            ratios.append(Figure.Series(label, zip(ours, paper).map { ($0.x, $0.y / $1.y) }, style: .linespoints,
                                        color: i))
        }
        let loraC2 = data.series("memory_c2/lora"), loraPaper = data.series("memory_paper/lora")
        if !loraC2.isEmpty {
            let c2 = zip(loraC2, loraPaper).map { ($0.x, $0.y / $1.y) }
            ratios.append(Figure.Series("lora, App. C.2's count (claim 1 v2)", c2, style: .linespoints, color: 4))
        }
        if let first = data.series("memory/full").first, let last = data.series("memory/full").last {
            for (bound, label) in [(1.1, "claim 1: within 10%"), (0.9, "")] {
                ratios.append(Figure.Series(label, [(first.x, bound), (last.x, bound)], style: .lines, color: 6, dashed: true))
            }
        }
        let memoryFigure = Figure(
            name: "memory_table2", title: "GaLore Table 2, memory column: counted from the configs / the paper's cell",
            xLabel: "parameters of the LLaMA config (60M, 130M, 350M, 1B)", yLabel: "ours / Table 2 (weights + optimizer states, BF16)",
            logX: true, series: ratios, extra: ["set format x '%.0s%c'", "set xrange [45e6:1.8e9]", "set yrange [0.8:1.25]"],
            keyPosition: "top right")
        // The curves from the first evaluation on (step 0 is the uniform model, perplexity 256 for every method).
        let curves = Method.allCases.map { data.series("val_ppl/\($0.rawValue)").filter { $0.x > 0 } }
        let values = curves.flatMap { $0.map(\.y) }.filter(\.isFinite)
        let range = values.isEmpty ? [] : ["set yrange [\(fmt(values.min()! * 0.97)):\(fmt(values.max()! * 1.03))]"]
        let curvesFigure = Figure(
            name: "val_ppl_vs_tokens", title: "Validation perplexity vs tokens, byte-level LLaMA on fortunes (cf. GaLore Table 2)",
            xLabel: "training tokens", yLabel: "validation perplexity per byte (mean loss over seeds)",
            series: zip(Method.allCases, curves).enumerated().map { i, mc in
                Figure.Series(mc.0.label + " (lr \(fmt(data.metric("\(mc.0.rawValue)_lr"))))", mc.1, style: .linespoints, color: i,
                              dashed: mc.0 == .galore_frozen)
            },
            extra: ["set format x '%.0s%c'"] + range, keyPosition: "top right")
        let finals = Method.allCases.compactMap { data.series("state_vs_ppl/\($0.rawValue)").first?.y }.filter(\.isFinite)
        let finalRange = finals.isEmpty ? [] : ["set yrange [\(fmt(finals.min()! * 0.98)):\(fmt(finals.max()! * 1.02))]"]
        let tradeoff = Figure(
            name: "state_bytes_vs_ppl", title: "Optimizer-state bytes (live) vs final validation perplexity (cf. GaLore Table 2)",
            xLabel: "optimizer state (bytes, read from the optimizer)", yLabel: "final validation perplexity per byte", logX: true,
            series: Method.allCases.enumerated().map { i, m in
                Figure.Series(m.label, data.series("state_vs_ppl/\(m.rawValue)"), style: .points, color: i)
            },
            extra: ["set format x '%.0s%cB'", "set xrange [1e5:2e6]"] + finalRange, keyPosition: "top left")
        return [memoryFigure, curvesFigure, tradeoff]
    }
}

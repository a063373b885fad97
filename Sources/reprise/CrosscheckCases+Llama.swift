import Foundation
import RepriseData
import RepriseEngine
import RepriseScenarios
import RepriseSuite

extension CrosscheckCases {
    /// galore-memory's LLaMA at its quick size, with each parametrization the scenario trains (dense, LoRA,
    /// low-rank), in float32 and float64: every tensor at init (frozen ones included), the scenario's own
    /// fortunes windows for 10 steps, the loss and every trained tensor's gradient at step 0, the loss at each
    /// of 10 Adam steps and the trained tensors after them (llm.c's check of its CPU reference).
    static func llama(_ f: CaseFiles) throws {
        let config = try Replication(id: GaLoreMemory.id).config(profile: .quick)
        let (seqLen, batch, steps, rank) = (config.int("seq_len"), config.int("batch"), 10, config.int("rank"))
        let lr = 1e-3, alpha = config.double("lora_alpha")
        let corpus = try TextCorpus()
        var batchRNG = RNG(seed: 29).split("crosscheck/llama/batches")
        let tokens = (0..<steps).map { _ in
            TextCorpus.windows(corpus.train, batch: batch, length: seqLen, rng: &batchRNG)
        }
        try f.put("tokens", tokens.flatMap { $0.flatMap { $0 } })
        let variants: [(String, Parametrization)] = [
            ("dense", .dense),
            // Dropout off: the scenario's masks come from the engine's stream, which a peer must not re-implement.
            ("lora", .lora(rank: rank, alpha: alpha, dropout: 0)),
            ("lowrank", .lowRank(rank: rank)),
        ]
        var settings: [String: Any] = [
            "vocab": 256, "dim": config.int("dim"), "layers": config.int("layers"), "heads": config.int("heads"),
            "hidden": config.int("hidden"), "seq_len": seqLen, "batch": batch, "steps": steps, "rank": rank,
            "lora_alpha": alpha, "lora_dropout": 0, "lr": lr, "betas": [0.9, 0.999], "eps": 1e-8,
            "rms_eps": 1e-6, "rope_base": 10_000, "variants": variants.map(\.0),
            "tokens_shape": [steps, batch, seqLen + 1],
            "layout": "weights [in, out] (PyTorch's nn.Linear weight is the transpose); projection y = x W, "
                + "LoRA y = x W + (alpha / r) x A B, low-rank y = x A B; RoPE rotate-half within each head",
        ]
        for (name, parametrization) in variants {
            let lc = LlamaConfig(
                vocab: 256, dim: config.int("dim"), layers: config.int("layers"),
                heads: config.int("heads"), hidden: config.int("hidden"),
                parametrization: parametrization)
            let f32 = try llamaTrajectory(LlamaModel<Float>.self, lc, tokens: tokens, lr: lr, prefix: "\(name)_f32", f)
            _ = try llamaTrajectory(LlamaModel<Double>.self, lc, tokens: tokens, lr: lr, prefix: "\(name)_f64", f)
            settings[name] = f32
        }
        f.settings = settings
    }

    /// One model's run: writes `<prefix>_init_<k>` for every tensor, `<prefix>_grad0_<k>` and
    /// `<prefix>_final_<k>` for the trained ones, `<prefix>_losses`; returns the tensors' names and
    /// which are trained, in the order of the files.
    private static func llamaTrajectory<T: Scalar>(
        _: LlamaModel<T>.Type, _ lc: LlamaConfig, tokens: [[[Int]]],
        lr: Double, prefix: String, _ f: CaseFiles
    ) throws -> [String: Any] {
        var rng = RNG(seed: 29).split("crosscheck/llama/init")
        let model = LlamaModel<T>(lc, rng: &rng)
        let everything: [Variable<T>] =
            [model.embedding]
            + model.blocks.flatMap { block in
                [block.attnNorm, block.mlpNorm]
                    + block.projections.flatMap { [$0.weight, $0.a, $0.b].compactMap { $0 } }
            } + [model.finalNorm, model.head.weight]
        let trained = Set(model.parameters.map(ObjectIdentifier.init))
        for (k, v) in everything.enumerated() { try f.put("\(prefix)_init_\(k)", v.value) }
        let opt = Optimizer<T>.adam(model.parameters, lr: lr)
        var losses: [Double] = []
        for (t, batch) in tokens.enumerated() {
            opt.zeroGrad()
            let loss = model.loss(tokens: batch)
            losses.append(Double(loss.value[flat: 0]))
            loss.backward()
            if t == 0 {
                for (k, v) in everything.enumerated() where trained.contains(ObjectIdentifier(v)) {
                    try f.put("\(prefix)_grad0_\(k)", v.grad!)
                }
            }
            opt.step()
        }
        try f.put("\(prefix)_losses", losses)
        for (k, v) in everything.enumerated() where trained.contains(ObjectIdentifier(v)) {
            try f.put("\(prefix)_final_\(k)", v.value)
        }
        return ["names": everything.map(\.name), "trained": everything.map { trained.contains(ObjectIdentifier($0)) }]
    }
}

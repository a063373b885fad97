import ArgumentParser
import Foundation
import RepriseEngine
import RepriseScenarios
import RepriseSuite

/// Where a case writes: one `.npy` per array, and the settings the peer needs in `case.json`.
final class CaseFiles {
    let dir: URL
    var settings: [String: Any] = [:]
    init(dir: URL) { self.dir = dir }

    func put(_ name: String, _ t: Tensor<Float>) throws {
        try NumpyFile.write(t.scalars, shape: t.shape, to: dir.appendingPathComponent(name + ".npy"))
    }
    func put(_ name: String, _ t: Tensor<Double>) throws {
        try NumpyFile.write(t.scalars, shape: t.shape, to: dir.appendingPathComponent(name + ".npy"))
    }
    func put<T: Scalar>(_ name: String, _ t: Tensor<T>) throws {
        if let t = t as? Tensor<Float> { try put(name, t) } else { try put(name, t.converted(to: Double.self)) }
    }
    func put(_ name: String, _ values: [Double]) throws {
        try NumpyFile.write(values, shape: [values.count], to: dir.appendingPathComponent(name + ".npy"))
    }
    func put(_ name: String, _ values: [Float], shape: [Int]) throws {
        try NumpyFile.write(values, shape: shape, to: dir.appendingPathComponent(name + ".npy"))
    }
    func put(_ name: String, _ values: [Int]) throws {
        try NumpyFile.write(values, shape: [values.count], to: dir.appendingPathComponent(name + ".npy"))
    }
    func put(_ name: String, _ values: [UInt8]) throws {
        try NumpyFile.write(values, shape: [values.count], to: dir.appendingPathComponent(name + ".npy"))
    }
}

/// The cases. Each draws its inputs from a fixed seed, so a case's files are the same on every run.
enum CrosscheckCases {
    static func gaussian(_ shape: [Int], std: Double, _ rng: inout RNG) -> Tensor<Float> {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(rng.normal() * std) })
    }

    /// GaLore's optimizer alone, on galore-memory's three projected shapes (engine orientation
    /// [in, out]: square, wide and tall), from given gradients: the weights after every step and the
    /// projector at every refresh.
    static func galore(_ f: CaseFiles) throws {
        let shapes = [[64, 64], [64, 172], [172, 64]], steps = 10
        let settings = GaLoreSettings(
            rank: 16, updateGap: 4, alpha: 0.25,
            inner: .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8), squareSide: .input)
        f.settings = [
            "shapes": shapes, "steps": steps, "rank": 16, "update_gap": 4, "alpha": 0.25, "lr": 0.01,
            "betas": [0.9, 0.999], "eps": 1e-8,
            "orientation": "engine [in, out]: PyTorch's weight is the transpose",
        ]
        var rng = RNG(seed: 29).split("crosscheck/galore")
        let params = shapes.map { Variable(gaussian($0, std: 0.5, &rng), requiresGrad: true) }
        for (k, p) in params.enumerated() { try f.put("w0_\(k)", p.value) }
        let opt = Optimizer<Float>.galore(params, projected: params, lr: 0.01, settings)
        for t in 0..<steps {
            for (k, p) in params.enumerated() {
                let g = gaussian(p.value.shape, std: 1, &rng)
                p.grad = g
                try f.put("grad_\(t)_\(k)", g)
            }
            opt.step()
            for (k, p) in params.enumerated() {
                try f.put("w_\(t)_\(k)", p.value)
                if t % settings.updateGap == 0, let q = opt.projector(of: k) { try f.put("proj_\(t)_\(k)", q) }
            }
        }
    }

    /// The dynamic maps and block-wise quantization of Adam-like moments: a signed tensor (m) and
    /// its squares (v), 5000 entries (two full blocks of 2048 and a partial one).
    static func blockwise8bit(_ f: CaseFiles) throws {
        var rng = RNG(seed: 29).split("crosscheck/blockwise8bit")
        let count = 5000
        let m = (0..<count).map { _ in Float(rng.normal() * 0.01) }, v = m.map { $0 * $0 }
        f.settings = ["count": count, "block_size": BlockwiseQuantized.blockSize]
        for (name, values, signed) in [("signed", m, true), ("unsigned", v, false)] {
            try f.put("map_\(name)", BlockwiseQuantized.dynamicMap(signed: signed), shape: [256])
            var q = BlockwiseQuantized(count: count, signed: signed)
            values.withUnsafeBufferPointer { p in
                for b in 0..<q.blocks { q.encode(block: b, from: p.baseAddress! + b * BlockwiseQuantized.blockSize) }
            }
            try f.put("input_\(name)", values, shape: [count])
            try f.put("codes_\(name)", q.codes)
            try f.put("absmax_\(name)", q.absmax, shape: [q.absmax.count])
        }
    }

    /// The exact Hessian-vector product of lr-batch-scaling (Pearlmutter's R-operator through a
    /// ReLU MLP with biases, float64, mean cross-entropy) on 64 examples.
    static func hvp(_ f: CaseFiles) throws {
        var rng = RNG(seed: 29).split("crosscheck/hvp")
        let widths = [20, 16, 16, 10], n = 64
        let model = MLP<Double>(widths: widths, init: .he, rng: &rng)
        let x = Tensor<Double>(shape: [n, widths[0]], scalars: (0..<(n * widths[0])).map { _ in rng.normal() })
        let labels = (0..<n).map { _ in rng.int(below: widths.last!) }
        let count = model.parameters.reduce(0) { $0 + $1.value.count }
        let v = (0..<count).map { _ in rng.normal() }
        let r = Curvature.mlpHessianVectorProduct(model, x, labels: labels, v)
        f.settings = [
            "widths": widths, "examples": n,
            "parameter_order": "layer by layer: weight [in, out], then bias; flattened in C order",
        ]
        for (k, p) in model.parameters.enumerated() { try f.put("param_\(k)", p.value) }
        try f.put("x", x)
        try f.put("labels", labels)
        try f.put("v", v)
        try f.put("gradient", r.gradient)
        try f.put("hv", r.hv)
    }

    /// lr-batch-scaling's curvature tools on a small net: the top two Hessian eigenvalues by the engine's
    /// Lanczos (as the scenario runs it), every example's gradient squared norm, and B_simple.
    static func curvature(_ f: CaseFiles) throws {
        var rng = RNG(seed: 29).split("crosscheck/curvature")
        let widths = [20, 32, 32, 10], n = 256, iterations = 20
        let model = MLP<Double>(widths: widths, init: .he, rng: &rng)
        let x = Tensor<Double>(shape: [n, widths[0]], scalars: (0..<(n * widths[0])).map { _ in rng.normal() })
        let labels = (0..<n).map { _ in rng.int(below: widths.last!) }
        let count = model.parameters.reduce(0) { $0 + $1.value.count }
        var lanczosRNG = rng.split("lanczos")
        let eigen = try Curvature.lanczos(dimension: count, iterations: iterations, rng: &lanczosRNG) {
            Curvature.mlpHessianVectorProduct(model, x, labels: labels, $0).hv
        }
        let norms = Curvature.perExampleGradientSquaredNorms(model, x, labels: labels)
        let zero = [Double](repeating: 0, count: count)
        let g = Curvature.mlpHessianVectorProduct(model, x, labels: labels, zero).gradient
        let g2 = Curvature.dot(g, g)
        f.settings = [
            "widths": widths, "examples": n, "lanczos_iterations": iterations, "parameters": count,
            "parameter_order": "layer by layer: weight [in, out], then bias; flattened in C order",
        ]
        for (k, p) in model.parameters.enumerated() { try f.put("param_\(k)", p.value) }
        try f.put("x", x)
        try f.put("labels", labels)
        try f.put("top_eigenvalues", Array(eigen.values.prefix(2)))
        try f.put("per_example_squared_norms", norms)
        try f.put("b_simple", [(norms.reduce(0, +) / Double(n) - g2) / g2])
    }

    /// An MLP of the scenarios' kind (He init, ReLU, biases, softmax cross-entropy) in float32,
    /// 10 steps of each optimizer the scenarios train with, from the same weights and batches: the
    /// loss at every step, the gradients of step 0, the weights after the last step.
    static func mlp(_ f: CaseFiles) throws {
        let widths = [32, 64, 64, 10], batch = 16, steps = 10
        var rng = RNG(seed: 29).split("crosscheck/mlp")
        let x = gaussian([steps * batch, widths[0]], std: 1, &rng)
        let labels = (0..<(steps * batch)).map { _ in rng.int(below: widths.last!) }
        try f.put("x", x)
        try f.put("labels", labels)
        let initial = MLP<Float>(widths: widths, init: .he, rng: &rng)
        for (k, p) in initial.parameters.enumerated() { try f.put("param_\(k)", p.value) }
        let optimizers: [(String, ([Variable<Float>]) -> Optimizer<Float>)] = [
            ("sgd_clip", { .sgd($0, lr: 0.1, transforms: [.clipGlobalNorm(1.0)]) }),
            ("adam", { .adam($0, lr: 1e-3) }),
            ("adamw", { .adam($0, lr: 1e-3, weightDecay: 0.1) }),
            ("perp_adamw", { .adam($0, lr: 1e-3, weightDecay: 0.1, transforms: [.perpendicular]) }),
        ]
        f.settings = [
            "widths": widths, "batch": batch, "steps": steps, "optimizers": optimizers.map(\.0),
            "sgd_clip": ["lr": 0.1, "max_norm": 1.0],
            "adam": ["lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8],
            "adamw": ["lr": 1e-3, "weight_decay": 0.1], "perp_adamw": ["lr": 1e-3, "weight_decay": 0.1],
            "parameter_order": "layer by layer: weight [in, out], then bias",
        ]
        for (name, make) in optimizers {
            var unused = RNG(seed: 0)
            let model = MLP<Float>(widths: widths, init: .zeros, rng: &unused)
            for (p, q) in zip(model.parameters, initial.parameters) {
                p.value = Tensor(shape: q.value.shape, scalars: q.value.scalars)
            }
            let opt = make(model.parameters)
            var losses: [Double] = []
            for t in 0..<steps {
                let rows = (t * batch)..<((t + 1) * batch)
                opt.zeroGrad()
                let loss = softmaxCrossEntropy(model(Variable(x.rows(rows))), labels: Array(labels[rows]))
                losses.append(Double(loss.value[flat: 0]))
                loss.backward()
                if t == 0 { for (k, p) in model.parameters.enumerated() { try f.put("\(name)_grad0_\(k)", p.grad!) } }
                opt.step()
            }
            try f.put("\(name)_losses", losses)
            for (k, p) in model.parameters.enumerated() { try f.put("\(name)_final_\(k)", p.value) }
        }
    }

    /// grokking-stablemax at its quick profile, through the scenario's own code: seed 0's initial weights and
    /// split, the loss and every gradient at step 0 with the three losses the scenario trains (softmax
    /// cross-entropy in float32, the same with float64 logits, StableMax in float64), and the logs of the
    /// softmax32, perp and stablemax trials (every `eval_every` steps), for PyTorch to train from the same start.
    static func grokking(_ f: CaseFiles) throws {
        let config = try Replication(id: GrokkingStableMax.id).config(profile: .quick)
        let variants = ["softmax32", "perp", "stablemax"]
        let trials = try GrokkingStableMax().trials(config).filter {
            $0.config.int("seed_index") == 0 && variants.contains($0.config.string("variant"))
        }
        let seed = UInt64(config.int("seed"))
        let first = TrialContext(trial: trials[0], seed: seed)
        let weights = GrokkingStableMax.initialWeights(first), task = GrokkingStableMax.task(first)
        let p = task.p
        let train = ModularArithmetic.oneHotRows(task.trainPairs, p: p)
        let test = ModularArithmetic.oneHotRows(task.testPairs, p: p)
        for (name, w) in zip(["embed", "hidden", "out"], weights) { try f.put("init_\(name)", w) }
        try f.put("train_a", train.a); try f.put("train_b", train.b); try f.put("train_labels", task.trainLabels)
        try f.put("test_a", test.a); try f.put("test_b", test.b); try f.put("test_labels", task.testLabels)

        // Step 0: the scenario's logits (an embedding-row sum, ReLU, hidden, ReLU, out) in float32.
        let losses: [(String, (Variable<Float>) -> Variable<Float>)] = [
            ("softmax32", { softmaxCrossEntropy($0, labels: task.trainLabels) }),
            ("softmax64", { softmaxCrossEntropy($0, labels: task.trainLabels, precision: .float64) }),
            ("stablemax", { stableMaxCrossEntropy($0, labels: task.trainLabels, precision: .float64) }),
        ]
        for (name, lossOf) in losses {
            let params = weights.map { Variable($0.converted(to: Float.self), requiresGrad: true) }
            let h = relu(embedding(params[0], train.a) + embedding(params[0], train.b))
            let loss = lossOf(matmul(relu(matmul(h, params[1])), params[2]))
            loss.backward()
            try f.put("\(name)_loss0", [Double(loss.value[flat: 0])])
            for (k, q) in params.enumerated() { try f.put("\(name)_grad0_\(k)", q.grad!) }
        }

        var settings: [String: Any] = [
            "p": p, "width": config.int("width"), "eval_every": config.int("eval_every"),
            "variants": variants, "seed": seed,
        ]
        for t in trials {
            let c = t.config, key = c.string("variant")
            let context = TrialContext(trial: t, seed: seed)
            Parallel.setThreads(t.blasThreads)
            try GrokkingStableMax().run(context)
            for column in ["steps", "train_acc", "test_acc", "train_loss", "sc", "zero_loss"] {
                try f.put("\(key)_\(column)", context.values.vector(column))
            }
            let stable = key == "stablemax"
            settings[key] = [
                "steps": c.int("steps"), "lr": c.double(stable ? "stablemax_lr" : "lr"),
                "betas": [0.9, c.double(stable ? "stablemax_beta2" : "beta2")], "eps": c.double("eps"),
                "perpendicular": key == "perp", "loss": stable ? "stablemax float64" : "softmax float32",
            ]
        }
        f.settings = settings
    }

    /// double-descent at its quick profile, seed 0, at p/n = 0.5, 1 and 2, through the scenario's own code: the
    /// features and targets every fit reads, and what the trial recorded from them (min-norm and GD at the two
    /// smallest budgets: training loss, test error and MSE; the condition number), for NumPy and SciPy.
    static func doubleDescent(_ f: CaseFiles) throws {
        let config = try Replication(id: DoubleDescent.id).config(profile: .quick)
        let n = config.int("n_train"), ratios = [0.5, 1, 2]
        let budgets = Array(config.ints("gd_steps").sorted().prefix(2))
        let wanted = Set(ratios.map { Int(($0 * Double(n)).rounded()) })
        let trials = try DoubleDescent().trials(config).filter {
            $0.config.int("seed_index") == 0 && wanted.contains($0.config.int("p"))
        }
        let seed = UInt64(config.int("seed"))
        var ps: [Int] = []
        for t in trials {
            // The iterative fits (minutes of SGD) are not compared: the trial runs without them.
            let trial = try Trial(key: t.key, storedConfig: t.config.setting("iterative", .bool(false)))
            Parallel.setThreads(trial.blasThreads)  // as a worker runs it: the SVD's bits depend on the threads
            let context = TrialContext(trial: trial, seed: seed)
            let p = t.config.int("p"), design = try DoubleDescent().design(context)
            try DoubleDescent().run(context)
            ps.append(p)
            try f.put("p\(p)_phi", design.phi); try f.put("p\(p)_phi_test", design.phiTest)
            try f.put("p\(p)_y", design.y); try f.put("p\(p)_y_test", design.yTest)
            try f.put("p\(p)_condition", [context.values.scalar("condition/raw")])
            for fit in ["min-norm"] + budgets.map({ "GD T=\(fmt(Double($0)))" }) {
                let tag = fit == "min-norm" ? "minnorm" : "gd\(fit.dropFirst(5))"
                for m in ["train_loss", "test_error", "test_mse"] {
                    try f.put("p\(p)_\(tag)_\(m)", [context.values.scalar("\(m)/\(fit)")])
                }
            }
        }
        f.settings = [
            "n": n, "ps": ps, "gd_steps": budgets, "seed": seed,
            "losses": "train loss |Phi w - Y|^2 / n (sum over the 10 outputs); test MSE the same on the "
                + "clean one-hot test targets; test error the share of wrong argmax",
        ]
    }

    /// ntk-regime's kernels at its quick profile's depth and beta, for neural-tangents: the analytic NNGP and
    /// NTK limits of x0 = (1, 0) against the scenario's points on the circle, and the empirical NTK of two nets
    /// (widths 64 and 512, NTK parametrization) with their parameters.
    static func ntk(_ f: CaseFiles) throws {
        let config = try Replication(id: NTKRegime.id).config(profile: .quick)
        let depth = config.int("depth"), beta = config.double("beta"), angles = NTKRegime.angles(config.int("angles"))
        let circle: Tensor<Double> = Synthetic.circle(angles: angles)
        let x0 = Tensor<Double>(shape: [1, 2], scalars: [1, 0])
        let limits = angles.map { NTK.reluLimit([1, 0], [Double.cos($0), Double.sin($0)], depth: depth, beta: beta) }
        try f.put("x0", x0); try f.put("circle", circle)
        try f.put("analytic_nngp", limits.map(\.nngp)); try f.put("analytic_ntk", limits.map(\.ntk))
        try f.put("analytic_ntk_gram", NTK.reluLimit(x0, circle, depth: depth, beta: beta))
        let widths = [64, 512]
        var rng = RNG(seed: 29).split("crosscheck/ntk")
        for width in widths {
            let layout = [2] + Array(repeating: width, count: depth - 1) + [1]
            let model = MLP<Double>(widths: layout, init: .ntk(beta: beta), rng: &rng)
            for (k, layer) in model.layers.enumerated() {
                try f.put("w\(width)_weight_\(k)", layer.weight.value)
                if let b = layer.bias { try f.put("w\(width)_bias_\(k)", b.value) }
            }
            try f.put("w\(width)_empirical", NTK.empirical(model.layers, x0, circle))
            try f.put("w\(width)_empirical_gram", NTK.empirical(model.layers, circle, circle))
        }
        f.settings = [
            "depth": depth, "beta": beta, "widths": widths, "angles": angles.count,
            "parametrization": "NTK: h = W a / sqrt(fan_in) + beta b, every parameter N(0, 1); "
                + "weight [in, out]",
        ]
    }

    /// gradient-noise's quick he_clip10 trial without noise (seed 0), through the scenario's own code: the
    /// 20-layer net at init, the first 100 mini-batches of its batch order, the loss and every gradient at
    /// step 0, and the loss at each of the 100 SGD steps (clipping as the cell has it), for PyTorch.
    static func gradientNoise(_ f: CaseFiles) throws {
        let config = try Replication(id: GradientNoise.id).config(profile: .quick)
        let steps = 100
        guard
            let trial = try GradientNoise().trials(config).first(where: {
                $0.config.string("cell") == "he_clip10" && $0.config.int("seed_index") == 0 && !$0.config.bool("noise")
            })
        else { throw SuiteError.badConfig("the quick profile of gradient-noise has no he_clip10 trial") }
        let context = TrialContext(trial: trial, seed: UInt64(config.int("seed")))
        Parallel.setThreads(trial.blasThreads)
        let (train, _) = try GradientNoise.data(context)
        let model = GradientNoise.initialModel(context)
        for (k, p) in model.parameters.enumerated() { try f.put("param_\(k)", p.value) }
        let opt = Optimizer<Float>.sgd(
            model.parameters, lr: trial.config.double("lr"),
            transforms: GradientNoise.transforms(context))
        var batches = GradientNoise.Batches(context, count: train.count)
        var indices: [Int] = [], losses: [Double] = []
        for step in 0..<steps {
            let idx = batches.next()
            indices += idx
            opt.zeroGrad()
            let x = Variable(train.images.gatherRows(idx))
            let loss = softmaxCrossEntropy(model(x), labels: idx.map { train.labels[$0] })
            losses.append(Double(loss.value[flat: 0]))
            loss.backward()
            if step == 0 { for (k, p) in model.parameters.enumerated() { try f.put("grad0_\(k)", p.grad!) } }
            opt.step()
        }
        try f.put("x", train.images.gatherRows(indices))
        try f.put("labels", indices.map { train.labels[$0] })
        try f.put("losses", losses)
        let clip = GradientNoise.transforms(context).compactMap { t -> Double? in
            if case let .clipGlobalNorm(c) = t { return c } else { return nil }
        }.first
        f.settings = [
            "steps": steps, "batch": trial.config.int("batch"), "lr": trial.config.double("lr"),
            "clip_global_norm": clip as Any, "layers": model.layers.count,
            "parameter_order": "layer by layer: weight [in, out], then bias",
        ]
    }

    /// lr-batch-scaling's own quick checkpoint: its hessian/full trial run as a worker runs it (the full
    /// Hessian's top two eigenvalues by the scenario's Lanczos, |G|^2 and tr(Sigma)), with the checkpoint's
    /// parameters and the 50 000 training examples, for eigsh and torch.func.
    static func lrBatch(_ f: CaseFiles) throws {
        let config = try Replication(id: LRBatchScaling.id).config(profile: .quick)
        guard let trial = try LRBatchScaling().trials(config).first(where: { $0.key == "hessian/full" }) else {
            throw SuiteError.badConfig("the quick profile of lr-batch-scaling has no hessian/full trial")
        }
        let context = TrialContext(trial: trial, seed: UInt64(config.int("seed")))
        Parallel.setThreads(trial.blasThreads)
        try LRBatchScaling().run(context)
        let setup = try LRBatchScaling().setup(context)
        try f.put("checkpoint", setup.checkpoint)
        try f.put("x", setup.train.images)
        try f.put("labels", setup.train.labels)
        for name in ["lambda", "lambda_second", "grad_norm2", "trace_sigma"] {
            try f.put(name, [context.values.scalar(name)])
        }
        f.settings = [
            "widths": [784] + config.ints("hidden") + [10], "examples": setup.train.count,
            "lanczos_iterations": config.int("lanczos_iterations"),
            "parameter_order": "layer by layer: weight [in, out], then bias; flattened in C order",
        ]
    }
}

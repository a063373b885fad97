import RealModule

/// How a weight matrix [fan_in, fan_out] (and its bias) is drawn.
public enum Initializer: Sendable, Equatable {
    case zeros
    /// N(0, std²) — Neelakantan et al.'s "simple init" is std 0.1.
    case gaussian(std: Double)
    /// He et al. 2015: N(0, 2/fan_in).
    case he
    /// LeCun: N(0, 1/fan_in).
    case lecun
    /// PyTorch nn.Linear's default: U(−1/√fan_in, 1/√fan_in) for weight and bias.
    case pytorchDefault
    /// Jacot et al. 2018: every parameter N(0, 1); the layer scales its forward pass instead.
    case ntk(beta: Double)

    func weight<T: Scalar>(_ fanIn: Int, _ fanOut: Int, rng: inout RNG) -> Tensor<T> {
        let shape = [fanIn, fanOut]
        switch self {
        case .zeros: return .zeros(shape)
        case let .gaussian(std): return .normal(shape, std: std, rng: &rng)
        case .he: return .normal(shape, std: (2 / Double(fanIn)).squareRoot(), rng: &rng)
        case .lecun: return .normal(shape, std: (1 / Double(fanIn)).squareRoot(), rng: &rng)
        case .pytorchDefault:
            let b = 1 / Double(fanIn).squareRoot()
            return .uniform(shape, low: -b, high: b, rng: &rng)
        case .ntk: return .normal(shape, std: 1, rng: &rng)
        }
    }

    func bias<T: Scalar>(_ fanIn: Int, _ fanOut: Int, rng: inout RNG) -> Tensor<T> {
        switch self {
        case .pytorchDefault:
            let b = 1 / Double(fanIn).squareRoot()
            return .uniform([fanOut], low: -b, high: b, rng: &rng)
        case .ntk: return .normal([fanOut], std: 1, rng: &rng)
        default: return .zeros([fanOut])  // biases start at zero for the other schemes
        }
    }
}

/// y = (x W)·weightScale + b·biasScale. Scales are 1 except in the NTK
/// parametrization (weightScale 1/√fan_in, biasScale β).
public struct Linear<T: Scalar> {
    public let weight: Variable<T>
    public let bias: Variable<T>?
    public let weightScale: T
    public let biasScale: T

    public init(
        _ fanIn: Int, _ fanOut: Int, bias: Bool = true, init initializer: Initializer, name: String = "linear",
        rng: inout RNG
    ) {
        weight = Variable(initializer.weight(fanIn, fanOut, rng: &rng), name: name + ".weight", requiresGrad: true)
        self.bias =
            bias ? Variable(initializer.bias(fanIn, fanOut, rng: &rng), name: name + ".bias", requiresGrad: true) : nil
        if case let .ntk(beta) = initializer {
            weightScale = 1 / T(fanIn).squareRoot(); biasScale = T(beta)
        } else {
            weightScale = 1; biasScale = 1
        }
    }

    public var parameters: [Variable<T>] { [weight] + (bias.map { [$0] } ?? []) }

    /// x w + b as it stands, no NTK scales.
    var isPlain: Bool { weightScale == 1 && biasScale == 1 }

    public func callAsFunction(_ x: Variable<T>) -> Variable<T> {
        if isPlain { return linear(x, weight, bias) }
        let h = scale(matmul(x, weight), weightScale)
        guard let bias else { return h }
        return h + scale(bias, biasScale)
    }
}

public enum Activation: String, Sendable, Codable {
    case relu, tanh, identity
    func callAsFunction<T>(_ x: Variable<T>) -> Variable<T> {
        switch self {
        case .relu: return RepriseEngine.relu(x)
        case .tanh: return RepriseEngine.tanh(x)
        case .identity: return x
        }
    }
}

/// A fully connected net: widths [in, h1, …, out], the activation between layers, none after the last.
public struct MLP<T: Scalar> {
    public let layers: [Linear<T>]
    public let activation: Activation

    public init(
        widths: [Int], activation: Activation = .relu, bias: Bool = true, init initializer: Initializer, rng: inout RNG
    ) {
        require(widths.count >= 2)
        var layers: [Linear<T>] = []
        for i in 0..<(widths.count - 1) {
            layers.append(Linear(widths[i], widths[i + 1], bias: bias, init: initializer, name: "layer\(i)", rng: &rng))
        }
        self.layers = layers
        self.activation = activation
    }

    public var parameters: [Variable<T>] { layers.flatMap(\.parameters) }

    public func callAsFunction(_ x: Variable<T>) -> Variable<T> {
        // ReLU goes into the product where it can (`linearReLU`: the same bits, one tensor fewer).
        let hidden = layers.dropLast().reduce(x) { h, layer in
            activation == .relu && layer.isPlain ? linearReLU(h, layer.weight, layer.bias) : activation(layer(h))
        }
        return layers.last!(hidden)
    }
}

/// A small LLaMA-style decoder-only language model (Touvron et al. 2023):
/// pre-RMSNorm blocks of RoPE causal attention and a SwiGLU MLP, residual
/// connections, untied embedding and head, no biases.
public struct LlamaConfig: Sendable {
    public var vocab: Int, dim: Int, layers: Int, heads: Int, hidden: Int
    public var parametrization: Parametrization
    public init(vocab: Int, dim: Int, layers: Int, heads: Int, hidden: Int, parametrization: Parametrization = .dense) {
        (self.vocab, self.dim, self.layers, self.heads, self.hidden) = (vocab, dim, layers, heads, hidden)
        self.parametrization = parametrization
    }
}

/// How the seven projection matrices of a decoder block (attention q, k, v, o; MLP gate, up,
/// down) are parametrized: GaLore's baselines (Zhao et al. 2024, Table 2) as ReLoRA's code builds them.
public enum Parametrization: Sendable, Equatable {
    /// One trained matrix W.
    case dense
    /// LoRA (Hu et al. 2021): W frozen at its init, y = x W + (alpha/r) · dropout(x) A B with
    /// A [in, r] ~ U(±1/sqrt(in)) (PyTorch's kaiming_uniform(a = sqrt 5)) and B [r, out] = 0.
    case lora(rank: Int, alpha: Double, dropout: Double)
    /// W = A B, both factors trained, each ~ U(±1/sqrt(fan_in)) (ReLoRA's `lora_only` init).
    case lowRank(rank: Int)
}

/// Inverted dropout's random source for a model: one stream shared by its layers, switched
/// off for evaluation.
public final class DropoutSource {
    public var rng: RNG
    public var isTraining = true
    public init(rng: RNG) { self.rng = rng }
}

/// x with each entry zeroed with probability p and the rest scaled by 1/(1 − p); backward
/// multiplies by the same mask. Identity when p = 0 or the source is not training.
public func dropout<T>(_ x: Variable<T>, p: Double, _ source: DropoutSource) -> Variable<T> {
    guard p > 0, source.isTraining else { return x }
    let n = x.value.count, keep = T(1 / (1 - p))
    var mask = Tensor<T>(uninitializedShape: x.shape), y = Tensor<T>(uninitializedShape: x.shape)
    let mp = mask.mutableData, yp = y.mutableData, xp = x.value.data
    var rng = source.rng  // a local copy: the class property would be loaded and stored per draw
    defer { source.rng = rng }
    for i in 0..<n {
        mp[i] = rng.uniform() < p ? 0 : keep
        yp[i] = xp[i] * mp[i]
    }
    return Variable(y, parents: [x]) { out in
        let g = out.grad!.data, d = x.gradPointer(), mp = mask.data
        for i in 0..<n { d[i] += g[i] * mp[i] }
    }
}

/// One projection matrix of a decoder block under a `Parametrization`.
public struct Projection<T: Scalar> {
    /// W: trained (dense), frozen (LoRA) or absent (low-rank).
    public let weight: Variable<T>?
    /// The low-rank factors A [in, r] and B [r, out] (LoRA, low-rank).
    public let a: Variable<T>?, b: Variable<T>?
    let loraScale: T, dropoutP: Double
    let dropout: DropoutSource?

    init(_ fanIn: Int, _ fanOut: Int, _ p: Parametrization, name: String, dropout: DropoutSource?, rng: inout RNG) {
        let std = Initializer.gaussian(std: 0.02)  // GPT-2 / LLaMA reference init
        func factors(_ r: Int, zeroB: Bool) -> (Variable<T>, Variable<T>) {
            (
                Variable(Initializer.pytorchDefault.weight(fanIn, r, rng: &rng), name: name + ".A", requiresGrad: true),
                Variable(
                    (zeroB ? Initializer.zeros : .pytorchDefault).weight(r, fanOut, rng: &rng), name: name + ".B",
                    requiresGrad: true)
            )
        }
        switch p {
        case .dense:
            weight = Variable(std.weight(fanIn, fanOut, rng: &rng), name: name, requiresGrad: true)
            (a, b, loraScale, dropoutP, self.dropout) = (nil, nil, 0, 0, nil)
        case let .lora(r, alpha, pDrop):
            weight = Variable(std.weight(fanIn, fanOut, rng: &rng), name: name, requiresGrad: false)
            let (fa, fb) = factors(r, zeroB: true)
            (a, b, loraScale, dropoutP, self.dropout) = (fa, fb, T(alpha / Double(r)), pDrop, dropout)
        case let .lowRank(r):
            weight = nil
            let (fa, fb) = factors(r, zeroB: false)
            (a, b, loraScale, dropoutP, self.dropout) = (fa, fb, 1, 0, nil)
        }
    }

    /// The trained tensors.
    public var parameters: [Variable<T>] { [weight, a, b].compactMap { $0 }.filter(\.requiresGrad) }

    public func callAsFunction(_ x: Variable<T>) -> Variable<T> {
        switch (weight, a, b) {
        case let (w?, nil, nil): return matmul(x, w)
        case let (nil, a?, b?): return matmul(matmul(x, a), b)
        case let (w?, a?, b?):
            let xd = dropout.map { RepriseEngine.dropout(x, p: dropoutP, $0) } ?? x
            return matmul(x, w) + scale(matmul(matmul(xd, a), b), loraScale)
        default: fatalError("Projection without weights")  // unreachable: init sets one of the three shapes
        }
    }
}

public struct DecoderBlock<T: Scalar> {
    public let attnNorm: Variable<T>, mlpNorm: Variable<T>
    public let wq: Projection<T>, wk: Projection<T>, wv: Projection<T>, wo: Projection<T>
    public let w1: Projection<T>, w3: Projection<T>, w2: Projection<T>
    let heads: Int

    init(_ c: LlamaConfig, index: Int, dropout: DropoutSource?, rng: inout RNG) {
        let n = "block\(index)", p = c.parametrization
        attnNorm = Variable(Tensor(repeating: 1, shape: [c.dim]), name: n + ".attn_norm", requiresGrad: true)
        mlpNorm = Variable(Tensor(repeating: 1, shape: [c.dim]), name: n + ".mlp_norm", requiresGrad: true)
        wq = Projection(c.dim, c.dim, p, name: n + ".attn.q", dropout: dropout, rng: &rng)
        wk = Projection(c.dim, c.dim, p, name: n + ".attn.k", dropout: dropout, rng: &rng)
        wv = Projection(c.dim, c.dim, p, name: n + ".attn.v", dropout: dropout, rng: &rng)
        wo = Projection(c.dim, c.dim, p, name: n + ".attn.o", dropout: dropout, rng: &rng)
        w1 = Projection(c.dim, c.hidden, p, name: n + ".mlp.gate", dropout: dropout, rng: &rng)
        w3 = Projection(c.dim, c.hidden, p, name: n + ".mlp.up", dropout: dropout, rng: &rng)
        w2 = Projection(c.hidden, c.dim, p, name: n + ".mlp.down", dropout: dropout, rng: &rng)
        heads = c.heads
    }

    public var projections: [Projection<T>] { [wq, wk, wv, wo, w1, w3, w2] }

    public var parameters: [Variable<T>] {
        [attnNorm, mlpNorm] + projections.flatMap(\.parameters)
    }

    /// x [B·T, C] → [B·T, C].
    func callAsFunction(_ x: Variable<T>, batch: Int, rotary: RotaryTable<T>) -> Variable<T> {
        let h = rmsNorm(x, gain: attnNorm)
        let q = rope(wq(h), rotary), k = rope(wk(h), rotary)
        let a = causalSelfAttention(q: q, k: k, v: wv(h), batch: batch, seqLen: rotary.seqLen, heads: heads)
        let x1 = x + wo(a)
        let m = rmsNorm(x1, gain: mlpNorm)
        return x1 + w2(swiglu(w1(m), w3(m)))
    }
}

public struct LlamaModel<T: Scalar> {
    public let config: LlamaConfig
    public let embedding: Variable<T>
    public let blocks: [DecoderBlock<T>]
    public let finalNorm: Variable<T>
    public let head: Linear<T>

    /// The dropout stream of LoRA's adaptors (nil for the other parametrizations).
    public let dropout: DropoutSource?

    /// `rng` draws the weights; LoRA's dropout masks come from `rng.split("dropout")`.
    public init(_ c: LlamaConfig, rng: inout RNG) {
        config = c
        if case .lora = c.parametrization { dropout = DropoutSource(rng: rng.split("dropout")) } else { dropout = nil }
        embedding = Variable(.normal([c.vocab, c.dim], std: 0.02, rng: &rng), name: "embedding", requiresGrad: true)
        var blocks: [DecoderBlock<T>] = []
        for i in 0..<c.layers { blocks.append(DecoderBlock(c, index: i, dropout: dropout, rng: &rng)) }
        self.blocks = blocks
        finalNorm = Variable(Tensor(repeating: 1, shape: [c.dim]), name: "final_norm", requiresGrad: true)
        head = Linear(c.dim, c.vocab, bias: false, init: .gaussian(std: 0.02), name: "lm_head", rng: &rng)
    }

    /// The trained tensors.
    public var parameters: [Variable<T>] { [embedding] + blocks.flatMap(\.parameters) + [finalNorm, head.weight] }

    /// The trained attention and MLP projection matrices: what GaLore projects (the authors' torchrun_main.py: modules
    /// named attn and mlp).
    public var projectionMatrices: [Variable<T>] {
        blocks.flatMap { $0.projections.compactMap(\.weight) }.filter(\.requiresGrad)
    }

    /// Every weight the model holds, trained or frozen.
    public var weightCount: Int {
        parameters.reduce(0) { $0 + $1.value.count }
            + blocks.flatMap(\.projections).reduce(0) { n, p in
                n + (p.weight.map { $0.requiresGrad ? 0 : $0.value.count } ?? 0)
            }
    }

    /// Mean next-token cross-entropy of `tokens` [B, T+1] (inputs are the first T, targets the last T of each row).
    public func loss(tokens: [[Int]]) -> Variable<T> {
        let b = tokens.count, t = tokens[0].count - 1
        let inputs = tokens.flatMap { $0.prefix(t) }, targets = tokens.flatMap { $0.dropFirst() }
        var x = RepriseEngine.embedding(embedding, inputs)
        let rotary = RotaryTable<T>(seqLen: t, headDim: config.dim / config.heads)
        for block in blocks { x = block(x, batch: b, rotary: rotary) }
        return softmaxCrossEntropy(head(rmsNorm(x, gain: finalNorm)), labels: targets)
    }
}

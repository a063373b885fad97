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
        default: return .zeros([fanOut])   // biases start at zero for the other schemes
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

    public init(_ fanIn: Int, _ fanOut: Int, bias: Bool = true, init initializer: Initializer, name: String = "linear", rng: inout RNG) {
        weight = Variable(initializer.weight(fanIn, fanOut, rng: &rng), name: name + ".weight", requiresGrad: true)
        self.bias = bias ? Variable(initializer.bias(fanIn, fanOut, rng: &rng), name: name + ".bias", requiresGrad: true) : nil
        if case let .ntk(beta) = initializer {
            weightScale = 1 / T(fanIn).squareRoot(); biasScale = T(beta)
        } else {
            weightScale = 1; biasScale = 1
        }
    }

    public var parameters: [Variable<T>] { [weight] + (bias.map { [$0] } ?? []) }

    public func callAsFunction(_ x: Variable<T>) -> Variable<T> {
        if weightScale == 1 && biasScale == 1 { return linear(x, weight, bias) }
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

    public init(widths: [Int], activation: Activation = .relu, bias: Bool = true, init initializer: Initializer, rng: inout RNG) {
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
        var h = x
        for (i, layer) in layers.enumerated() {
            h = layer(h)
            if i < layers.count - 1 { h = activation(h) }
        }
        return h
    }
}

/// A small LLaMA-style decoder-only language model (Touvron et al. 2023):
/// pre-RMSNorm blocks of RoPE causal attention and a SwiGLU MLP, residual
/// connections, untied embedding and head, no biases.
public struct LlamaConfig: Sendable {
    public var vocab: Int, dim: Int, layers: Int, heads: Int, hidden: Int
    public init(vocab: Int, dim: Int, layers: Int, heads: Int, hidden: Int) {
        (self.vocab, self.dim, self.layers, self.heads, self.hidden) = (vocab, dim, layers, heads, hidden)
    }
}

public struct DecoderBlock<T: Scalar> {
    public let attnNorm: Variable<T>, mlpNorm: Variable<T>
    public let wq: Linear<T>, wk: Linear<T>, wv: Linear<T>, wo: Linear<T>
    public let w1: Linear<T>, w3: Linear<T>, w2: Linear<T>
    let heads: Int

    init(_ c: LlamaConfig, index: Int, rng: inout RNG) {
        let n = "block\(index)"
        attnNorm = Variable(Tensor(repeating: 1, shape: [c.dim]), name: n + ".attn_norm", requiresGrad: true)
        mlpNorm = Variable(Tensor(repeating: 1, shape: [c.dim]), name: n + ".mlp_norm", requiresGrad: true)
        let i = Initializer.gaussian(std: 0.02)   // GPT-2 / LLaMA reference init
        wq = Linear(c.dim, c.dim, bias: false, init: i, name: n + ".attn.q", rng: &rng)
        wk = Linear(c.dim, c.dim, bias: false, init: i, name: n + ".attn.k", rng: &rng)
        wv = Linear(c.dim, c.dim, bias: false, init: i, name: n + ".attn.v", rng: &rng)
        wo = Linear(c.dim, c.dim, bias: false, init: i, name: n + ".attn.o", rng: &rng)
        w1 = Linear(c.dim, c.hidden, bias: false, init: i, name: n + ".mlp.gate", rng: &rng)
        w3 = Linear(c.dim, c.hidden, bias: false, init: i, name: n + ".mlp.up", rng: &rng)
        w2 = Linear(c.hidden, c.dim, bias: false, init: i, name: n + ".mlp.down", rng: &rng)
        heads = c.heads
    }

    public var parameters: [Variable<T>] {
        [attnNorm, mlpNorm] + [wq, wk, wv, wo, w1, w3, w2].map(\.weight)
    }

    /// x [B·T, C] → [B·T, C].
    func callAsFunction(_ x: Variable<T>, batch: Int, seqLen: Int) -> Variable<T> {
        let dh = x.shape[1] / heads
        let h = rmsNorm(x, gain: attnNorm)
        let q = rope(wq(h), seqLen: seqLen, headDim: dh), k = rope(wk(h), seqLen: seqLen, headDim: dh)
        let a = causalSelfAttention(q: q, k: k, v: wv(h), batch: batch, seqLen: seqLen, heads: heads)
        let x1 = x + wo(a)
        let m = rmsNorm(x1, gain: mlpNorm)
        return x1 + w2(silu(w1(m)) * w3(m))
    }
}

public struct LlamaModel<T: Scalar> {
    public let config: LlamaConfig
    public let embedding: Variable<T>
    public let blocks: [DecoderBlock<T>]
    public let finalNorm: Variable<T>
    public let head: Linear<T>

    public init(_ c: LlamaConfig, rng: inout RNG) {
        config = c
        embedding = Variable(.normal([c.vocab, c.dim], std: 0.02, rng: &rng), name: "embedding", requiresGrad: true)
        blocks = (0..<c.layers).map { DecoderBlock(c, index: $0, rng: &rng) }
        finalNorm = Variable(Tensor(repeating: 1, shape: [c.dim]), name: "final_norm", requiresGrad: true)
        head = Linear(c.dim, c.vocab, bias: false, init: .gaussian(std: 0.02), name: "lm_head", rng: &rng)
    }

    public var parameters: [Variable<T>] { [embedding] + blocks.flatMap(\.parameters) + [finalNorm, head.weight] }

    /// The attention and MLP projection matrices: what GaLore projects (Zhao et al. 2024, §4).
    public var projectionMatrices: [Variable<T>] { blocks.flatMap { b in [b.wq, b.wk, b.wv, b.wo, b.w1, b.w3, b.w2].map(\.weight) } }

    /// Mean next-token cross-entropy of `tokens` [B, T+1] (inputs are the first T, targets the last T of each row).
    public func loss(tokens: [[Int]]) -> Variable<T> {
        let b = tokens.count, t = tokens[0].count - 1
        let inputs = tokens.flatMap { $0.prefix(t) }, targets = tokens.flatMap { $0.dropFirst() }
        var x = RepriseEngine.embedding(embedding, inputs)
        for block in blocks { x = block(x, batch: b, seqLen: t) }
        return softmaxCrossEntropy(head(rmsNorm(x, gain: finalNorm)), labels: targets)
    }
}

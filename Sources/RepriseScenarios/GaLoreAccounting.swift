import RealModule

/// Part 1 of the GaLore replication: the memory of weights and optimizer states, counted from
/// the LLaMA configs the paper trains (the authors' configs/llama_*.json: vocab 32000, SwiGLU,
/// RMSNorm, untied head, no biases). Pure arithmetic; every convention is a parameter here and
/// a line in Replications/galore-memory/README.md.
public struct GaLoreAccounting {
    public struct Model: Sendable {
        public let name: String, dim: Int, hidden: Int, layers: Int, rank: Int
        public static let vocab = 32_000
        /// The seven projection matrices of a block as (rows, cols): attention q, k, v, o; MLP gate, up, down.
        public var matrices: [(Int, Int)] {
            Array(repeating: (dim, dim), count: 4) + Array(repeating: (dim, hidden), count: 3)
        }
        /// Every projection matrix of the model.
        public var projected: Int { layers * matrices.reduce(0) { $0 + $1.0 * $1.1 } }
        /// Embedding, head and the 2L + 1 RMSNorm gains: what GaLore leaves to plain Adam and LoRA trains.
        public var rest: Int { 2 * Self.vocab * dim + (2 * layers + 1) * dim }
        public var parameters: Int { projected + rest }
        /// GaLore state per projected matrix: the projector on the smaller side m and both moments on the larger n, mr
        /// + 2nr.
        public var galoreProjector: Int { layers * matrices.reduce(0) { $0 + min($1.0, $1.1) * rank } }
        public var galoreMoments: Int { layers * matrices.reduce(0) { $0 + 2 * max($1.0, $1.1) * rank } + 2 * rest }
        /// LoRA's or low-rank's two factors per matrix, r(m + n).
        public var adaptors: Int { layers * matrices.reduce(0) { $0 + rank * ($1.0 + $1.1) } }
        /// The largest single gradient alive under per-layer (per-tensor) updates: the embedding or head.
        public var largestTensor: Int { max(Self.vocab * dim, dim * hidden) }
    }

    /// The configs and the ranks of Table 2 (60M-1B) and of the 7B run (the authors' scripts/benchmark_c4/llama_7b.sh).
    public static let models = [
        Model(name: "60M", dim: 512, hidden: 1376, layers: 8, rank: 128),
        Model(name: "130M", dim: 768, hidden: 2048, layers: 12, rank: 256),
        Model(name: "350M", dim: 1024, hidden: 2736, layers: 24, rank: 256),
        Model(name: "1B", dim: 2048, hidden: 5461, layers: 24, rank: 512),
        Model(name: "7B", dim: 4096, hidden: 11008, layers: 32, rank: 1024),
    ]

    public enum Method: String, CaseIterable, Sendable { case full, galore, lowrank, lora }

    /// What LoRA's weights count. `physical`: the frozen original weights and the adaptors, each once.
    /// `appendixC2`: the paper's own rule (App. C.2: at 60M, "42.7M parameters on low-rank adaptors and
    /// 60M parameters on the original weights, resulting in ... 0.20G for weight parameters"), which adds
    /// every trainable parameter (adaptors, embeddings, head, norms) to the original weights.
    public enum Convention: String, Sendable { case physical, appendixC2 }

    /// Table 2's memory column (GB; weights + optimizer states, BF16), 60M / 130M / 350M / 1B.
    public static let table2: [Method: [Double]] = [
        .full: [0.36, 0.76, 2.06, 7.80], .galore: [0.24, 0.52, 1.22, 4.38],
        .lowrank: [0.26, 0.54, 1.08, 3.57], .lora: [0.36, 0.80, 1.76, 6.17],
    ]

    /// App. C.2's Table 6, its split of Table 2's memory: (a) weights, (b) optimizer states,
    /// GB, 60M / 130M / 350M / 1B.
    public static let table6Weights: [Method: [Double]] = [
        .full: [0.12, 0.25, 0.68, 2.60], .galore: [0.12, 0.25, 0.68, 2.60],
        .lowrank: [0.08, 0.18, 0.36, 1.19], .lora: [0.20, 0.44, 1.04, 3.79],
    ]
    public static let table6States: [Method: [Double]] = [
        .full: [0.23, 0.51, 1.37, 5.20], .galore: [0.13, 0.28, 0.54, 1.78],
        .lowrank: [0.17, 0.37, 0.72, 2.38], .lora: [0.17, 0.37, 0.72, 2.38],
    ]

    /// Table 2's validation perplexities at 60M (the normalized state-vs-perplexity figure).
    public static let table2Perplexity60M: [Method: Double] = [
        .full: 34.06, .galore: 34.88, .lowrank: 78.18, .lora: 34.99,
    ]

    /// Table 3 at 7B: memory (GB, weights + optimizer states) and validation perplexity at 150K steps.
    public static let table3 = (
        adam8bit: (memory: 26.0, perplexity: 14.61),
        galore8bit: (memory: 18.0, perplexity: 14.65)
    )

    static let bf16 = 2.0, gigabyte = 1e9

    /// Weight entries: the model's own, or low-rank's factors and the rest; LoRA's under `convention`.
    static func weightEntries(_ m: Model, _ method: Method, _ convention: Convention) -> Int {
        switch method {
        case .full, .galore: return m.parameters
        case .lowrank: return m.adaptors + m.rest
        case .lora: return m.parameters + m.adaptors + (convention == .appendixC2 ? m.rest : 0)
        }
    }

    /// Optimizer-state entries: Adam's two moments of every trained entry; GaLore's projector and low-rank moments.
    static func stateEntries(_ m: Model, _ method: Method) -> Int {
        switch method {
        case .full: return 2 * m.parameters
        case .galore: return m.galoreProjector + m.galoreMoments
        case .lowrank, .lora: return 2 * (m.adaptors + m.rest)
        }
    }

    /// Weights in GB (decimal, the paper's "G"), BF16.
    public static func weights(_ m: Model, _ method: Method, convention: Convention = .physical) -> Double {
        Double(weightEntries(m, method, convention)) * bf16 / gigabyte
    }

    /// Optimizer states in GB, BF16.
    public static func states(_ m: Model, _ method: Method) -> Double {
        Double(stateEntries(m, method)) * bf16 / gigabyte
    }

    /// Weights + optimizer states in GB, every entry BF16, no gradients or activations.
    public static func table2Cell(_ m: Model, _ method: Method, convention: Convention = .physical) -> Double {
        weights(m, method, convention: convention) + states(m, method)
    }

    /// The 7B statements, ours under the conventions stated beside each.
    public struct SevenB: Sendable {
        /// Optimizer states, GaLore vs BF16 Adam (paper: −65.5%).
        public let galoreStateReduction: Double
        /// 8-bit GaLore states vs BF16 Adam states, with the projector kept in BF16 (as the authors'
        /// code holds it) and with every state entry one byte (paper: −82.5%).
        public let galore8bitStateReduction: Double, galore8bitStateReductionAll8bit: Double
        /// BF16 Adam: weights + gradients + states + the paper's own 2 GB of activations (paper: 58 GB).
        public let adamTotal: Double
        /// Table 3: weights + 8-bit states (GaLore's projector in BF16), no gradients (paper: 8-bit Adam 26G, 8-bit
        /// GaLore 18G).
        public let adam8bitTable3: Double, galore8bitTable3: Double
        /// 8-bit GaLore with per-layer updates: weights + 8-bit states (projector BF16) + the largest single
        /// gradient + the paper's 2 GB of activations (paper: 22.0 GB).
        public let galore8bitLayerwise: Double
    }

    public static func sevenB() -> SevenB {
        let m = models.last!, p = Double(m.parameters), adamStates = 2 * p * bf16
        let galoreStates = Double(m.galoreProjector + m.galoreMoments) * bf16
        let galore8bit = Double(m.galoreMoments) + Double(m.galoreProjector) * bf16
        let galore8bitAll = Double(m.galoreMoments + m.galoreProjector)
        return SevenB(
            galoreStateReduction: 1 - galoreStates / adamStates,
            galore8bitStateReduction: 1 - galore8bit / adamStates,
            galore8bitStateReductionAll8bit: 1 - galore8bitAll / adamStates,
            adamTotal: (p * bf16 * 2 + adamStates + 2e9) / gigabyte,
            adam8bitTable3: (p * bf16 + 2 * p) / gigabyte,
            galore8bitTable3: (p * bf16 + galore8bit) / gigabyte,
            galore8bitLayerwise: (p * bf16 + galore8bit + Double(m.largestTensor) * bf16 + 2e9) / gigabyte)
    }
}

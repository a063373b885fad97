import Foundation

/// Timings of the engine's training steps, as ratios to this machine's sgemm
/// peak measured in the same process (absolute times on shared machines are noise).
public enum Benchmarks {
    public struct Result: Sendable, Codable {
        public let name: String
        /// Median wall time of one step (forward, backward, optimizer update), ms.
        public let medianMs: Double
        /// Multiply-add FLOPs of the step's matrix products (2mnk each, forward and backward).
        public let flops: Double
        public var gflops: Double { flops / medianMs / 1e6 }
    }

    /// Median GFLOP/s of a square sgemm of size n.
    public static func sgemmPeak(n: Int = 1024, repeats: Int = 15) -> Double {
        var rng = RNG(seed: 1)
        let a = Tensor<Float>.normal([n, n], rng: &rng), b = Tensor<Float>.normal([n, n], rng: &rng)
        var c = Tensor<Float>.zeros([n, n])
        let ms = medianMs(repeats: repeats) {
            Float.gemm(transA: false, transB: false, m: n, n: n, k: n, alpha: 1, a: a.data, lda: n,
                       b: b.data, ldb: n, beta: 0, c: c.mutableData, ldc: n)
        }
        return 2 * Double(n * n * n) / ms / 1e6
    }

    static func medianMs(repeats: Int, warmup: Int = 3, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return times.sorted()[times.count / 2]
    }

    /// 3 × (forward product FLOPs) for an MLP: one product forward, two backward (the first layer's dx is skipped).
    static func mlpFlops(_ widths: [Int], batch: Int) -> Double {
        let fwd = zip(widths, widths.dropFirst()).reduce(0.0) { $0 + 2 * Double(batch * $1.0 * $1.1) }
        let firstDx = 2 * Double(batch * widths[0] * widths[1])
        return 3 * fwd - firstDx
    }

    static func mlpStep(_ name: String, widths: [Int], batch: Int, bias: Bool, adam: Bool, weightDecay: Double = 0,
                        repeats: Int) -> Result {
        var rng = RNG(seed: 2)
        let model = MLP<Float>(widths: widths, bias: bias, init: .he, rng: &rng)
        let x = Variable(Tensor<Float>.normal([batch, widths[0]], rng: &rng))
        let labels = (0..<batch).map { _ in rng.int(below: widths.last!) }
        let opt: Optimizer<Float> = adam
            ? .adam(model.parameters, lr: 1e-3, beta2: 0.99, weightDecay: weightDecay)
            : .sgd(model.parameters, lr: 0.01)
        let ms = medianMs(repeats: repeats) {
            opt.zeroGrad()
            softmaxCrossEntropy(model(x), labels: labels).backward()
            opt.step()
        }
        return Result(name: name, medianMs: ms, flops: mlpFlops(widths, batch: batch))
    }

    static func llamaStep(repeats: Int) -> Result {
        let c = LlamaConfig(vocab: 256, dim: 128, layers: 4, heads: 4, hidden: 344)
        let (b, t) = (16, 64)
        var rng = RNG(seed: 3)
        let model = LlamaModel<Float>(c, rng: &rng)
        let tokens = (0..<b).map { _ in (0...t).map { _ in rng.int(below: c.vocab) } }
        let opt = Optimizer<Float>.adam(model.parameters, lr: 1e-3, weightDecay: 0.1)
        let ms = medianMs(repeats: repeats) {
            opt.zeroGrad()
            model.loss(tokens: tokens).backward()
            opt.step()
        }
        let n = Double(b * t), d = Double(c.dim)
        let perLayer = 2 * n * d * d * 4 + 2 * n * d * Double(c.hidden) * 3 + 2 * 2 * Double(b * c.heads) * Double(t * t) * d / Double(c.heads)
        let fwd = Double(c.layers) * perLayer + 2 * n * d * Double(c.vocab)
        return Result(name: "LLaMA LM 256/128/4L/4H/344, 16x64 tokens, AdamW", medianMs: ms, flops: 3 * fwd)
    }

    /// The five steps named in the engine issue (those whose name contains `only`, if given).
    /// Only what this process measures: a peer's times come from running the peer, never from the source.
    public static func trainingSteps(repeats: Int = 20, only: String? = nil) -> [Result] {
        let steps: [(String, () -> Result)] = [
            ("MLP 784-256-256-10", { mlpStep("MLP 784-256-256-10, batch 128, SGD", widths: [784, 256, 256, 10], batch: 128, bias: true, adam: false,
                    repeats: repeats * 5) }),
            ("Deep MLP", { mlpStep("Deep MLP 784-(50x20)-10, batch 128, SGD", widths: [784] + Array(repeating: 50, count: 20) + [10], batch: 128,
                    bias: true, adam: false, repeats: repeats * 5) }),
            ("Grokking MLP", { mlpStep("Grokking MLP 226-200-200-113 no bias, batch 5107, AdamW", widths: [226, 200, 200, 113], batch: 5107,
                    bias: false, adam: true, weightDecay: 1, repeats: repeats) }),
            ("Wide MLP", { mlpStep("Wide MLP 784-1024-1024-10, batch 256, Adam", widths: [784, 1024, 1024, 10], batch: 256, bias: true,
                    adam: true, repeats: repeats) }),
            ("LLaMA", { llamaStep(repeats: repeats) }),
        ]
        return steps.filter { only == nil || $0.0.localizedCaseInsensitiveContains(only!) }.map { $0.1() }
    }
}

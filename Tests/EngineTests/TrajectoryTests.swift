import Foundation
import RepriseEngine
import Testing

/// llm.c's check, for each benchmark workload: the losses of its first 10 steps from a fixed seed
/// against golden values (`golden-trajectories.json`, written by `reprise bench --trajectories`
/// under the OpenBLAS kernel `make test` pins). Speed work must not move them by more than the
/// tolerance; a failure prints the first step that differs.
@Suite struct TrajectoryTests {
    /// Float32 training: another CPU's OpenBLAS kernels (Cooperlake instead of the pinned Haswell)
    /// move the 10th loss by 2-4e-7 relative, measured; a changed op or update rule moves it by far more.
    static let tolerance = 1e-5

    @Test func firstTenLossesMatchTheGoldenTrajectories() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "golden-trajectories.json")
        let golden = try JSONDecoder().decode([String: [Double]].self, from: Data(contentsOf: url))
        let measured = Benchmarks.trajectories()
        #expect(Set(measured.map(\.name)) == Set(golden.keys))
        for (name, losses) in measured {
            let want = try #require(golden[name])
            #expect(losses.count == want.count)
            if let step = losses.indices.first(where: { abs(losses[$0] - want[$0]) > Self.tolerance * abs(want[$0]) }) {
                let beyond = "(first difference beyond \(Self.tolerance) relative)"
                Issue.record("\(name): step \(step) loss \(losses[step]), golden \(want[step]) \(beyond)")
            }
        }
    }
}

/// The engine splits products and loops into parts fixed by the sizes and the thread count, each
/// element computed by the same single-threaded code whatever the split: the losses must not
/// move by a bit between one thread and several (OpenBLAS's own threading moved them).
@Suite struct ThreadCountTests {
    @Test func lossesAreTheSameBitsOnOneThreadAndOnSeveral() {
        let one = Benchmarks.trajectories(steps: 4, threads: 1)
        for threads in [2, 3] {
            let several = Benchmarks.trajectories(steps: 4, threads: threads)
            for (a, b) in zip(one, several) {
                #expect(a.name == b.name)
                if let step = a.losses.indices.first(where: { a.losses[$0].bitPattern != b.losses[$0].bitPattern }) {
                    let losses = "loss \(b.losses[step]), one thread \(a.losses[step])"
                    Issue.record("\(a.name), \(threads) threads: step \(step) \(losses)")
                }
            }
        }
    }

    /// The updates split a large tensor over the threads; the reported gradient norm sums the squares
    /// in fixed blocks, added in order, so it is the same bits on any thread count, and the same sum
    /// whether the update's own pass computes it (no transforms) or a pass before the transforms does.
    @Test func theGradientNormIsTheSameBitsOnAnyThreadCountAndPath() {
        var rng = RNG(seed: 4)
        let n = 300_001  // several chunks, a ragged last block, a tail off the SIMD lanes
        let g = Tensor<Float>.normal([n], rng: &rng)
        let noOpClip = [GradientTransform.clipGlobalNorm(1e30)]
        let rules: [(String, ([Variable<Float>]) -> Optimizer<Float>)] = [
            ("adam", { .adam($0, lr: 1e-3) }), ("sgd", { .sgd($0, lr: 1e-3) }),
            ("sgd momentum", { .sgd($0, lr: 1e-3, momentum: 0.9) }),
            ("adam, clipped", { .adam($0, lr: 1e-3, transforms: noOpClip) }),
            ("sgd, clipped", { .sgd($0, lr: 1e-3, transforms: noOpClip) }),
        ]
        var norms: [(String, Double)] = []
        for (name, make) in rules {
            for threads in [1, 2, 3] {
                let w = Variable(Tensor<Float>.zeros([n]), requiresGrad: true)
                w.grad = g
                let opt = make([w])
                Parallel.withThreads(threads) { opt.step() }
                norms.append(("\(name), \(threads) threads", opt.lastGradientNorm))
            }
        }
        #expect(norms.allSatisfy { $0.1.bitPattern == norms[0].1.bitPattern }, "\(norms)")
        #expect(abs(norms[0].1 - Double(g.squaredNorm).squareRoot()) < 1e-4 * norms[0].1)
    }

    /// SGD's update runs in SIMD lanes with a scalar tail: every entry must get the bits of the
    /// scalar formulas, w − lr·(g + wd·w) and, with momentum, b ← μ·b + g + wd·w, w − lr·b.
    @Test func sgdInLanesIsTheScalarFormula() {
        var rng = RNG(seed: 5)
        let n = 70_003  // split over two threads, a tail off the lanes
        let w0 = Tensor<Float>.normal([n], rng: &rng), g = Tensor<Float>.normal([n], rng: &rng)
        let (lr, wd, mu): (Float, Float, Float) = (0.05, 0.01, 0.9)
        for momentum in [false, true] {
            let w = Variable(w0, requiresGrad: true)
            let opt = Optimizer.sgd([w], lr: Double(lr), momentum: momentum ? Double(mu) : 0, weightDecay: Double(wd))
            var b = [Float](repeating: 0, count: n), expected = w0.scalars
            for _ in 0..<2 {
                w.grad = g
                Parallel.withThreads(2) { opt.step() }
                for i in 0..<n {
                    if momentum {
                        b[i] = mu * b[i] + g[flat: i] + wd * expected[i]; expected[i] -= lr * b[i]
                    } else {
                        expected[i] -= lr * (g[flat: i] + wd * expected[i])
                    }
                }
            }
            let differing = (0..<n).filter { w.value[flat: $0].bitPattern != expected[$0].bitPattern }
            #expect(
                differing.isEmpty,
                "momentum \(momentum): \(differing.count) entries differ, first \(differing.first ?? -1)")
        }
    }

    @Test func aSplitProductEqualsTheWholeProduct() {
        var rng = RNG(seed: 9)
        // Odd sizes, either operand transposed: parts of whole row blocks and a ragged last part.
        for (m, n, k, ta, tb) in [
            (517, 203, 131, false, false), (131, 517, 203, true, false), (203, 131, 517, false, true),
            (256, 10, 1024, false, false),
        ] {
            let a = Tensor<Float>.normal(ta ? [k, m] : [m, k], rng: &rng),
                b = Tensor<Float>.normal(tb ? [n, k] : [k, n], rng: &rng)
            var products: [Tensor<Float>] = []
            for threads in [1, 2, 3] {
                var c = Tensor<Float>.zeros([m, n])
                Parallel.withThreads(threads) {
                    Parallel.gemm(
                        transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, a: a.data, lda: a.shape[1], b: b.data,
                        ldb: b.shape[1], beta: 0, c: c.mutableData, ldc: n)
                }
                products.append(c)
            }
            for (threads, split) in zip([2, 3], products.dropFirst()) {
                let differing = (0..<m * n).filter { products[0][flat: $0] != split[flat: $0] }.count
                #expect(
                    differing == 0,
                    "\(m)x\(n)x\(k) transA \(ta) transB \(tb), \(threads) threads: \(differing) entries differ")
            }
        }
    }
}

import RepriseEngine
import Testing

/// The memory-saving optimizers and parametrizations of the GaLore replication: block-wise
/// 8-bit state, GaLore's state size and projection side, LoRA and low-rank layers.
@Suite struct LowMemoryTests {
    @Test func dynamicMapsAsBitsandbytesBuildsThem() {
        let signed = BlockwiseQuantized.dynamicMap(signed: true),
            unsigned = BlockwiseQuantized.dynamicMap(signed: false)
        #expect(signed.count == 256 && unsigned.count == 256)
        #expect(signed == signed.sorted() && unsigned == unsigned.sorted())
        #expect(signed.filter { $0 < 0 }.count == 127 && signed.filter { $0 > 0 }.count == 128)
        // level 6: midpoint of the last of 64 cells on [0.1, 1]
        #expect(signed.first! == -0.99296875 && signed.last! == 1)
        #expect(signed.filter { $0 > 0 }.min()! == Float(0.55e-6))  // level 0: one cell, midpoint 0.55, scaled 1e-6
        #expect(unsigned.allSatisfy { $0 >= 0 } && unsigned.filter { $0 > 0 }.count == 255 && unsigned.last! == 1)
    }

    @Test func blockwiseRoundTripIsWithinHalfAGap() {
        // 5000 entries: two full blocks and a partial one, each with its own absmax.
        var rng = RNG(seed: 60)
        let x = Tensor<Float>.normal([5000], std: 3, rng: &rng)
        var q = BlockwiseQuantized(count: 5000, signed: true)
        var decoded = [Float](repeating: 0, count: 5000)
        for b in 0..<q.blocks { q.encode(block: b, from: x.data + b * BlockwiseQuantized.blockSize) }
        decoded.withUnsafeMutableBufferPointer { out in
            for b in 0..<q.blocks { q.decode(block: b, into: out.baseAddress! + b * BlockwiseQuantized.blockSize) }
        }
        #expect(q.blocks == 3 && q.bytes == 5000 + 3 * 4)
        // The widest gap of the signed map is 0.9/64 (level 6, and from its last midpoint to 1): half of it bounds the
        // error.
        for b in 0..<3 {
            let range = (b * 2048)..<min(5000, (b + 1) * 2048)
            let absmax = range.map { abs(x[flat: $0]) }.max()!
            let worst = range.map { abs(x[flat: $0] - decoded[$0]) }.max()!
            #expect(worst <= absmax * 0.9 / 64 / 2 * 1.0001)
            // The block's largest entry maps to ±1 before scaling: exact if positive, the map's -0.99296875 if
            // negative.
            let top = range.first { abs(x[flat: $0]) == absmax }!
            #expect(decoded[top] == (x[flat: top] > 0 ? absmax : -0.99296875 * absmax))
        }
    }

    @Test(arguments: [true, false])
    func encodingPicksTheNearestCode(_ signed: Bool) {
        // A block whose maximum is 1, so entries are encoded as they are: each must decode to the
        // map value nearest to it (ties to the lower), found here by brute force. Magnitudes are
        // log-uniform over 1e-9...1 so that every level of the map is exercised.
        var rng = RNG(seed: 65)
        let map = BlockwiseQuantized.dynamicMap(signed: signed)
        var x = (0..<2047).map { _ in
            Float(Double.pow(10, -9 * rng.uniform())) * (signed && rng.uniform() < 0.5 ? -1 : 1)
        }
        x += [1]
        x[0] = 0; x[1] = map[200]; x[2] = (map[100] + map[101]) / 2  // an exact code and a midpoint
        var q = BlockwiseQuantized(count: 2048, signed: signed), out = [Float](repeating: 0, count: 2048)
        q.encode(block: 0, from: x)
        out.withUnsafeMutableBufferPointer { q.decode(block: 0, into: $0.baseAddress!) }
        for (v, d) in zip(x, out) {
            let best = map.indices.min { (abs(map[$0] - v), $0) < (abs(map[$1] - v), $1) }!
            #expect(d == map[best], "\(v) decoded to \(d), nearest code \(map[best])")
        }
    }

    @Test func eightBitAdamTracksAdamAndHoldsAQuarterOfTheBytes() {
        // Adam and 8-bit Adam from the same start on the same gradients (a quadratic pulling to a target).
        var rng = RNG(seed: 61)
        let target = Tensor<Float>.normal([3000], rng: &rng), start = Tensor<Float>.normal([3000], rng: &rng)
        let a = Variable(start, requiresGrad: true), b = Variable(start, requiresGrad: true)
        let full = Optimizer<Float>.adam([a], lr: 0.01)
        let quantized = Optimizer<Float>(
            .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0), parameters: [b],
            learningRate: 0.01, statePrecision: .blockwise8bit)
        for _ in 0..<50 {
            for (p, o) in [(a, full), (b, quantized)] {
                o.zeroGrad()
                let d = p - Variable(target)
                sum(d * d).backward()
                o.step()
            }
        }
        // Drift relative to each coordinate's own travel. A typical moment sits at ~1/4 of its block's
        // maximum, where the map's cells are ~1.4% (m) and ~1.2% (v) of the value wide; rounding is
        // deterministic, so the bias repeats every step (measured: median 3.5%, p99 12%, max 56%:
        // second moments decades below the block maximum fall in the map's coarse levels).
        let drift = (0..<3000).map {
            abs(a.value[flat: $0] - b.value[flat: $0]) / abs(a.value[flat: $0] - start[flat: $0])
        }.sorted()
        #expect(drift[1500] < 0.06 && drift[2970] < 0.25)
        #expect(full.stateBytes == 2 * 3000 * 4)
        #expect(quantized.stateBytes == 2 * (3000 + 2 * 4))  // codes + one Float absmax per 2048-entry block, m and v
    }

    @Test func galoreStateOfALlamaIsMrPlus2nrPlusAdamForTheRest() {
        // d = 4r: attention d x d, MLP d x h and h x d; m the smaller side of each projected matrix.
        let (d, h, r, layers, vocab) = (32, 88, 8, 2, 50)
        var rng = RNG(seed: 62)
        let model = LlamaModel<Float>(LlamaConfig(vocab: vocab, dim: d, layers: layers, heads: 2, hidden: h), rng: &rng)
        for p in model.parameters { p.value = .normal(p.shape, std: 0.02, rng: &rng) }
        let opt = Optimizer<Float>.galore(
            model.parameters, projected: model.projectionMatrices, lr: 0.01, GaLoreSettings(rank: r))
        opt.zeroGrad()
        model.loss(tokens: [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]).backward()
        opt.step()
        let perBlock = 4 * (d * r + 2 * d * r) + 3 * (d * r + 2 * h * r)
        let rest = vocab * d * 2 + (2 * layers + 1) * d
        #expect(model.projectionMatrices.count == 7 * layers)
        #expect(opt.stateBytes == (layers * perBlock + 2 * rest) * 4)
        #expect(opt.projectorBytes == layers * (4 * d * r + 3 * d * r) * 4)
        // Under 8-bit moments, only the moments shrink.
        let q = Optimizer<Float>.galore(
            model.parameters, projected: model.projectionMatrices, lr: 0.01, GaLoreSettings(rank: r),
            statePrecision: .blockwise8bit)
        q.step()
        #expect(q.projectorBytes == opt.projectorBytes && q.stateBytes < opt.stateBytes / 2)
    }

    @Test func galoreProjectsTheChosenSideOfASquareMatrix() {
        // With an Adam inner step the two sides give different updates: projecting the input side
        // (rows of our [in, out] weights; the authors' code) keeps the update's columns in the span
        // of G's top-r left singular vectors; the output side (the paper's Alg. 2) keeps its rows in
        // the span of the top-r right ones. Each leaves a residual on the other side.
        let g = randn([6, 6], seed: 63)
        let f = try! svd(g)
        func update(_ side: GaLoreSettings.SquareSide) -> Tensor<Double> {
            let p = parameter(Array(repeating: 0, count: 36), grad: g.scalars, shape: [6, 6])
            Optimizer.galore([p], projected: [p], lr: 1, GaLoreSettings(rank: 2, alpha: 1, squareSide: side)).step()
            return p.value
        }
        func residual(_ delta: Tensor<Double>, left: Bool) -> Double {
            // ‖(I − U_r U_rᵀ) Δ‖ (left) or ‖Δ (I − V_r V_rᵀ)‖ (right), r = 2.
            var worst = 0.0
            for i in 0..<6 {
                for j in 0..<6 {
                    var proj = 0.0
                    for k in 0..<2 {
                        for l in 0..<6 {
                            proj += left ? f.u[i, k] * f.u[l, k] * delta[l, j] : delta[i, l] * f.vt[k, l] * f.vt[k, j]
                        }
                    }
                    worst = max(worst, abs(delta[i, j] - proj))
                }
            }
            return worst
        }
        let input = update(.input), output = update(.output)
        #expect(residual(input, left: true) < 1e-12 && residual(input, left: false) > 1e-3)
        #expect(residual(output, left: false) < 1e-12 && residual(output, left: true) > 1e-3)
    }

    @Test func galoreInnerAdamUsesTheGivenEps() {
        // The authors' GaLoreAdamW defaults to eps 1e-6 where the paper's Adam uses 1e-8; with gradients
        // of size 1e-7 the choice decides the step. Adam's first step moves each projected coordinate by
        // lr·α·R_ij/(|R_ij| + eps), and the back-projection by an orthonormal P keeps the Frobenius norm.
        let g: [Double] = [1e-7, 0, 0, 1e-7]  // G = 1e-7 I: LAPACK's P is ±I, so R = ±1e-7 on the diagonal
        func step(eps: Double) -> Double {
            let p = parameter([0, 0, 0, 0], grad: g, shape: [2, 2])
            Optimizer.galore(
                [p], projected: [p], lr: 1,
                GaLoreSettings(rank: 2, alpha: 1, inner: .adam(beta1: 0.9, beta2: 0.999, eps: eps))
            ).step()
            return (0..<4).reduce(0) { $0 + p.value[flat: $1] * p.value[flat: $1] }.squareRoot()  // ‖ΔW‖_F
        }
        // ‖ΔW‖ = sqrt(2) · 1e-7 / (1e-7 + eps).
        #expect(abs(step(eps: 1e-8) - 2.0.squareRoot() * 1e-7 / 1.1e-7) < 1e-9)
        #expect(abs(step(eps: 1e-6) - 2.0.squareRoot() * 1e-7 / 1.1e-6) < 1e-9)
    }

    @Test func loraAndLowRankCountTheirWeights() {
        let (d, h, r, layers, vocab) = (16, 40, 4, 2, 30)
        var rng = RNG(seed: 64)
        let rest = 2 * vocab * d + (2 * layers + 1) * d
        let adaptors = layers * (4 * r * (d + d) + 3 * r * (d + h)), dense = layers * (4 * d * d + 3 * d * h)
        let lora = LlamaModel<Float>(
            LlamaConfig(
                vocab: vocab, dim: d, layers: layers, heads: 2, hidden: h,
                parametrization: .lora(rank: r, alpha: 32, dropout: 0.1)), rng: &rng)
        let lowRank = LlamaModel<Float>(
            LlamaConfig(
                vocab: vocab, dim: d, layers: layers, heads: 2, hidden: h,
                parametrization: .lowRank(rank: r)), rng: &rng)
        let full = LlamaModel<Float>(LlamaConfig(vocab: vocab, dim: d, layers: layers, heads: 2, hidden: h), rng: &rng)
        func count(_ ps: [Variable<Float>]) -> Int { ps.reduce(0) { $0 + $1.value.count } }
        #expect(count(lora.parameters) == adaptors + rest && lora.weightCount == adaptors + rest + dense)
        #expect(lora.projectionMatrices.isEmpty)  // GaLore has nothing to project in a LoRA model
        #expect(count(lowRank.parameters) == adaptors + rest && lowRank.weightCount == adaptors + rest)
        #expect(count(full.parameters) == dense + rest && full.weightCount == dense + rest)
        // LoRA starts as its frozen dense model: B = 0.
        let tokens = [[1, 2, 3, 4]]
        lora.dropout!.isTraining = false
        let block = lora.blocks[0]
        let x = Variable(Tensor<Float>.normal([3, d], rng: &rng))
        let y = block.wq(x).value, dense0 = matmul(x, block.wq.weight!).value
        for i in 0..<y.count { #expect(y[flat: i] == dense0[flat: i]) }
        #expect(lora.loss(tokens: tokens).value[flat: 0].isFinite)
    }
}

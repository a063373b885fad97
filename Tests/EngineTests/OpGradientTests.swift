import RepriseEngine
import Testing

/// Every op's backward against central finite differences (Float64).
@Suite struct OpGradientTests {
    @Test func linearWithAndWithoutBias() {
        checkGradients([randn([5, 4], seed: 1), randn([4, 3], seed: 2), randn([3], seed: 3)]) { v in
            sum(linear(v[0], v[1], v[2]) * linear(v[0], v[1], v[2]))
        }
        checkGradients([randn([5, 4], seed: 4), randn([4, 3], seed: 5)]) { v in sum(tanh(matmul(v[0], v[1]))) }
    }

    @Test func linearReLU() {
        // Pre-activations offset away from 0 (bias 0.3 where x w is near it) so the kink is not straddled.
        let x = randn([5, 4], seed: 31), w = randn([4, 3], seed: 32)
        var b = randn([3], seed: 33)
        let xw = matmul(Variable(x), Variable(w)).value
        for c in 0..<3 where (0..<5).contains(where: { abs(xw[flat: $0 * 3 + c] + b[flat: c]) < 0.05 }) {
            b[flat: c] += 0.3
        }
        checkGradients([x, w, b]) { v in
            sum(RepriseEngine.linearReLU(v[0], v[1], v[2]) * Variable(randn([5, 3], seed: 34)))
        }
    }

    /// The fused op against relu(linear(·)): the same bits in the value and in every gradient,
    /// Float32, with exact zeros, NaN and negative pre-activations, with and without bias, one
    /// output reaching the loss through a reshape (its gradient is the reshape's own buffer).
    @Test func linearReLUIsReLUOfLinearBitForBit() {
        var rng = RNG(seed: 35)
        var xv = Tensor<Float>.normal([67, 13], rng: &rng)
        for i in stride(from: 0, to: xv.count, by: 7) { xv[flat: i] = 0 }
        xv[flat: 3] = .nan
        let wv = Tensor<Float>.normal([13, 21], rng: &rng), bv = Tensor<Float>.normal([21], rng: &rng)
        let w2v = Tensor<Float>.normal([13, 21], rng: &rng)
        let probe = Variable(Tensor<Float>.normal([67, 21], rng: &rng))
        func run(fused: Bool) -> [Tensor<Float>] {
            let x = Variable(xv, requiresGrad: true), w = Variable(wv, requiresGrad: true),
                b = Variable(bv, requiresGrad: true)
            let w2 = Variable(w2v, requiresGrad: true)
            let (h1, h2) =
                fused
                ? (RepriseEngine.linearReLU(x, w, b), RepriseEngine.linearReLU(x, w2, nil))
                : (relu(linear(x, w, b)), relu(linear(x, w2, nil)))
            let y = reshape(reshape(h1, [21, 67]), [67, 21]) + h2
            sum(y * probe).backward()
            return [y.value, x.grad!, w.grad!, b.grad!, w2.grad!]
        }
        let (fused, plain) = (run(fused: true), run(fused: false))
        for (name, (a, b)) in zip(["y", "dx", "dw", "db", "dw2"], zip(fused, plain)) {
            let differing = (0..<a.count).filter { a[flat: $0].bitPattern != b[flat: $0].bitPattern }
            #expect(differing.isEmpty, "\(name): \(differing.count) of \(a.count) entries differ")
        }
    }

    @Test func positivePartIsReLUsValueInEveryLane() {
        let xs: [Float] = [.nan, -0.0, 0, -.infinity, .infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, -1.5]
        let lanes = Float.positivePart(SIMD8(xs))
        let expected: [Float] = [0, 0, 0, 0, .infinity, .leastNonzeroMagnitude, 0, 0]
        #expect((0..<8).allSatisfy { lanes[$0].bitPattern == expected[$0].bitPattern }, "\(lanes)")
        let ds = Double.positivePart(SIMD8(xs.map(Double.init)))
        #expect((0..<8).allSatisfy { ds[$0].bitPattern == Double(expected[$0]).bitPattern }, "\(ds)")
    }

    @Test func broadcastingArithmetic() {
        let w = randn([4, 3], seed: 9)
        // Same shape, trailing suffix (bias row), column [N, 1], and scalar.
        for bShape in [[4, 3], [3], [4, 1], [1]] {
            checkGradients([randn([4, 3], seed: 6), randn(bShape, seed: 7)]) { v in
                let c = Variable(w)
                return sum((v[0] + v[1]) * c) + sum((v[0] - v[1]) * (v[0] * v[1]))
            }
        }
    }

    @Test func activationsAndScale() {
        // Offset away from 0 so that relu's kink is not straddled by the finite difference.
        var x = randn([6, 5], seed: 10)
        for i in 0..<x.count where abs(x[flat: i]) < 0.05 { x[flat: i] = 0.3 }
        let w = randn([6, 5], seed: 11)
        checkGradients([x]) { v in sum(relu(v[0]) * Variable(w)) }
        checkGradients([x]) { v in sum(tanh(v[0]) * Variable(w)) }
        checkGradients([x]) { v in sum(silu(v[0]) * Variable(w)) }
        checkGradients([x, randn([6, 5], seed: 12)]) { v in sum(swiglu(v[0], v[1]) * Variable(w)) }
        checkGradients([x]) { v in mean(scale(v[0], 2.5) * Variable(w)) }
    }

    @Test func reshapeAndTranspose() {
        let w = randn([3, 8], seed: 13)
        checkGradients([randn([4, 6], seed: 12)]) { v in sum(reshape(transpose(v[0]), [3, 8]) * Variable(w)) }
    }

    @Test func embeddingGather() {
        let w = randn([5, 3], seed: 15)
        checkGradients([randn([4, 3], seed: 14)]) { v in sum(embedding(v[0], [2, 0, 2, 3, 1]) * Variable(w)) }
    }

    @Test func rmsNormAndRope() {
        let w = randn([6, 8], seed: 18)
        checkGradients([randn([6, 8], seed: 16), randn([8], seed: 17)]) { v in
            sum(rmsNorm(v[0], gain: v[1]) * Variable(w))
        }
        checkGradients([randn([6, 8], seed: 19)]) { v in sum(rope(v[0], seqLen: 3, headDim: 4) * Variable(w)) }
    }

    @Test func causalAttention() {
        // B = 2, T = 3, C = 4 with 2 heads.
        let w = randn([6, 4], seed: 23)
        checkGradients([randn([6, 4], seed: 20), randn([6, 4], seed: 21), randn([6, 4], seed: 22)]) { v in
            sum(causalSelfAttention(q: v[0], k: v[1], v: v[2], batch: 2, seqLen: 3, heads: 2) * Variable(w))
        }
    }

    @Test func attentionIsCausal() {
        // The first position can only attend to itself: its output is its own value row.
        let q = Variable(randn([3, 4], seed: 30)), k = Variable(randn([3, 4], seed: 31)),
            v = Variable(randn([3, 4], seed: 32))
        let out = causalSelfAttention(q: q, k: k, v: v, batch: 1, seqLen: 3, heads: 2)
        for j in 0..<4 { #expect(abs(out.value[0, j] - v.value[0, j]) < 1e-12) }
    }

    @Test func losses() {
        let labels = [2, 0, 1, 2]
        checkGradients([randn([4, 3], seed: 24)]) { v in softmaxCrossEntropy(v[0], labels: labels) }
        checkGradients([randn([4, 3], seed: 25, std: 3)]) { v in stableMaxCrossEntropy(v[0], labels: labels) }
        let t = randn([4, 3], seed: 26)
        checkGradients([randn([4, 3], seed: 27)]) { v in meanSquaredError(v[0], t) }
    }

    @Test func softmaxCrossEntropyInFloat64FromFloat32Logits() {
        // log(e^1 + e^2 + e^3) − 3 = 0.40760596…; the float64 path agrees to float32 rounding of the logits only.
        let z = Variable(Tensor<Float>(shape: [1, 3], scalars: [1, 2, 3]), requiresGrad: true)
        let loss = softmaxCrossEntropy(z, labels: [2], precision: .float64)
        #expect(abs(Double(loss.value[flat: 0]) - 0.4076059644443804) < 1e-7)
        loss.backward()
        // d/dz = softmax − onehot.
        let expected: [Float] = [0.09003057, 0.24472847, 0.66524096 - 1]
        for j in 0..<3 { #expect(abs(z.grad![flat: j] - expected[j]) < 1e-6) }
    }

    /// The float64 path from Float logits (grokking's StableMax, as the authors' code computes it) is the
    /// Double computation on the same values, rounded once: loss and every gradient entry. With a large
    /// margin in one row the all-float32 loss differs from it, so the test would see a path left in float32.
    @Test func stableMaxInFloat64FromFloat32Logits() {
        let values: [Float] = [40, -3, 0.5, 1e-3, -0.25, 7]
        let labels = [0, 2]
        let z32 = Variable(Tensor<Float>(shape: [2, 3], scalars: values), requiresGrad: true)
        let z64 = Variable(Tensor<Double>(shape: [2, 3], scalars: values.map(Double.init)), requiresGrad: true)
        let l32 = stableMaxCrossEntropy(z32, labels: labels, precision: .float64)
        let l64 = stableMaxCrossEntropy(z64, labels: labels)
        l32.backward()
        l64.backward()
        #expect(l32.value[flat: 0] == Float(l64.value[flat: 0]))
        for i in 0..<values.count { #expect(z32.grad![flat: i] == Float(z64.grad![flat: i]), "entry \(i)") }
        let native = stableMaxCrossEntropy(Variable(Tensor<Float>(shape: [2, 3], scalars: values)), labels: labels)
        #expect(native.value[flat: 0] != l32.value[flat: 0])
    }

    @Test func stableMaxValue() {
        // s(−1) = 1/2, s(0) = 1, s(2) = 3: p_2 = 3/4.5, loss = −log(2/3).
        let z = Variable(Tensor<Double>(shape: [1, 3], scalars: [-1, 0, 2]))
        #expect(abs(stableMaxCrossEntropy(z, labels: [2]).value[flat: 0] - 0.4054651081081644) < 1e-12)
    }

    @Test(arguments: [Parametrization.dense, .lora(rank: 3, alpha: 32, dropout: 0.25), .lowRank(rank: 3)])
    func llamaModelEndToEnd(_ parametrization: Parametrization) {
        // The whole decoder's gradient on a tiny model, for one parameter matrix of each kind. LoRA's
        // B starts at zero (A's gradient would vanish): it is set to random values first, and the
        // dropout stream is rewound before every forward pass so that all passes share one mask.
        var rng = RNG(seed: 40)
        let model = LlamaModel<Double>(
            LlamaConfig(vocab: 7, dim: 8, layers: 1, heads: 2, hidden: 12, parametrization: parametrization), rng: &rng)
        let tokens = [[1, 4, 2, 6], [0, 3, 3, 5]]
        let block = model.blocks[0]
        var probes = [model.embedding, block.attnNorm]
        if parametrization == .dense {
            probes += [block.wq.weight!, block.w2.weight!]
        } else {
            for p in [block.wq, block.w2] { p.b!.value = randn(p.b!.shape, seed: 41, std: 0.3) }
            probes += [block.wq.a!, block.wq.b!, block.w2.a!, block.w2.b!]
        }
        let mask = model.dropout?.rng
        func loss() -> Variable<Double> {
            if let mask { model.dropout!.rng = mask }
            return model.loss(tokens: tokens)
        }
        loss().backward()
        for p in probes {
            let analytic = p.grad!
            for i in stride(from: 0, to: p.value.count, by: 7) {
                let orig = p.value[flat: i], h = 1e-5
                p.value[flat: i] = orig + h; let up = loss().value[flat: 0]
                p.value[flat: i] = orig - h; let down = loss().value[flat: 0]
                p.value[flat: i] = orig
                let numeric = (up - down) / (2 * h)
                #expect(abs(analytic[flat: i] - numeric) < 1e-7, "\(p.name)[\(i)]: \(analytic[flat: i]) vs \(numeric)")
            }
        }
    }
}

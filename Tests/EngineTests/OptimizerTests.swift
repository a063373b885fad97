import RepriseEngine
import Testing

/// A parameter with a given value and gradient, as an optimizer sees it after backward().
func parameter(_ value: [Double], grad: [Double], shape: [Int]? = nil) -> Variable<Double> {
    let s = shape ?? [value.count]
    let p = Variable(Tensor(shape: s, scalars: value), requiresGrad: true)
    p.zeroGrad()
    let g = Variable(Tensor(shape: s, scalars: grad))
    sum(p * g).backward()  // d/dp Σ p∘g = g
    return p
}

@Suite struct OptimizerTests {
    @Test func sgdAndMomentumByHand() {
        let p = parameter([1, -2], grad: [0.5, 4])
        Optimizer.sgd([p], lr: 0.1).step()
        #expect(p.value.scalars == [0.95, -2.4])

        let q = parameter([1], grad: [2])
        let opt = Optimizer.sgd([q], lr: 0.1, momentum: 0.9)
        opt.step(); opt.step()  // b1 = 2, w = 0.8; b2 = 0.9·2 + 2 = 3.8, w = 0.8 − 0.38
        #expect(abs(q.value[flat: 0] - 0.42) < 1e-12)
        #expect(opt.stateBytes == 8)
    }

    @Test func adamAndAdamWByHand() {
        // First Adam step moves every coordinate by lr·sign(g) (bias-corrected m̂/√v̂ = g/|g|), up to eps.
        let p = parameter([1, -2, 3], grad: [0.5, -4, 1e-3])
        let adam = Optimizer.adam([p], lr: 0.01, eps: 1e-12)
        adam.step()
        for (a, b) in zip(p.value.scalars, [0.99, -1.99, 2.99]) { #expect(abs(a - b) < 1e-9) }
        #expect(adam.stateBytes == 2 * 3 * 8)

        // Second step with a new gradient, against the formulas written out.
        p.zeroGrad(); p.grad![flat: 0] = -1
        adam.step()
        let m = 0.9 * 0.05 + 0.1 * -1.0, v = 0.999 * 0.00025 + 0.001 * 1.0
        let expected = 0.99 - 0.01 * (m / (1 - 0.81)) / ((v / (1 - 0.998001)).squareRoot() + 1e-12)
        #expect(abs(p.value[flat: 0] - expected) < 1e-12)

        // AdamW: decay θ(1 − lr·wd) before the Adam step.
        let w = parameter([2], grad: [1])
        Optimizer.adam([w], lr: 0.1, eps: 0, weightDecay: 0.5).step()
        #expect(abs(w.value[flat: 0] - (2 * 0.95 - 0.1)) < 1e-12)
    }

    @Test func globalNormClipping() {
        let a = parameter([0, 0], grad: [3, 0]), b = parameter([0], grad: [4])
        let opt = Optimizer.sgd([a, b], lr: 0, transforms: [.clipGlobalNorm(1)])
        opt.step()
        #expect(opt.lastGradientNorm == 5)
        #expect(abs(a.grad![flat: 0] - 0.6) < 1e-12 && abs(b.grad![flat: 0] - 0.8) < 1e-12)
    }

    @Test func gradientNoiseVarianceFollowsSchedule() {
        // Variance η/(1+t)^γ, NOT standard deviation: at η = 0.3, γ = 0.55, t = 9 the variance is 0.3/10^0.55 = 0.0845.
        let n = 200_000
        // lr 0: the step leaves θ alone and the gradient buffer holds the noise that step t added.
        let p = parameter([Double](repeating: 0, count: n), grad: [Double](repeating: 0, count: n))
        let opt = Optimizer.sgd([p], lr: 0, transforms: [.gaussianNoise(eta: 0.3, gamma: 0.55, seed: 7)])
        for t in 0..<100 {
            p.zeroGrad()
            opt.step()
            guard [0, 9, 99].contains(t) else { continue }
            let g = p.grad!.scalars
            let mean = g.reduce(0, +) / Double(n)
            let variance = g.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            let expected = 0.3 / Double.pow(1 + Double(t), 0.55)
            // Sample variance of n normals has relative standard error √(2/n) ≈ 0.32%; allow 5 of them.
            #expect(
                abs(variance / expected - 1) < 5 * (2 / Double(n)).squareRoot(), "t=\(t): \(variance) vs \(expected)")
            #expect(abs(mean) < 5 * (expected / Double(n)).squareRoot())
        }
    }

    @Test func perpendicularGradient() {
        let p = parameter([1, 2, 2], grad: [3, 1, -1])
        Optimizer.sgd([p], lr: 0, transforms: [.perpendicular]).step()
        let g = p.grad!.scalars, w = p.value.scalars
        let dot = zip(g, w).reduce(0) { $0 + $1.0 * $1.1 }
        let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(dot) < 1e-12)  // orthogonal to θ
        #expect(abs(norm - (11.0).squareRoot()) < 1e-12)  // ‖g⊥‖ = ‖g‖
    }

    @Test func galoreFullRankWithSGDIsSGD() {
        // r = min(m, n), inner SGD, α = 1: the projection P Pᵀ (or Q Qᵀ) is the identity, so the step is plain SGD.
        for shape in [[4, 3], [3, 5]] {
            let value = randn(shape, seed: 50).scalars, grad = randn(shape, seed: 51).scalars
            let a = parameter(value, grad: grad, shape: shape), b = parameter(value, grad: grad, shape: shape)
            Optimizer.galore(
                [a], projected: [a], lr: 0.1,
                GaLoreSettings(rank: min(shape[0], shape[1]), updateGap: 1, alpha: 1, inner: .sgd)
            ).step()
            Optimizer.sgd([b], lr: 0.1).step()
            for i in 0..<a.value.count { #expect(abs(a.value[flat: i] - b.value[flat: i]) < 1e-12) }
        }
    }

    @Test func galoreLowRankStepLiesInTopSubspaceAndCountsState() throws {
        // m = 6 ≥ n = 4: project right with Q (4 × r); moments are 6 × r. With r = 2:
        // state = 2·6·2 (moments) + 4·2 (Q) = 32 doubles = 256 bytes; full Adam would hold 2·24 = 48 doubles.
        let g = randn([6, 4], seed: 52)
        let p = parameter(randn([6, 4], seed: 53).scalars, grad: g.scalars, shape: [6, 4])
        let before = p.value
        let opt = Optimizer.galore(
            [p], projected: [p], lr: 0.1, GaLoreSettings(rank: 2, updateGap: 200, alpha: 1, inner: .sgd))
        opt.step()
        #expect(opt.stateBytes == 4 * 2 * 8)  // SGD inner: only Q
        // The step −lr·G Q Qᵀ is G's best rank-2 approximation.
        let f = try svd(g)
        for i in 0..<6 {
            for j in 0..<4 {
                var rank2 = 0.0
                for k in 0..<2 { rank2 += f.u[i, k] * f.s[k] * f.vt[k, j] }
                #expect(abs((before[i, j] - p.value[i, j]) - 0.1 * rank2) < 1e-12)
            }
        }
        let adamState = Optimizer.galore([p], projected: [p], lr: 0.1, GaLoreSettings(rank: 2))
        adamState.step()
        #expect(adamState.stateBytes == (2 * 6 * 2 + 4 * 2) * 8)
    }
}

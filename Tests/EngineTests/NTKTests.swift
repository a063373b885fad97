import RepriseEngine
import Testing

@Suite struct NTKTests {
    @Test func analyticLimitMatchesReferenceValues() {
        // papers.md, NTK: depth 4, β = 0.1, ReLU, Θ∞((1,0), (cos γ, sin γ)).
        let reference: [(Double, Double)] = [
            (0, 0.2825), (0.5, 0.2109), (1, 0.1431), (2, 0.0733), (3, 0.0642), (Double.pi, 0.0644),
        ]
        for (g, value) in reference {
            let theta = NTK.reluLimit([1, 0], [Double.cos(g), Double.sin(g)], depth: 4, beta: 0.1).ntk
            #expect(abs(theta - value) < 5e-5, "γ = \(g): \(theta) vs \(value)")
        }
    }

    @Test func factorizedEmpiricalNTKEqualsPerSampleJacobians() {
        // A tiny net (2-5-4-1) in the NTK parametrization: the Gram factorization against
        // Σ_θ ∂f(x_i)/∂θ ∂f(x_j)/∂θ from one autodiff backward pass per sample.
        var rng = RNG(seed: 11)
        let net = MLP<Double>(widths: [2, 5, 4, 1], init: .ntk(beta: 0.1), rng: &rng)
        let x = Tensor<Double>.normal([3, 2], rng: &rng)
        let theta = NTK.empirical(net.layers, x, x)
        var jacobians: [[Double]] = []
        for i in 0..<3 {
            net.parameters.forEach { $0.zeroGrad() }
            sum(net(Variable(x.rows(i..<(i + 1))))).backward()
            jacobians.append(net.parameters.flatMap { $0.grad!.scalars })
        }
        for i in 0..<3 {
            for j in 0..<3 {
                let naive = zip(jacobians[i], jacobians[j]).reduce(0) { $0 + $1.0 * $1.1 }
                #expect(
                    abs(theta[i, j] - naive) < 1e-10 * max(1, abs(naive)), "Θ[\(i),\(j)] = \(theta[i, j]) vs \(naive)")
            }
        }
    }

    @Test func wideNetKernelApproachesTheLimit() {
        // Monte-Carlo check of the link between theory and simulation: the seed mean at width 1024
        // over 8 nets is within 5% of Θ∞ (the seed spread there is ~4%/√8).
        let angles = [0.0, 1.0, 2.5]
        let x0 = Tensor<Double>(shape: [1, 2], scalars: [1, 0]), xs = Synthetic.circle(angles: angles) as Tensor<Double>
        var mean = [Double](repeating: 0, count: angles.count)
        for seed in 0..<8 {
            var rng = RNG(seed: UInt64(100 + seed))
            let net = MLP<Double>(widths: [2, 1024, 1024, 1024, 1], init: .ntk(beta: 0.1), rng: &rng)
            let t = NTK.empirical(net.layers, x0, xs)
            for k in angles.indices { mean[k] += t[0, k] / 8 }
        }
        for (k, g) in angles.enumerated() {
            let limit = NTK.reluLimit([1, 0], [Double.cos(g), Double.sin(g)], depth: 4, beta: 0.1).ntk
            #expect(abs(mean[k] / limit - 1) < 0.05, "γ = \(g): \(mean[k]) vs \(limit)")
        }
    }
}

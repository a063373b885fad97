import RepriseEngine
import Testing

@Suite struct CurvatureTests {
    /// Mean softmax cross-entropy of a linear model (weights [d, c], bias [c]) and its gradient at flat parameters.
    struct SoftmaxRegression {
        let model: MLP<Double>, params: ParameterVector<Double>
        let x: Tensor<Double>, labels: [Int]

        init(n: Int, d: Int, c: Int, seed: UInt64) {
            var rng = RNG(seed: seed)
            model = MLP<Double>(widths: [d, c], init: .gaussian(std: 0.5), rng: &rng)
            params = ParameterVector(model.parameters)
            x = .normal([n, d], rng: &rng)
            labels = (0..<n).map { _ in rng.int(below: c) }
        }

        func gradient(_ w: [Double]) -> [Double] {
            params.set(w)
            for p in params.parameters { p.zeroGrad() }
            softmaxCrossEntropy(model(Variable(x)), labels: labels).backward()
            return params.gradient
        }
    }

    /// H = mean over examples of (diag(p) − p pᵀ) ⊗ x̃ x̃ᵀ, x̃ = [x, 1]: the analytic Hessian of softmax
    /// regression, against which the finite-difference Hessian-vector product is checked.
    @Test func hessianVectorProductMatchesTheAnalyticHessianOfSoftmaxRegression() {
        let (n, d, c) = (40, 6, 4)
        let problem = SoftmaxRegression(n: n, d: d, c: c, seed: 3)
        let w = problem.params.values
        let logits = problem.model(Variable(problem.x)).value
        let dim = (d + 1) * c
        func index(_ a: Int, _ j: Int) -> Int { a < d ? a * c + j : d * c + j }  // W[a, j] then b[j]
        var h = [Double](repeating: 0, count: dim * dim)
        for i in 0..<n {
            let row = (0..<c).map { logits[i, $0] }, m = row.max()!
            let e = row.map { Double.exp($0 - m) }, s = e.reduce(0, +), p = e.map { $0 / s }
            let xt = (0..<d).map { problem.x[i, $0] } + [1]
            for a in 0...d {
                for b in 0...d {
                    for j in 0..<c {
                        for k in 0..<c {
                            h[index(a, j) * dim + index(b, k)] +=
                                xt[a] * xt[b] * ((j == k ? p[j] : 0) - p[j] * p[k]) / Double(n)
                        }
                    }
                }
            }
        }
        var rng = RNG(seed: 9)
        for _ in 0..<3 {
            let v = (0..<dim).map { _ in rng.normal() }
            let exact = (0..<dim).map { r in (0..<dim).reduce(0.0) { $0 + h[r * dim + $1] * v[$1] } }
            let fd = Curvature.hessianVectorProduct(at: w, v, gradient: problem.gradient)
            #expect(relativeError(fd, exact) < 1e-7, "central differences: relative error \(relativeError(fd, exact))")
            problem.params.set(w)  // the difference quotient left the weights at w - h v
            let r = Curvature.mlpHessianVectorProduct(problem.model, problem.x, labels: problem.labels, v)
            #expect(relativeError(r.hv, exact) < 1e-12, "R-operator: relative error \(relativeError(r.hv, exact))")
            #expect(relativeError(r.gradient, problem.gradient(w)) < 1e-12)
        }
    }

    func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / b.map { $0 * $0 }.reduce(0, +).squareRoot()
    }

    /// Through hidden ReLU layers the R-operator agrees with central differences of autodiff gradients
    /// (a small net and a tiny step, so no unit crosses its kink) and its gradient with autodiff's.
    @Test func rOperatorMatchesCentralDifferencesThroughHiddenLayers() {
        var rng = RNG(seed: 13)
        let model = MLP<Double>(widths: [5, 7, 6, 3], init: .gaussian(std: 0.6), rng: &rng)
        for p in model.parameters where p.name.hasSuffix("bias") { p.value = .normal(p.shape, std: 0.3, rng: &rng) }
        let x = Tensor<Double>.normal([12, 5], rng: &rng), labels = (0..<12).map { _ in rng.int(below: 3) }
        let params = ParameterVector(model.parameters), w = params.values
        func gradient(_ at: [Double]) -> [Double] {
            params.set(at)
            for p in model.parameters { p.zeroGrad() }
            softmaxCrossEntropy(model(Variable(x)), labels: labels).backward()
            return params.gradient
        }
        for _ in 0..<3 {
            let v = (0..<params.count).map { _ in rng.normal() }
            let fd = Curvature.hessianVectorProduct(at: w, v, relativeStep: 1e-6, gradient: gradient)
            params.set(w)
            let r = Curvature.mlpHessianVectorProduct(model, x, labels: labels, v)
            #expect(relativeError(r.hv, fd) < 1e-6, "relative error \(relativeError(r.hv, fd))")
            #expect(relativeError(r.gradient, gradient(w)) < 1e-12)
        }
    }

    @Test func lanczosFindsTheTopOfADenseSpectrum() throws {
        let n = 80
        var rng = RNG(seed: 5)
        let g = Tensor<Double>.normal([n, n], rng: &rng)
        var a = Tensor<Double>.zeros([n, n])
        for i in 0..<n { for j in 0..<n { a[i, j] = (g[i, j] + g[j, i]) / 2 } }
        a[0, 0] += 25  // an outlier, as Hessians have
        let (values, vectors) = try symmetricEigen(a)
        let (ritz, top) = try Curvature.lanczos(dimension: n, iterations: 30, rng: &rng) { v in
            (0..<n).map { i in (0..<n).reduce(0.0) { $0 + a[i, $1] * v[$1] } }
        }
        #expect(abs(ritz[0] - values[n - 1]) < 1e-9 * abs(values[n - 1]), "\(ritz[0]) vs \(values[n - 1])")
        let exactTop = (0..<n).map { vectors[n - 1, $0] }
        let cosine = Curvature.dot(top, exactTop) / Curvature.dot(top, top).squareRoot()
        #expect(abs(abs(cosine) - 1) < 1e-8)
        // The second Ritz value is near the second eigenvalue: the bulk edge, not a spurious copy of the first.
        #expect(abs(ritz[1] - values[n - 2]) < 0.05 * abs(values[n - 2]) && ritz[1] < ritz[0] - 1)
    }

    @Test func perExampleGradientNormsMatchOneExampleAtATime() {
        var rng = RNG(seed: 11)
        let model = MLP<Double>(widths: [5, 7, 6, 3], init: .gaussian(std: 0.6), rng: &rng)
        for p in model.parameters where p.name.hasSuffix("bias") { p.value = .normal(p.shape, std: 0.3, rng: &rng) }
        let x = Tensor<Double>.normal([9, 5], rng: &rng), labels = (0..<9).map { _ in rng.int(below: 3) }
        let norms = Curvature.perExampleGradientSquaredNorms(model, x, labels: labels)
        let params = ParameterVector(model.parameters)
        for i in 0..<9 {
            for p in model.parameters { p.zeroGrad() }
            softmaxCrossEntropy(model(Variable(x.rows(i..<(i + 1)))), labels: [labels[i]]).backward()
            let g = params.gradient, exact = Curvature.dot(g, g)
            #expect(abs(norms[i] - exact) < 1e-12 * max(1, exact), "example \(i): \(norms[i]) vs \(exact)")
        }
    }
}

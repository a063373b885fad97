import RealModule

/// Neural tangent kernels of fully connected ReLU nets in the NTK
/// parametrization (Jacot, Gabriel & Hongler 2018): h^(l+1) = W^(l) a^(l)/√n_l + β b^(l),
/// every parameter N(0, 1), scalar output, `depth` weight layers.
public enum NTK {
    /// The infinite-width limits for inputs x, y (Jacot et al. 2018, Sec. 4 and App. A):
    /// Σ¹ = x·y/n₀ + β², Θ¹ = Σ¹; Σ^(l+1) = E[relu(u) relu(v)] + β², Θ^(l+1) = Θ^l Σ̇^(l+1) + Σ^(l+1),
    /// Σ̇^(l+1) = E[relu'(u) relu'(v)], with (u, v) ~ N(0, Σ^l). The expectations are the
    /// arc-cosine kernels (Cho & Saul 2009): with ρ = Σ_xy/√(Σ_xx Σ_yy), θ = arccos ρ,
    /// E[relu relu] = √(Σ_xx Σ_yy)(sin θ + (π − θ) cos θ)/2π and E[relu' relu'] = (π − θ)/2π.
    public static func reluLimit(_ x: [Double], _ y: [Double], depth: Int, beta: Double) -> (nngp: Double, ntk: Double)
    {
        require(x.count == y.count && depth >= 1)
        let n0 = Double(x.count), b2 = beta * beta
        var sxx = zip(x, x).reduce(0) { $0 + $1.0 * $1.1 } / n0 + b2
        var syy = zip(y, y).reduce(0) { $0 + $1.0 * $1.1 } / n0 + b2
        var sxy = zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } / n0 + b2
        var theta = sxy
        for _ in 1..<depth {
            let norm = (sxx * syy).squareRoot()
            let angle = Double.acos(min(1, max(-1, sxy / norm)))
            let expected = norm * (Double.sin(angle) + (Double.pi - angle) * Double.cos(angle)) / (2 * Double.pi)
            let derivative = (Double.pi - angle) / (2 * Double.pi)
            sxy = expected + b2
            sxx = sxx / 2 + b2  // E[relu(u)²] = Σ_xx / 2
            syy = syy / 2 + b2
            theta = theta * derivative + sxy
        }
        return (sxy, theta)
    }

    /// The limiting NTK Gram matrix Θ∞(X, Y) [N, M] for rows of X [N, n₀] and Y [M, n₀].
    public static func reluLimit(_ x: Tensor<Double>, _ y: Tensor<Double>, depth: Int, beta: Double) -> Tensor<Double> {
        let (n, m, d) = (x.shape[0], y.shape[0], x.shape[1])
        var out = Tensor<Double>(uninitializedShape: [n, m])
        for i in 0..<n {
            let xi = Array(UnsafeBufferPointer(start: x.data + i * d, count: d))
            for j in 0..<m {
                out[i, j] =
                    reluLimit(xi, Array(UnsafeBufferPointer(start: y.data + j * d, count: d)), depth: depth, beta: beta)
                    .ntk
            }
        }
        return out
    }

    /// Pre-activations h_l and activations a_l of every layer for inputs x, and the per-sample
    /// backpropagated output gradients δ_l = ∂f/∂h_l (each row one sample; no summing over the batch).
    static func activationsAndDeltas<T: Scalar>(
        _ layers: [Linear<T>], _ x: Tensor<T>
    ) -> (inputs: [Tensor<T>], deltas: [Tensor<T>]) {
        var inputs: [Tensor<T>] = [], pre: [Tensor<T>] = []
        var a = x
        for (l, layer) in layers.enumerated() {
            inputs.append(a)
            var h = matmul(a, layer.weight.value)
            let hp = h.mutableData, o = h.shape[1]
            let bias = layer.bias?.value.data
            for i in 0..<h.count { hp[i] = hp[i] * layer.weightScale + (bias.map { layer.biasScale * $0[i % o] } ?? 0) }
            pre.append(h)
            if l < layers.count - 1 {
                a = h
                let ap = a.mutableData
                for i in 0..<a.count where ap[i] < 0 { ap[i] = 0 }
            }
        }
        require(pre.last!.shape[1] == 1, "the NTK here is for a scalar output")
        var deltas = [Tensor<T>](repeating: Tensor<T>(repeating: 1, shape: [x.shape[0], 1]), count: layers.count)
        for l in stride(from: layers.count - 2, through: 0, by: -1) {
            // δ_l = (δ_(l+1) W_(l+1)ᵀ · s_(l+1)) ∘ relu'(h_l), s the forward weight scale.
            var d = matmul(deltas[l + 1], layers[l + 1].weight.value, transB: true)
            let dp = d.mutableData, hp = pre[l].data, s = layers[l + 1].weightScale
            for i in 0..<d.count { dp[i] = hp[i] > 0 ? dp[i] * s : 0 }
            deltas[l] = d
        }
        return (inputs, deltas)
    }

    /// The empirical NTK Θ(X, Y) = Σ_θ ∂f(x)/∂θ ∂f(y)/∂θ of a finite net, factorized layer by layer:
    /// for layer l, ∂f/∂W_l = s_l a_(l−1) δ_lᵀ and ∂f/∂b_l = β δ_l, so its share is
    /// (s_l² A_(l−1)(X) A_(l−1)(Y)ᵀ + β²) ∘ (Δ_l(X) Δ_l(Y)ᵀ): two Gram products per layer, no per-sample Jacobian.
    public static func empirical<T: Scalar>(_ layers: [Linear<T>], _ x: Tensor<T>, _ y: Tensor<T>) -> Tensor<T> {
        let (ax, dx) = activationsAndDeltas(layers, x), (ay, dy) = activationsAndDeltas(layers, y)
        var theta = Tensor<T>.zeros([x.shape[0], y.shape[0]])
        let tp = theta.mutableData
        for (l, layer) in layers.enumerated() {
            let inputGram = matmul(ax[l], ay[l], transB: true), deltaGram = matmul(dx[l], dy[l], transB: true)
            let ig = inputGram.data, dg = deltaGram.data
            let s2 = layer.weightScale * layer.weightScale,
                b2 = layer.bias == nil ? T(0) : layer.biasScale * layer.biasScale
            for i in 0..<theta.count { tp[i] += (s2 * ig[i] + b2) * dg[i] }
        }
        return theta
    }
}

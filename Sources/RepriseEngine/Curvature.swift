import Foundation

/// Curvature of a loss in its parameters, treated as one flat vector: Hessian-vector
/// products by central differences of gradients, the top of the spectrum by Lanczos,
/// and per-example gradient norms of an MLP (for the gradient noise scale).

/// A model's parameters as one vector of `Double`s, in the order of `parameters`.
public struct ParameterVector<T: Scalar> {
    public let parameters: [Variable<T>]
    public let count: Int

    public init(_ parameters: [Variable<T>]) {
        self.parameters = parameters
        count = parameters.reduce(0) { $0 + $1.value.count }
    }

    public var values: [Double] {
        var out: [Double] = []
        out.reserveCapacity(count)
        for p in parameters { for i in 0..<p.value.count { out.append(Double(p.value[flat: i])) } }
        return out
    }

    public func set(_ x: [Double]) {
        require(x.count == count, "\(x.count) values for \(count) parameters")
        var k = 0
        for p in parameters {
            let d = p.value.mutableData
            for i in 0..<p.value.count { d[i] = T(x[k]); k += 1 }
        }
    }

    /// The parameters' gradients, zeros where none was computed.
    public var gradient: [Double] {
        var out: [Double] = []
        out.reserveCapacity(count)
        for p in parameters {
            if let g = p.grad {
                for i in 0..<g.count { out.append(Double(g[flat: i])) }
            } else {
                out.append(contentsOf: repeatElement(0, count: p.value.count))
            }
        }
        return out
    }
}

public enum Curvature {
    /// H v ≈ (∇L(w + h v) − ∇L(w − h v)) / 2h with h = `relativeStep` / |v|, so the probe moves the
    /// weights by `relativeStep` in norm whatever |v| is. The error is O(h²) from the third derivative
    /// plus O(ε/h) from rounding; in float64 with h ~ 1e-5 both are below 1e-8 relative for the nets
    /// here (tested against an analytic Hessian). `gradient` evaluates ∇L at a parameter vector.
    public static func hessianVectorProduct(
        at w: [Double], _ v: [Double], relativeStep: Double = 1e-5,
        gradient: ([Double]) -> [Double]
    ) -> [Double] {
        require(w.count == v.count)
        let norm = dot(v, v).squareRoot()
        guard norm > 0 else { return [Double](repeating: 0, count: w.count) }
        let h = relativeStep / norm
        let plus = gradient(zip(w, v).map { $0 + h * $1 }), minus = gradient(zip(w, v).map { $0 - h * $1 })
        return zip(plus, minus).map { ($0 - $1) / (2 * h) }
    }

    /// The largest eigenvalues of a symmetric operator by `iterations` Lanczos steps from a random
    /// start, reorthogonalizing every new vector against all earlier ones twice ("twice is enough",
    /// Parlett 1998, Sec. 6.9), so no spurious copies of converged eigenvalues appear. Returns the
    /// Ritz values, largest first, and the Ritz vector of the largest.
    public static func lanczos(
        dimension n: Int, iterations: Int, rng: inout RNG,
        multiply: ([Double]) -> [Double]
    ) throws -> (values: [Double], topVector: [Double]) {
        require(n > 0 && iterations > 0)
        let k = min(iterations, n)
        var q = (0..<n).map { _ in rng.normal() }
        scaleInPlace(&q, 1 / dot(q, q).squareRoot())
        var basis: [[Double]] = [], alpha: [Double] = [], beta: [Double] = []
        for j in 0..<k {
            basis.append(q)
            var w = multiply(q)
            alpha.append(dot(q, w))
            for _ in 0..<2 { for b in basis { axpy(-dot(b, w), b, &w) } }
            let next = dot(w, w).squareRoot()
            // An invariant subspace was found: its Ritz values are exact.
            if j == k - 1 || next <= 1e-12 * abs(alpha[j]) { break }
            beta.append(next)
            q = w
            scaleInPlace(&q, 1 / next)
        }
        let m = alpha.count
        var t = Tensor<Double>.zeros([m, m])
        for i in 0..<m {
            t[i, i] = alpha[i]
            if i + 1 < m { t[i, i + 1] = beta[i]; t[i + 1, i] = beta[i] }
        }
        let (values, vectors) = try symmetricEigen(t)  // ascending; eigenvectors as rows
        var top = [Double](repeating: 0, count: n)
        for i in 0..<m { axpy(vectors[m - 1, i], basis[i], &top) }
        return (values.reversed(), top)
    }

    public static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        for i in x.indices { y[i] += alpha * x[i] }
    }

    static func scaleInPlace(_ x: inout [Double], _ s: Double) {
        for i in x.indices { x[i] *= s }
    }

    /// The exact Hessian-vector product of the mean softmax cross-entropy of a ReLU MLP with biases
    /// over the rows of `x`, by Pearlmutter's R-operator (1994): one forward pass carrying the
    /// directional derivative R{·} = d/dt (·)(w + t v) beside every activation, and one backward
    /// pass carrying R{δ} beside every δ. ReLU's second derivative is zero wherever it exists, so
    /// the activation pattern is held fixed: this is the Hessian almost everywhere, the one double
    /// backprop gives. Central differences of gradients are not: a probe step that moves a unit
    /// across its kink adds a jump of order 1/h to the quotient, and over 10⁷ pre-activations some
    /// always cross. `v` is in the order of `model.parameters`; returns (∇L, H v) in that order.
    public static func mlpHessianVectorProduct(
        _ model: MLP<Double>, _ x: Tensor<Double>, labels: [Int],
        _ v: [Double]
    ) -> (gradient: [Double], hv: [Double]) {
        let n = x.shape[0], layers = model.layers.count
        let (acts, z) = reluForward(model, x)  // checks the model is a plain ReLU MLP with biases
        // Split v into per-layer directions (V_l, vb_l) in the order of `parameters` (weight, bias per layer).
        var vw: [Tensor<Double>] = [], vb: [Tensor<Double>] = []
        var k = 0
        for layer in model.layers {
            let ws = layer.weight.value.shape, bs = layer.bias!.value.shape
            vw.append(Tensor(shape: ws, scalars: Array(v[k..<(k + ws[0] * ws[1])]))); k += ws[0] * ws[1]
            vb.append(Tensor(shape: bs, scalars: Array(v[k..<(k + bs[0])]))); k += bs[0]
        }
        require(k == v.count, "direction of \(v.count) values for \(k) parameters")
        func add(_ a: inout Tensor<Double>, _ b: Tensor<Double>) {
            let d = a.mutableData, s = b.data
            for i in 0..<a.count { d[i] += s[i] }
        }
        // R{a_l} along the forward pass; the stored a_l > 0 is the ReLU mask.
        var racts: [Tensor<Double>] = [Tensor.zeros(x.shape)], rz = x
        for l in 0..<layers {
            rz = matmul(acts[l], vw[l]); addBias(&rz, vb[l])
            if l > 0 { add(&rz, matmul(racts[l], model.layers[l].weight.value)) }
            if l < layers - 1 {
                let mask = acts[l + 1].data, rd = rz.mutableData
                for i in 0..<rz.count where mask[i] <= 0 { rd[i] = 0 }
                racts.append(rz)
            }
        }
        // Output: δ = (p − y)/n and R{δ} = (diag p − p pᵀ) R{z} / n, row by row.
        var delta = softmaxRows(z), rdelta = rz
        let c = z.shape[1], dd = delta.mutableData, rdd = rdelta.mutableData
        for i in 0..<n {
            let row = dd + i * c, rrow = rdd + i * c
            var pr = 0.0
            for j in 0..<c { pr += row[j] * rrow[j] }
            for j in 0..<c { rrow[j] = row[j] * (rrow[j] - pr) / Double(n) }
            row[labels[i]] -= 1
            for j in 0..<c { row[j] /= Double(n) }
        }
        // Backward: per layer, ∇W = aᵀδ, R{∇W} = R{a}ᵀδ + aᵀR{δ}; then δ and R{δ} of the layer below.
        var grads: [[Double]] = [], hvs: [[Double]] = []
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let w = model.layers[l].weight.value
            let gw = matmul(acts[l], delta, transA: true)
            var hw = matmul(acts[l], rdelta, transA: true)
            if l > 0 { add(&hw, matmul(racts[l], delta, transA: true)) }
            let out = delta.shape[1]
            var gb = [Double](repeating: 0, count: out), hb = [Double](repeating: 0, count: out)
            for i in 0..<n {
                for j in 0..<out { gb[j] += delta[flat: i * out + j]; hb[j] += rdelta[flat: i * out + j] }
            }
            grads.insert(gw.scalars + gb, at: 0); hvs.insert(hw.scalars + hb, at: 0)
            guard l > 0 else { break }
            var below = matmul(delta, w, transB: true), rbelow = matmul(rdelta, w, transB: true)
            add(&rbelow, matmul(delta, vw[l], transB: true))
            let mask = acts[l].data, bd = below.mutableData, rbd = rbelow.mutableData
            for i in 0..<below.count where mask[i] <= 0 { bd[i] = 0; rbd[i] = 0 }
            delta = below; rdelta = rbelow
        }
        return (grads.flatMap { $0 }, hvs.flatMap { $0 })
    }

    /// Per-example squared gradient norms of the mean softmax cross-entropy of a ReLU MLP with
    /// biases, for each row of `x`, without forming any per-example gradient: a linear layer's
    /// per-example gradient is the outer product δᵢ aᵢᵀ, whose squared norm is |δᵢ|²(|aᵢ|² + 1)
    /// with the bias (Goodfellow 2015). Each is the gradient of example i's own loss (not divided
    /// by the batch size); the mean gradient comes from the ordinary backward pass.
    public static func perExampleGradientSquaredNorms(
        _ model: MLP<Double>, _ x: Tensor<Double>, labels: [Int]
    ) -> [Double] {
        let n = x.shape[0]
        let (inputs, logits) = reluForward(model, x)
        // δ at the logits: softmax − one-hot, per example.
        var delta = softmaxRows(logits)
        let classes = delta.shape[1], dd = delta.mutableData
        for i in 0..<n { dd[i * classes + labels[i]] -= 1 }
        var norms = [Double](repeating: 0, count: n)
        for l in stride(from: model.layers.count - 1, through: 0, by: -1) {
            let a = inputs[l], width = a.shape[1], outWidth = delta.shape[1], ap = a.data, dp = delta.data
            for i in 0..<n {
                var da = 0.0, aa = 1.0
                for j in 0..<outWidth { da += dp[i * outWidth + j] * dp[i * outWidth + j] }
                for j in 0..<width { aa += ap[i * width + j] * ap[i * width + j] }
                norms[i] += da * aa
            }
            guard l > 0 else { break }
            var back = matmul(delta, model.layers[l].weight.value, transB: true)
            let bd = back.mutableData, ad = a.data
            // ReLU'(z) = 1 where the stored activation is positive
            for i in 0..<back.count where ad[i] <= 0 { bd[i] = 0 }
            delta = back
        }
        return norms
    }

    /// The forward pass of a plain ReLU MLP with biases: every layer's input (x, then each hidden
    /// activation, whose positive entries are the ReLU mask) and the logits.
    static func reluForward(
        _ model: MLP<Double>, _ x: Tensor<Double>
    ) -> (inputs: [Tensor<Double>], logits: Tensor<Double>) {
        require(
            model.activation == .relu
                && model.layers.allSatisfy { $0.bias != nil && $0.weightScale == 1 && $0.biasScale == 1 },
            "curvature tools are implemented for plain ReLU MLPs with biases")
        var inputs: [Tensor<Double>] = [x]
        var z = x
        for (l, layer) in model.layers.enumerated() {
            z = matmul(inputs[l], layer.weight.value)
            addBias(&z, layer.bias!.value)
            if l < model.layers.count - 1 {
                let d = z.mutableData
                for i in 0..<z.count where d[i] <= 0 { d[i] = 0 }
                inputs.append(z)
            }
        }
        return (inputs, z)
    }

    static func addBias(_ z: inout Tensor<Double>, _ b: Tensor<Double>) {
        let w = z.shape[1], d = z.mutableData, bp = b.data
        for i in 0..<z.shape[0] { for j in 0..<w { d[i * w + j] += bp[j] } }
    }

    /// Row-wise softmax, stabilized by the row maximum.
    static func softmaxRows(_ z: Tensor<Double>) -> Tensor<Double> {
        var p = z
        let c = z.shape[1], d = p.mutableData
        for i in 0..<z.shape[0] {
            let row = d + i * c
            var m = -Double.infinity
            for j in 0..<c { m = max(m, row[j]) }
            var s = 0.0
            for j in 0..<c { row[j] = exp(row[j] - m); s += row[j] }
            for j in 0..<c { row[j] /= s }
        }
        return p
    }
}

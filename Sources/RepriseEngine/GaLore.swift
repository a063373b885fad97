import RealModule

/// GaLore (Zhao et al. 2024, Alg. 2 and the authors' code): for each projected
/// weight matrix with gradient G (m × n), every `updateGap` steps (0, T, 2T, …)
/// take the SVD of the current G and keep r singular vectors of the SMALLER
/// side: if m ≥ n, Q = first r right singular vectors (n × r) and R = G Q;
/// otherwise P = first r left singular vectors (m × r) and R = Pᵀ G. The inner
/// optimizer's state lives in R's shape and is NOT re-projected when the
/// subspace changes. The update is α · (back-projected direction), with
/// decoupled weight decay. Parameters not in `projected` take the plain inner step.
public final class GaLore<T: Scalar>: Optimizer<T> {
    public enum Inner: Sendable { case adam(beta1: Double, beta2: Double, eps: Double), sgd }

    public let rank: Int, updateGap: Int, alpha: Double, weightDecay: Double, inner: Inner

    /// Per parameter: the projector (P: m × r, or Q: n × r) or nil for a plain step.
    private var projectors: [Tensor<T>?]
    private var projectRight: [Bool]
    private var m: [Tensor<T>], v: [Tensor<T>]
    private let isProjected: [Bool]

    public init(parameters: [Variable<T>], projected: [Variable<T>], learningRate: Double, rank: Int,
                updateGap: Int = 200, alpha: Double = 0.25, weightDecay: Double = 0,
                inner: Inner = .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8)) {
        let ids = Set(projected.map(ObjectIdentifier.init))
        isProjected = parameters.map { ids.contains(ObjectIdentifier($0)) && $0.value.rank == 2 }
        (self.rank, self.updateGap, self.alpha, self.weightDecay, self.inner) = (rank, updateGap, alpha, weightDecay, inner)
        projectors = Array(repeating: nil, count: parameters.count)
        projectRight = parameters.map { $0.value.rank == 2 && $0.shape[0] >= $0.shape[1] }
        // Moments in the low-rank shape for projected matrices, full shape otherwise.
        let stateShapes: [[Int]] = zip(parameters, isProjected).map { p, proj in
            guard proj else { return p.shape }
            let (rows, cols) = (p.shape[0], p.shape[1]), r = min(rank, rows, cols)
            return rows >= cols ? [rows, r] : [r, cols]
        }
        if case .adam = inner {
            m = stateShapes.map { .zeros($0) }
            v = stateShapes.map { .zeros($0) }
        } else { m = []; v = [] }
        super.init(parameters: parameters, learningRate: learningRate)
    }

    public override func update() {
        for (k, p) in parameters.enumerated() where p.grad != nil {
            var g = p.grad!
            if isProjected[k] {
                if stepCount % updateGap == 0 { refreshProjector(k, gradient: g) }
                let proj = projectors[k]!
                g = projectRight[k] ? matmul(g, proj) : matmul(proj, g, transA: true)
            }
            let direction = innerDirection(k, g)
            let full = !isProjected[k] ? direction
                : projectRight[k] ? matmul(direction, projectors[k]!, transB: true) : matmul(projectors[k]!, direction)
            // Only projected matrices take GaLore's scale α; the rest take the plain inner step.
            let lr = T(learningRate * (isProjected[k] ? alpha : 1)), decay = T(1 - learningRate * weightDecay)
            let w = p.value.mutableData, d = full.data
            for i in 0..<p.value.count { w[i] = w[i] * decay - lr * d[i] }
        }
    }

    private func refreshProjector(_ k: Int, gradient g: Tensor<T>) {
        guard let f = try? svd(g) else { return }    // keep the previous subspace if LAPACK fails
        let r = min(rank, f.s.count)
        if projectRight[k] {
            // Q = first r rows of Vᵀ, transposed: n × r.
            projectors[k] = f.vt.rows(0..<r).transposed
        } else {
            // P = first r columns of U: m × r.
            let (rows, k0) = (f.u.shape[0], f.u.shape[1])
            var pm = Tensor<T>(uninitializedShape: [rows, r])
            let s = f.u.data, d = pm.mutableData
            for i in 0..<rows { for j in 0..<r { d[i * r + j] = s[i * k0 + j] } }
            projectors[k] = pm
        }
    }

    /// The inner optimizer's direction for gradient (or projected gradient) g.
    private func innerDirection(_ k: Int, _ g: Tensor<T>) -> Tensor<T> {
        guard case let .adam(beta1, beta2, eps) = inner else { return g }
        let t = Double(stepCount + 1)
        let ic1 = T(1 / (1 - Double.pow(beta1, t))), ic2 = T(1 / (1 - Double.pow(beta2, t)))
        let b1 = T(beta1), b2 = T(beta2), e = T(eps)
        var out = Tensor<T>(uninitializedShape: g.shape)
        let mp = m[k].mutableData, vp = v[k].mutableData, gp = g.data, o = out.mutableData
        for i in 0..<g.count {
            mp[i] = b1 * mp[i] + (1 - b1) * gp[i]
            vp[i] = b2 * vp[i] + (1 - b2) * gp[i] * gp[i]
            o[i] = (mp[i] * ic1) / ((vp[i] * ic2).squareRoot() + e)
        }
        return out
    }

    /// Moments plus projectors, exactly as held (App. C.2 counts the same buffers).
    public override var stateBytes: Int {
        let elements = m.reduce(0) { $0 + $1.count } + v.reduce(0) { $0 + $1.count }
            + projectors.reduce(0) { $0 + ($1?.count ?? 0) }
        return elements * MemoryLayout<T>.size
    }
}

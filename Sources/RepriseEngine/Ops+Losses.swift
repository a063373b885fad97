import RealModule

// Losses over logits z [N, C] with integer labels y [N]; each returns the MEAN over the N rows.

/// The precision a softmax is evaluated in, independent of the model's type:
/// Prieto et al. (2025) show that Softmax Collapse depends on it.
public enum SoftmaxPrecision: String, Sendable, Codable {
    case native  // the logits' own type
    case float64
}

/// Cross-entropy of softmax(z): L = mean_n (logsumexp(z_n) − z_n,y), computed
/// stably by subtracting the row max. dL/dz = (softmax(z) − onehot(y)) / N.
/// With `precision: .float64` the softmax runs in Double even for Float logits,
/// so the loss can be exactly 0 in float32 and not in float64: the Softmax
/// Collapse the grokking scenario measures.
public func softmaxCrossEntropy<T>(
    _ logits: Variable<T>, labels: [Int], precision: SoftmaxPrecision = .native
) -> Variable<T> {
    switch precision {
    case .native: return softmaxCE(logits, labels, in: T.self)
    case .float64: return softmaxCE(logits, labels, in: Double.self)
    }
}

private func softmaxCE<T, U: Scalar>(_ logits: Variable<T>, _ labels: [Int], in _: U.Type) -> Variable<T> {
    let (n, c) = (logits.shape[0], logits.shape[1])
    require(labels.count == n, "softmaxCrossEntropy: \(labels.count) labels for \(n) rows")
    require(labels.allSatisfy { 0 <= $0 && $0 < c }, "softmaxCrossEntropy: a label outside 0..<\(c)")
    // Rows split over the engine's threads; the row losses are summed in row order, as one thread would.
    var probs = Tensor<U>(uninitializedShape: [n, c]), rowLoss = Tensor<U>(uninitializedShape: [n])
    let pp = probs.mutableData, lp = rowLoss.mutableData, z = logits.value.data
    Parallel.forEach(n, work: n * c) { rows in
        for r in rows {
            let row = z + r * c, p = pp + r * c
            let (m, s) = softmaxNumerators(row, count: c, into: p)
            for j in 0..<c { p[j] /= s }
            lp[r] = U.log(s) - (U(row[labels[r]]) - m)
        }
    }
    var total = U(0)
    for r in 0..<n { total += lp[r] }
    let loss = Tensor<T>(shape: [1], scalars: [T(total / U(n))])
    return Variable(loss, parents: [logits]) { out in
        let g = U(out.grad![flat: 0]) / U(n), (d, fresh) = logits.gradBuffer(), pp = probs.data
        Parallel.forEach(n, work: n * c) { rows in
            for r in rows {
                let dr = d + r * c, p = pp + r * c
                if fresh { for j in 0..<c { dr[j] = T(g * p[j]) } } else { for j in 0..<c { dr[j] += T(g * p[j]) } }
                dr[labels[r]] -= T(g)
            }
        }
    }
}

/// A softmax row's numerators e^(z_j − max z) in U, into e[0..<c], with their maximum and sum: the
/// arithmetic of `softmaxCrossEntropy`, public so that the grokking scenario's Softmax Collapse test
/// (is the sum exactly 1?) asks it of the same bits the loss is computed from.
public func softmaxNumerators<T: Scalar, U: Scalar>(
    _ z: UnsafePointer<T>, count c: Int, into e: UnsafeMutablePointer<U>
) -> (max: U, sum: U) {
    // Four running maxima (max is exact: the order cannot matter) and the sum in lanes: one chain of
    // dependent operations per row was a third of the op's time.
    var m0 = U(z[0]), m1 = m0, m2 = m0, m3 = m0, j = 0
    while j + 4 <= c {
        m0 = max(m0, U(z[j])); m1 = max(m1, U(z[j + 1])); m2 = max(m2, U(z[j + 2])); m3 = max(m3, U(z[j + 3]))
        j += 4
    }
    while j < c { m0 = max(m0, U(z[j])); j += 1 }
    let m = max(max(m0, m1), max(m2, m3))
    for j in 0..<c { e[j] = U(z[j]) - m }
    U.exp(e, into: e, count: c)
    return (m, sumInLanes(c, { load8(e + $0) }, { e[$0] }))
}

/// StableMax's s(x): x + 1 for x ≥ 0, 1/(1 − x) for x < 0 (Prieto et al. 2025, Eq. 6).
@inline(__always) func stableS<U: Scalar>(_ x: U) -> U { x >= 0 ? x + 1 : 1 / (1 - x) }
@inline(__always) func stableSPrime<U: Scalar>(_ x: U) -> U { x >= 0 ? 1 : 1 / ((1 - x) * (1 - x)) }

/// StableMax cross-entropy: p_j = s(z_j) / Σ_k s(z_k), L = mean_n −log p_n,y.
/// dL/dz_j = s'(z_j)/S − [j = y] s'(z_y)/s(z_y), per row, divided by N.
/// With `precision: .float64` every operation runs in Double even for Float logits, and the gradient is
/// rounded back to the logits' type: the authors' `stablemax_cross_entropy` casts the logits to float64.
public func stableMaxCrossEntropy<T>(
    _ logits: Variable<T>, labels: [Int], precision: SoftmaxPrecision = .native
)
    -> Variable<T>
{
    switch precision {
    case .native: return stableMaxCrossEntropy(logits, labels: labels, in: T.self)
    case .float64: return stableMaxCrossEntropy(logits, labels: labels, in: Double.self)
    }
}

/// StableMax cross-entropy with every sum, log and quotient in `U` (for U == T, the plain computation).
func stableMaxCrossEntropy<T, U: Scalar>(_ logits: Variable<T>, labels: [Int], in _: U.Type) -> Variable<T> {
    let (n, c) = (logits.shape[0], logits.shape[1])
    require(labels.count == n)
    let z = logits.value.data
    var sums = [U](repeating: 0, count: n)
    var total = U(0)
    for r in 0..<n {
        var s = U(0)
        for j in 0..<c { s += stableS(U(z[r * c + j])) }
        sums[r] = s
        total += U.log(s) - U.log(stableS(U(z[r * c + labels[r]])))
    }
    return Variable(Tensor(shape: [1], scalars: [T(total / U(n))]), parents: [logits]) { out in
        let g = U(out.grad![flat: 0]) / U(n), d = logits.gradPointer(), z = logits.value.data
        for r in 0..<n {
            // The label's two terms are combined in U and rounded to T once, as a float64 autograd then a cast does.
            let y = labels[r], zy = U(z[r * c + y])
            for j in 0..<c where j != y { d[r * c + j] += T(g * stableSPrime(U(z[r * c + j])) / sums[r]) }
            d[r * c + y] += T(g * stableSPrime(zy) / sums[r] - g * stableSPrime(zy) / stableS(zy))
        }
    }
}

/// Mean squared error over all elements: mean((p − t)²); d/dp = 2(p − t)/count.
public func meanSquaredError<T>(_ prediction: Variable<T>, _ target: Tensor<T>) -> Variable<T> {
    require(prediction.value.count == target.count, "mse: \(prediction.shape) vs \(target.shape)")
    let n = target.count, p = prediction.value.data, t = target.data
    var s = T(0)
    for i in 0..<n { let e = p[i] - t[i]; s += e * e }
    return Variable(Tensor(shape: [1], scalars: [s / T(n)]), parents: [prediction]) { out in
        let g = 2 * out.grad![flat: 0] / T(n), d = prediction.gradPointer(), p = prediction.value.data, t = target.data
        for i in 0..<n { d[i] += g * (p[i] - t[i]) }
    }
}

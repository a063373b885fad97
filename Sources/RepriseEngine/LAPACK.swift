/// Dense factorizations from the LAPACK inside OpenBLAS, on row-major tensors.
///
/// LAPACK is column-major; a row-major m x n buffer is the column-major n x m
/// transpose, so each wrapper factors the transpose and reads the factors back
/// with their roles swapped instead of copying into column order.
public enum LAPACKError: Error, CustomStringConvertible {
    case failed(routine: String, info: Int)
    public var description: String {
        switch self {
        case let .failed(r, info): return "LAPACK \(r) failed (info = \(info))"
        }
    }
}

public struct SVD<T: Scalar> {
    /// m x k, orthonormal columns (k = min(m, n)).
    public var u: Tensor<T>
    /// k singular values, descending.
    public var s: [T]
    /// k x n, orthonormal rows.
    public var vt: Tensor<T>
}

/// Thin SVD A = U diag(s) Vᵀ by ?gesdd.
public func svd<T>(_ a: Tensor<T>) throws -> SVD<T> {
    require(a.rank == 2)
    let (m, n) = (a.shape[0], a.shape[1])
    let k = min(m, n)
    var work = a  // gesdd destroys its input
    var s = [T](repeating: 0, count: k)
    var u = Tensor<T>(uninitializedShape: [m, k])
    var vt = Tensor<T>(uninitializedShape: [k, n])
    // Factor Aᵀ (column-major n x m) = U₁ S V₁ᵀ, so A = V₁ S U₁ᵀ: LAPACK's U buffer is our Vᵀ, its Vᵀ buffer our U.
    let info = s.withUnsafeMutableBufferPointer { sp in
        T.gesdd(m: n, n: m, a: work.mutableData, s: sp.baseAddress!, u: vt.mutableData, vt: u.mutableData)
    }
    guard info == 0 else { throw LAPACKError.failed(routine: "gesdd", info: info) }
    return SVD(u: u, s: s, vt: vt)
}

/// Eigen-decomposition of a symmetric matrix by ?syevd: eigenvalues ascending,
/// eigenvectors as the ROWS of the returned matrix.
public func symmetricEigen<T>(_ a: Tensor<T>) throws -> (values: [T], vectors: Tensor<T>) {
    require(a.rank == 2 && a.shape[0] == a.shape[1])
    let n = a.shape[0]
    var v = a
    var w = [T](repeating: 0, count: n)
    let info = w.withUnsafeMutableBufferPointer { T.syevd(n: n, a: v.mutableData, w: $0.baseAddress!) }
    guard info == 0 else { throw LAPACKError.failed(routine: "syevd", info: info) }
    return (w, v)  // column j (col-major) = row j (row-major)
}

/// Minimum-norm least-squares solution X = argmin ‖A X − B‖ (smallest ‖X‖ among
/// minimizers), by ?gelsd; also returns A's singular values, descending.
/// `rcond`: singular values below rcond·s_max count as zero (LAPACK's rule).
public func leastSquaresMinNorm<T>(
    _ a: Tensor<T>, _ b: Tensor<T>, rcond: T = -1
) throws -> (x: Tensor<T>, singularValues: [T], rank: Int) {
    require(a.rank == 2 && b.rank == 2 && a.shape[0] == b.shape[0])
    let (m, n, r) = (a.shape[0], a.shape[1], b.shape[1])
    let ldb = max(m, n)
    var colA = a.transposed  // row-major n x m == column-major m x n
    var colB = Tensor<T>.zeros([r, ldb])  // column-major ldb x r
    let bp = b.data, cb = colB.mutableData
    for i in 0..<m { for j in 0..<r { cb[j * ldb + i] = bp[i * r + j] } }
    var s = [T](repeating: 0, count: min(m, n))
    let (rank, info) = s.withUnsafeMutableBufferPointer {
        T.gelsd(
            m: m, n: n, nrhs: r, a: colA.mutableData, b: colB.mutableData, ldb: ldb, s: $0.baseAddress!, rcond: rcond)
    }
    guard info == 0 else { throw LAPACKError.failed(routine: "gelsd", info: info) }
    var x = Tensor<T>(uninitializedShape: [n, r])
    let xp = x.mutableData, sol = colB.data
    for i in 0..<n { for j in 0..<r { xp[i * r + j] = sol[j * ldb + i] } }
    return (x, s, rank)
}

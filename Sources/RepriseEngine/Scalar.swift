import COpenBLAS
import CSIMD
import Foundation
import RealModule

/// The element types the engine computes in: `Float` and `Double`.
///
/// Generic code is written once over `Scalar`; the requirements below are the
/// only per-type code, and each forwards to the matching OpenBLAS / LAPACK
/// routine (`s…` for Float, `d…` for Double).
public protocol Scalar: Real, BinaryFloatingPoint, SIMDScalar, Sendable, Codable
where Self.RawSignificand: FixedWidthInteger {
    /// Short name used in configs and provenance ("float32" / "float64").
    static var dtypeName: String { get }

    /// C = alpha * op(A) * op(B) + beta * C, row-major (cblas_?gemm).
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// LAPACK ?gesdd, column-major, jobz "S": thin SVD. Returns `info`.
    static func gesdd(
        m: Int, n: Int, a: UnsafeMutablePointer<Self>, s: UnsafeMutablePointer<Self>,
        u: UnsafeMutablePointer<Self>, vt: UnsafeMutablePointer<Self>
    ) -> Int

    /// LAPACK ?syevd, column-major, jobz "V", lower triangle: eigenvalues ascending. Returns `info`.
    static func syevd(n: Int, a: UnsafeMutablePointer<Self>, w: UnsafeMutablePointer<Self>) -> Int

    /// LAPACK ?gelsd: minimum-norm least squares by SVD, column-major. Returns (rank, info).
    static func gelsd(
        m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, b: UnsafeMutablePointer<Self>,
        ldb: Int, s: UnsafeMutablePointer<Self>, rcond: Self
    ) -> (rank: Int, info: Int)

    /// y[i] = e^x[i] for i < n; y may be x. The engine's softmaxes and gates take their
    /// exponentials from here, so one function decides their bits (Float: `Exponential`).
    static func exp(_ x: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>, count n: Int)

    /// Lane-wise square root in vector instructions (CSIMD; the same bits as `squareRoot()`).
    static func squareRoot(_ x: SIMD8<Self>) -> SIMD8<Self>

    /// Lane-wise x > 0 ? x : 0 (NaN and −0 give +0), ReLU's value: x's bits ANDed with the all-ones
    /// lanes of the comparison's mask, two instructions a register. `replacing(with:where:)` went
    /// through the stack lane by lane.
    static func positivePart(_ x: SIMD8<Self>) -> SIMD8<Self>
}

@inline(__always) private func trans(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

/// Runs a LAPACK routine twice: once with lwork = -1 to ask for the optimal
/// workspace, once for real.
@inline(__always)
private func withWorkspace<T: BinaryFloatingPoint>(
    _ type: T.Type, iworkCount: Int,
    _ call: (UnsafeMutablePointer<T>, Int32, UnsafeMutablePointer<Int32>) -> Int32
) -> Int {
    var query = T(0)
    let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, iworkCount))
    defer { iwork.deallocate() }
    var info = call(&query, -1, iwork)
    guard info == 0 else { return Int(info) }
    let lwork = max(1, Int(query))
    let work = UnsafeMutablePointer<T>.allocate(capacity: lwork)
    defer { work.deallocate() }
    info = call(work, Int32(lwork), iwork)
    return Int(info)
}

extension Float: Scalar {
    public static var dtypeName: String { "float32" }

    @inline(__always) public static func squareRoot(_ x: SIMD8<Float>) -> SIMD8<Float> { reprise_sqrt_float8(x) }
    @inline(__always) public static func positivePart(_ x: SIMD8<Float>) -> SIMD8<Float> {
        unsafeBitCast(
            unsafeBitCast(x, to: SIMD8<Int32>.self) & unsafeBitCast(x .> 0, to: SIMD8<Int32>.self),
            to: SIMD8<Float>.self)
    }

    public static func exp(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int) {
        var i = 0
        while i + 8 <= n {
            store8(Exponential.lanes(load8(x + i)), y + i)
            i += 8
        }
        guard i < n else { return }
        // The ragged end through the same lanes: an entry's bits never depend on where it sits.
        var v = SIMD8<Float>(repeating: 0)
        for j in 0..<(n - i) { v[j] = x[i + j] }
        let e = Exponential.lanes(v)
        for j in 0..<(n - i) { y[i + j] = e[j] }
    }

    @inline(__always)
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, trans(transA), trans(transB), blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    public static func gesdd(
        m: Int, n: Int, a: UnsafeMutablePointer<Float>, s: UnsafeMutablePointer<Float>,
        u: UnsafeMutablePointer<Float>, vt: UnsafeMutablePointer<Float>
    ) -> Int {
        var jobz = CChar(UInt8(ascii: "S")), m32 = Int32(m), n32 = Int32(n), k32 = Int32(min(m, n))
        var info: Int32 = 0
        return withWorkspace(Float.self, iworkCount: 8 * min(m, n)) { work, lwork, iwork in
            var lw = lwork
            sgesdd_(&jobz, &m32, &n32, a, &m32, s, u, &m32, vt, &k32, work, &lw, iwork, &info)
            return info
        }
    }

    public static func syevd(n: Int, a: UnsafeMutablePointer<Float>, w: UnsafeMutablePointer<Float>) -> Int {
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "L")), n32 = Int32(n)
        var info: Int32 = 0
        var liwork = Int32(3 + 5 * n)
        return withWorkspace(Float.self, iworkCount: Int(liwork)) { work, lwork, iwork in
            var lw = lwork
            ssyevd_(&jobz, &uplo, &n32, a, &n32, w, work, &lw, iwork, &liwork, &info)
            return info
        }
    }

    public static func gelsd(
        m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>,
        ldb: Int, s: UnsafeMutablePointer<Float>, rcond: Float
    ) -> (rank: Int, info: Int) {
        var m32 = Int32(m), n32 = Int32(n), r32 = Int32(nrhs), ldb32 = Int32(ldb), rc = rcond
        var rank: Int32 = 0, info: Int32 = 0
        let minmn = max(1, min(m, n))
        let iw = minmn * (11 + 3 * 25) + 64
        let result = withWorkspace(Float.self, iworkCount: iw) { work, lwork, iwork in
            var lw = lwork
            sgelsd_(&m32, &n32, &r32, a, &m32, b, &ldb32, s, &rc, &rank, work, &lw, iwork, &info)
            return info
        }
        return (Int(rank), result)
    }
}

extension Double: Scalar {
    public static var dtypeName: String { "float64" }

    @inline(__always) public static func squareRoot(_ x: SIMD8<Double>) -> SIMD8<Double> { reprise_sqrt_double8(x) }
    @inline(__always) public static func positivePart(_ x: SIMD8<Double>) -> SIMD8<Double> {
        unsafeBitCast(
            unsafeBitCast(x, to: SIMD8<Int64>.self) & unsafeBitCast(x .> 0, to: SIMD8<Int64>.self),
            to: SIMD8<Double>.self)
    }

    /// libm's exp, one call per entry (the float64 runs are references, not the hot path).
    public static func exp(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count n: Int) {
        for i in 0..<n { y[i] = Double.exp(x[i]) }
    }

    @inline(__always)
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, trans(transA), trans(transB), blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    public static func gesdd(
        m: Int, n: Int, a: UnsafeMutablePointer<Double>, s: UnsafeMutablePointer<Double>,
        u: UnsafeMutablePointer<Double>, vt: UnsafeMutablePointer<Double>
    ) -> Int {
        var jobz = CChar(UInt8(ascii: "S")), m32 = Int32(m), n32 = Int32(n), k32 = Int32(min(m, n))
        var info: Int32 = 0
        return withWorkspace(Double.self, iworkCount: 8 * min(m, n)) { work, lwork, iwork in
            var lw = lwork
            dgesdd_(&jobz, &m32, &n32, a, &m32, s, u, &m32, vt, &k32, work, &lw, iwork, &info)
            return info
        }
    }

    public static func syevd(n: Int, a: UnsafeMutablePointer<Double>, w: UnsafeMutablePointer<Double>) -> Int {
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "L")), n32 = Int32(n)
        var info: Int32 = 0
        var liwork = Int32(3 + 5 * n)
        return withWorkspace(Double.self, iworkCount: Int(liwork)) { work, lwork, iwork in
            var lw = lwork
            dsyevd_(&jobz, &uplo, &n32, a, &n32, w, work, &lw, iwork, &liwork, &info)
            return info
        }
    }

    public static func gelsd(
        m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>,
        ldb: Int, s: UnsafeMutablePointer<Double>, rcond: Double
    ) -> (rank: Int, info: Int) {
        var m32 = Int32(m), n32 = Int32(n), r32 = Int32(nrhs), ldb32 = Int32(ldb), rc = rcond
        var rank: Int32 = 0, info: Int32 = 0
        let minmn = max(1, min(m, n))
        let iw = minmn * (11 + 3 * 25) + 64
        let result = withWorkspace(Double.self, iworkCount: iw) { work, lwork, iwork in
            var lw = lwork
            dgelsd_(&m32, &n32, &r32, a, &m32, b, &ldb32, s, &rc, &rank, work, &lw, iwork, &info)
            return info
        }
        return (Int(rank), result)
    }
}

import COpenBLAS
import CSIMD
import Foundation
import RealModule

/// The element types the engine computes in: `Float` and `Double`.
///
/// Generic code is written once over `Scalar`; the requirements below are the
/// only per-type code, and each forwards to the matching OpenBLAS / LAPACK
/// routine (`s…` for Float, `d…` for Double).
public protocol Scalar: Real, BinaryFloatingPoint, SIMDScalar, Sendable, Codable where Self.RawSignificand: FixedWidthInteger {
    /// Short name used in configs and provenance ("float32" / "float64").
    static var dtypeName: String { get }

    /// C = alpha * op(A) * op(B) + beta * C, row-major (cblas_?gemm).
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// LAPACK ?gesdd, column-major, jobz "S": thin SVD. Returns `info`.
    static func gesdd(m: Int, n: Int, a: UnsafeMutablePointer<Self>, s: UnsafeMutablePointer<Self>,
                      u: UnsafeMutablePointer<Self>, vt: UnsafeMutablePointer<Self>) -> Int

    /// LAPACK ?syevd, column-major, jobz "V", lower triangle: eigenvalues ascending. Returns `info`.
    static func syevd(n: Int, a: UnsafeMutablePointer<Self>, w: UnsafeMutablePointer<Self>) -> Int

    /// LAPACK ?gelsd: minimum-norm least squares by SVD, column-major. Returns (rank, info).
    static func gelsd(m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, b: UnsafeMutablePointer<Self>,
                      ldb: Int, s: UnsafeMutablePointer<Self>, rcond: Self) -> (rank: Int, info: Int)

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
private func withWorkspace<T: BinaryFloatingPoint>(_ type: T.Type, iworkCount: Int,
                                                   _ call: (UnsafeMutablePointer<T>, Int32, UnsafeMutablePointer<Int32>) -> Int32) -> Int {
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
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<Int32>.self) & unsafeBitCast(x .> 0, to: SIMD8<Int32>.self), to: SIMD8<Float>.self)
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
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, trans(transA), trans(transB), blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    public static func gesdd(m: Int, n: Int, a: UnsafeMutablePointer<Float>, s: UnsafeMutablePointer<Float>,
                             u: UnsafeMutablePointer<Float>, vt: UnsafeMutablePointer<Float>) -> Int {
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

    public static func gelsd(m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>,
                             ldb: Int, s: UnsafeMutablePointer<Float>, rcond: Float) -> (rank: Int, info: Int) {
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
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<Int64>.self) & unsafeBitCast(x .> 0, to: SIMD8<Int64>.self), to: SIMD8<Double>.self)
    }

    /// libm's exp, one call per entry (the float64 runs are references, not the hot path).
    public static func exp(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count n: Int) {
        for i in 0..<n { y[i] = Double.exp(x[i]) }
    }

    @inline(__always)
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, trans(transA), trans(transB), blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    public static func gesdd(m: Int, n: Int, a: UnsafeMutablePointer<Double>, s: UnsafeMutablePointer<Double>,
                             u: UnsafeMutablePointer<Double>, vt: UnsafeMutablePointer<Double>) -> Int {
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

    public static func gelsd(m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>,
                             ldb: Int, s: UnsafeMutablePointer<Double>, rcond: Double) -> (rank: Int, info: Int) {
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

/// e^x for float32, eight lanes at a time with no library call. libm's expf, a call per entry, was
/// 5% of a LLaMA step (perf), and SwiGLU's forward pass 2.9 of its 41 ms (`bench --ops`); this runs
/// at 1.2 ns an entry against expf's 3.0 on this machine's SSE2 baseline.
/// x = n ln2 + r with |r| <= ln2 / 2; e^r by its Taylor polynomial to degree 7 (truncation
/// r^8/8! < 5.4e-9, under a tenth of an ulp); e^x = 2^n e^r. At most 1.19 ulp from e^x over the
/// float range, exactly 1 at 0, subnormal, 0 and +inf where e^x is (EngineTests/ExponentialTests).
/// Multiplies and adds only, no fused multiply-add: the same bits on every CPU.
enum Exponential {
    // The constants are literals in the body: as static lets, each use went through a lazy-initialization check.
    @inline(__always)
    static func lanes(_ x: SIMD8<Float>) -> SIMD8<Float> {
        typealias V = SIMD8<Float>
        // Beyond [-104, 89] e^x is 0 or +inf in float32 either way; the clamp keeps n in [-150, 128].
        // (Comparisons and selects: `clamped` and `SIMD8<Int32>(_:rounding:)` went lane by lane through libm.)
        var xc = x.replacing(with: V(repeating: -104), where: x .< V(repeating: -104))
        xc.replace(with: V(repeating: 89), where: xc .> V(repeating: 89))
        // n = round(x / ln 2): adding 1.5·2^23 rounds to an integer, which the low bits of t then hold.
        let t = xc * V(repeating: 1.442_695_04) + V(repeating: 12_582_912)
        let n = t - V(repeating: 12_582_912)
        let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- SIMD8(repeating: 0x4B40_0000)
        // r = x − n ln 2, ln 2 = 355/512 − 2.121944e-4: 355/512 has 9 significant bits, so n·355/512 is exact.
        let r = (xc - n * V(repeating: 0.693_359_375)) - n * V(repeating: -2.121_944_4e-4)
        var p = r * V(repeating: 1 / 5040 as Float) + V(repeating: 1 / 720 as Float)
        p = p * r + V(repeating: 1 / 120 as Float)
        p = p * r + V(repeating: 1 / 24 as Float)
        p = p * r + V(repeating: 1 / 6 as Float)
        p = p * r + V(repeating: 0.5)
        p = p * r + V(repeating: 1)
        p = p * r + V(repeating: 1)
        // 2^n as two normal factors: the first product is exact, the second rounds once, into the
        // subnormals when n < -126 as e^x itself does.
        let half = ni &>> 1
        let s1 = unsafeBitCast((half &+ 127) &<< 23, to: V.self)
        let s2 = unsafeBitCast((ni &- half &+ 127) &<< 23, to: V.self)
        return (p * s1 * s2).replacing(with: x, where: x .!= x)
    }
}

/// Σ term(j) for j < n, eight terms at a time in SIMD lanes, the lanes added in a fixed order: the
/// bits depend on n alone. One scalar chain of dependent additions waited out each add's latency.
@inline(__always)
func sumInLanes<T: Scalar>(_ n: Int, _ lanes: (Int) -> SIMD8<T>, _ term: (Int) -> T) -> T {
    var acc = SIMD8<T>(repeating: 0), j = 0
    while j + 8 <= n { acc += lanes(j); j += 8 }
    let quarters = acc.lowHalf + acc.highHalf, pairs = quarters.lowHalf + quarters.highHalf
    var s = pairs[0] + pairs[1]
    while j < n { s += term(j); j += 1 }
    return s
}

@inline(__always) func load8<T: Scalar>(_ p: UnsafePointer<T>) -> SIMD8<T> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self) }
@inline(__always) func store8<T: Scalar>(_ x: SIMD8<T>, _ p: UnsafeMutablePointer<T>) { UnsafeMutableRawPointer(p).storeBytes(of: x, as: SIMD8<T>.self) }

/// What the linked OpenBLAS says about itself (for run provenance), and the kernels it should run.
public enum BLASInfo {
    /// Read once: openblas_get_config() rebuilds its answer in one static buffer on every call
    /// (strcpy, then strcat), so two threads asking at once could read it half built, and a trial's
    /// cache key (which names the kernels) then differed between its store and its lookup. Nothing
    /// in it changes after OpenBLAS has loaded.
    public static let config: String = String(cString: openblas_get_config())
    /// The kernel set OpenBLAS chose when it loaded ("Haswell", "Zen", …): by CPU, or by
    /// OPENBLAS_CORETYPE, which it reads then and never again.
    public static var core: String { String(cString: openblas_get_corename()) }

    /// The kernel set this process should have loaded OpenBLAS with, if not the one it did: on
    /// Zen, Haswell's. Debian's OpenBLAS 0.3.21 runs the same sgemm kernel for both (the same
    /// bits: `bench --trajectories` byte for byte), but ran the two threads' row blocks of the
    /// steps' products slower with Zen's settings (2026-12-04, an AMD EPYC under KVM, three
    /// alternating rounds: grokking 22.8 → 19.3 ms, LLaMA 52 → 45, the small MLP 1.44 → 1.25, the
    /// wide MLP 18.6 → 18.0; grokking on one thread within 2%). nil when OPENBLAS_CORETYPE is
    /// already set: a choice made by hand stands.
    public static var preferredCore: String? {
        guard getenv("OPENBLAS_CORETYPE") == nil, core.lowercased() == "zen" else { return nil }
        return "Haswell"
    }
    /// OpenBLAS's own threads: 1, except while `Benchmarks.sgemmPeak` measures them (`Parallel`).
    static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}

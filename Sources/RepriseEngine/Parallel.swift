import Foundation
import Synchronization

/// The engine's own threads. OpenBLAS computes on one thread; the engine splits each large
/// product into one single-threaded gemm per thread, and the loops around the products
/// (activations, losses, attention, the optimizer) over the same threads. Why not OpenBLAS's
/// threads: its idle workers spin (yielding) for a while after each product, so a loop split
/// onto a thread of ours found the other core taken and gained nothing; and on this machine
/// its two threads reached 97-148 GFLOP/s on the benchmark steps' narrow products (226x200x5107
/// for xᵀdy, 5107x113x200, 1024x128x128) where two single-threaded halves on spinning workers
/// reached 175-199, as much as on 1024³ (README "Speed").
///
/// Work is split into contiguous parts fixed by the sizes and the thread count alone, so a
/// result never depends on scheduling; each element of a product is computed by the same
/// single-threaded kernel over the same k order whatever the split.
public enum Parallel {
    /// Below this many elements one thread does a loop: waking a worker costs more than it saves.
    static let minimumElements = 1 << 16
    /// Below this many multiply-adds per part one thread does a product (~20 µs of one core).
    static let minimumProductWork = 1 << 20

    /// Threads a parallel loop uses, this one included: all cores unless `setThreads` said
    /// otherwise. Trials use 1 (two trials run side by side on two cores); `reprise bench` all.
    public static var threads: Int {
        if let n = scoped { return n }
        let n = threadSetting.load(ordering: .relaxed)
        return n > 0 ? n : defaultThreads
    }

    /// Runs `body` with `n` threads on this thread alone (tests, and golden trajectories that must
    /// not follow another thread's `setThreads`).
    public static func withThreads<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        require(n >= 1, "threads: \(n)")
        _ = defaultThreads
        return try $scoped.withValue(min(n, ThreadPool.maximumThreads), operation: body)
    }
    @TaskLocal private static var scoped: Int?

    /// Sets the threads of later parallel loops and products (one already running keeps its own).
    public static func setThreads(_ n: Int) {
        require(n >= 1, "threads: \(n)")
        _ = defaultThreads  // sets OpenBLAS to one thread, once
        threadSetting.store(min(n, ThreadPool.maximumThreads), ordering: .relaxed)
    }

    private static let threadSetting = Atomic<Int>(0)
    private static let defaultThreads: Int = {
        BLASInfo.setThreads(1)
        return min(ProcessInfo.processInfo.activeProcessorCount, ThreadPool.maximumThreads)
    }()
    /// One pool per thread count ever used (in practice one), never torn down: a thread count
    /// set while another thread runs a loop must not pull its workers away.
    private static let pools = Mutex<[Int: ThreadPool]>([:])

    /// `body(part)` for part in 0..<parts, the parts on different threads. A call from inside a
    /// parallel region, or while another thread has the pool, runs the parts inline.
    static func run(parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else { if parts == 1 { body(0) }; return }
        let pool = pools.withLock { pools in
            if let p = pools[parts] { return p }
            let p = ThreadPool(threads: parts)
            pools[parts] = p
            return p
        }
        pool.run(body)
    }

    /// `body(range)` for each chunk of 0..<n (one per thread once n reaches `minimumElements`);
    /// returns the chunks' results in order. Chunks start at multiples of `alignment` (a multiple
    /// of 8), so that a loop in SIMD lanes with a scalar tail takes each element down the same
    /// path whatever the split.
    static func chunks<R>(_ n: Int, alignment: Int = 64, _ body: (Range<Int>) -> R) -> [R] {
        let parts = n >= minimumElements ? threads : 1
        guard parts > 1 else { return [body(0..<n)] }
        var results = [R?](repeating: nil, count: parts)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = buffer.baseAddress!
            run(parts: parts) { t in slots[t] = body(part(t, of: n, parts: parts, alignment: alignment)) }
        }
        return results.map { $0! }
    }

    /// `body(range)` over 0..<n in one chunk per thread (some empty when n is small) once `work`
    /// (elements touched) reaches `minimumElements`; for loops whose chunks write disjoint outputs.
    static func forEach(_ n: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let parts = work >= minimumElements ? threads : 1
        guard parts > 1 else { body(0..<n); return }
        run(parts: parts) { t in body(part(t, of: n, parts: parts)) }
    }

    /// Part t of 0..<n cut into `parts` contiguous ranges starting at multiples of `alignment`.
    private static func part(_ t: Int, of n: Int, parts: Int, alignment: Int = 1) -> Range<Int> {
        let size = ((n + parts - 1) / parts + alignment - 1) / alignment * alignment
        return min(n, t * size)..<min(n, (t + 1) * size)
    }
}

extension Parallel {
    /// One product as one single-threaded gemm per thread, on disjoint blocks of C's rows, each a
    /// whole number of `rowBlock`s (the last takes the rest): every element is then computed as
    /// in the whole product. Splitting the columns was not: with the Haswell kernels (which
    /// `make test` pins, and Zen runs) a column split moved ~1% of the entries by an ulp even at
    /// 48-column boundaries; rows split on the kernel's block moved none on any kernel tried.
    public static func gemm<T: Scalar>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
        beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        let block = rowBlock(T.self)
        // Every part at least `minimumProductWork`, which also keeps it clear of OpenBLAS's
        // small-matrix kernels (SkylakeX family, up to 100³ multiply-adds): they round differently.
        // Parts of the nearest whole number of blocks to m / parts; the last one takes what is left.
        var parts = min(threads, m / block), size = m
        while parts > 1 {
            size = max(1, (m / parts + block / 2) / block) * block
            let smallest = min(size, m - (parts - 1) * size)
            if smallest > 0 && smallest * n * k >= minimumProductWork { break }
            parts -= 1
        }
        guard parts > 1 else {
            T.gemm(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: beta, c: c, ldc: ldc)
            return
        }
        run(parts: threads) { t in  // the pool of `threads`, the last ones idle if parts < threads
            guard t < parts else { return }
            let start = min(m, t * size), end = t == parts - 1 ? m : min(m, start + size)
            guard start < end else { return }
            T.gemm(
                transA: transA, transB: transB, m: end - start, n: n, k: k, alpha: alpha,
                a: transA ? a + start : a + start * lda, lda: lda, b: b, ldb: ldb, beta: beta, c: c + start * ldc,
                ldc: ldc)
        }
    }

    /// The rows of C that OpenBLAS's kernel computes the same way wherever they start: rows past
    /// the kernel's last whole block go through other code that rounds differently, so a split
    /// elsewhere changes bits (measured for sgemm: 12 rows with the Haswell kernels, 4 with
    /// Cooperlake's). The kernel is picked at load time by CPU (or OPENBLAS_CORETYPE), so the
    /// block is found by trying: the smallest candidate at which split products equal the whole.
    public static func rowBlock<T: Scalar>(_: T.Type) -> Int {
        MemoryLayout<T>.size == 4 ? floatRowBlock : doubleRowBlock
    }
    private static let floatRowBlock = probeRowBlock(Float.self)
    private static let doubleRowBlock = probeRowBlock(Double.self)

    private static func probeRowBlock<T: Scalar>(_: T.Type) -> Int {
        _ = defaultThreads  // OpenBLAS on one thread, as the parts run
        var rng = RNG(seed: 1)
        let candidates = [4, 8, 12, 16, 24, 32, 48, 64]
        return candidates.first { block in
            // Blocks of ≥ 4 rows of these are past the small-matrix kernels' 100³ multiply-adds.
            [(263, 1000, false), (263, 1000, true)].allSatisfy { n, k, transA in
                let m = 3 * block + 5
                let a = Tensor<T>.normal(transA ? [k, m] : [m, k], rng: &rng), b = Tensor<T>.normal([k, n], rng: &rng)
                var whole = Tensor<T>(uninitializedShape: [m, n]), split = whole
                let lda = a.shape[1], wp = whole.mutableData, sp = split.mutableData
                T.gemm(
                    transA: transA, transB: false, m: m, n: n, k: k, alpha: 1, a: a.data, lda: lda, b: b.data, ldb: n,
                    beta: 0, c: wp, ldc: n)
                for start in stride(from: 0, to: m, by: block) {
                    let rows = start + 2 * block > m ? m - start : block
                    T.gemm(
                        transA: transA, transB: false, m: rows, n: n, k: k, alpha: 1,
                        a: a.data + (transA ? start : start * lda), lda: lda, b: b.data, ldb: n, beta: 0,
                        c: sp + start * n, ldc: n)
                    if rows > block { break }
                }
                return (0..<m * n).allSatisfy { wp[$0] == sp[$0] }
            }
        } ?? candidates.last!
    }
}

import Foundation

#if os(Linux)
import CMalloc
#endif

/// Process-wide settings for training loops.
public enum Runtime {
    /// Keeps freed activation buffers in the heap instead of returning them to the
    /// kernel. glibc serves blocks over 128 KiB by mmap and unmaps them on free,
    /// so each training step would page-fault and zero its activations afresh;
    /// with both thresholds at 1 GiB, glibc's free lists hand the same blocks back
    /// (plain reuse, not a size-bucketed caching allocator like PyTorch's).
    public static func cacheLargeAllocations() {
        #if os(Linux)
        _ = mallopt(M_MMAP_THRESHOLD, 1 << 30)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
    }
}

/// A shape or index check that stays in every build. Release builds are -Ounchecked
/// (measured: 1-7% faster steps than -O, README "Speed"), which lets the optimizer assume
/// every `precondition` holds, i.e. removes it; `fatalError` it keeps. One comparison per op.
@inline(__always)
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "",
                    file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}

/// The process's resident-memory high-water mark (Linux's VmHWM), resettable so that a
/// measurement covers one piece of work rather than the process's whole life.
public enum PeakMemory {
    /// Resets the high-water mark to the current resident size (writing 5 to
    /// /proc/self/clear_refs, Linux 4.0+). Returns false where that is not possible.
    @discardableResult
    public static func reset() -> Bool {
        guard let f = fopen("/proc/self/clear_refs", "w") else { return false }
        defer { fclose(f) }
        return fputs("5", f) >= 0
    }

    /// VmHWM in bytes, or nil where /proc is not available.
    public static func bytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb * 1024
    }
}

/// Elementwise loops split over the threads OpenBLAS owns: they sit idle between products, so an
/// optimizer update on large tensors can use them (measured on the wide MLP: the Adam pass over
/// 1.86M parameters is memory-bound and ~2x faster on two cores). Chunks are contiguous and fixed
/// by the count and the thread number, so results do not depend on scheduling.
enum Parallel {
    /// Below this many elements one thread does the loop: dispatching costs more than it saves.
    static let minimumElements = 1 << 16

    /// `body(range)` for each chunk of 0..<n; returns the chunks' results in order.
    static func chunks<R>(_ n: Int, _ body: (Range<Int>) -> R) -> [R] {
        let threads = n >= minimumElements ? max(1, min(BLASInfo.threads, 8)) : 1
        guard threads > 1 else { return [body(0..<n)] }
        let size = (n + threads - 1) / threads
        var results = [R?](repeating: nil, count: threads)
        results.withUnsafeMutableBufferPointer { buffer in
            withoutActuallyEscaping(body) { body in
                // Each iteration writes its own slot and the call returns only when all have: the
                // pointer and the closure do not outlive it, which the compiler cannot see.
                let shared = Unchecked((buffer.baseAddress!, body))
                DispatchQueue.concurrentPerform(iterations: threads) { t in
                    shared.value.0[t] = shared.value.1((t * size)..<min(n, (t + 1) * size))
                }
            }
        }
        return results.map { $0! }
    }
}

private struct Unchecked<V>: @unchecked Sendable {
    let value: V
    init(_ value: V) { self.value = value }
}

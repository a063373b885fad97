/// Process-wide settings for training loops.
public enum Runtime {
    /// Keeps freed activation buffers in the heap instead of returning them to the
    /// kernel. glibc serves blocks over 128 KiB by mmap and unmaps them on free,
    /// so each training step would page-fault and zero its activations afresh.
    /// This is the reuse that PyTorch's caching allocator gives.
    public static func cacheLargeAllocations() {
        #if os(Linux)
        // <malloc.h>: M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3 (not exported by Swift's Glibc module).
        _ = glibc_mallopt(-3, 1 << 30)
        _ = glibc_mallopt(-1, 1 << 30)
        #endif
    }
}

#if os(Linux)
@_silgen_name("mallopt") private func glibc_mallopt(_ param: Int32, _ value: Int32) -> Int32
#endif

/// A shape or index check that stays in every build. Release builds are -Ounchecked
/// (measured: 1-7% faster steps than -O, README "Speed"), which lets the optimizer assume
/// every `precondition` holds, i.e. removes it; `fatalError` it keeps. One comparison per op.
@inline(__always)
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = "",
                    file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}

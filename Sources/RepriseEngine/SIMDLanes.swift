import Foundation

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

@inline(__always) func load8<T: Scalar>(_ p: UnsafePointer<T>) -> SIMD8<T> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
}
@inline(__always) func store8<T: Scalar>(_ x: SIMD8<T>, _ p: UnsafeMutablePointer<T>) {
    UnsafeMutableRawPointer(p).storeBytes(of: x, as: SIMD8<T>.self)
}

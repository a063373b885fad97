import RealModule

/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit counter advanced by a Weyl
/// constant and passed through a mixing function. Every random draw in reprise
/// comes from one of these, so a run is a pure function of its seed.
///
/// `split(_:)` derives an independent child stream from a label, so that adding
/// a draw in one part of a run (say, the data split) does not shift the draws of
/// another part (say, the weight init).
public struct RNG: Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A child stream keyed by `label` (FNV-1a of the label mixed with this stream's state).
    public func split(_ label: String) -> RNG {
        var h = FNV1a()
        h.add(label.utf8)
        var child = RNG(seed: state ^ h.state)
        _ = child.next()
        return RNG(seed: child.next())
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform integer in 0..<n (Lemire's multiply-shift; bias below 2^-32 for the n used here).
    @inline(__always)
    public mutating func int(below n: Int) -> Int {
        Int((UInt128(next()) &* UInt128(n)) >> 64)
    }

    /// Standard normal by the Box–Muller transform (one of the pair is used, so
    /// that the stream position does not depend on earlier calls' parity).
    @inline(__always)
    public mutating func normal() -> Double {
        let u1 = 1.0 - uniform()  // (0, 1]
        let u2 = uniform()
        return (-2.0 * _log(u1)).squareRoot() * _cos(2.0 * Double.pi * u2)
    }

    /// Fills `count` values with N(0, std²) draws by Marsaglia's polar method (1964): a point drawn
    /// uniformly in the unit disc gives two normals with one log and one square root, no cos or sin
    /// (the gradient-noise hot loop: 88k draws per step for the 20-layer net). Both are used.
    public mutating func fillNormal<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, count: Int, std: Double, accumulate: Bool
    ) {
        var i = 0
        while i < count {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1, s = u * u + v * v
            guard s < 1 && s > 0 else { continue }
            let f = (-2 * _log(s) / s).squareRoot() * std
            let z0 = T(u * f), z1 = T(v * f)
            if accumulate { p[i] += z0 } else { p[i] = z0 }
            if i + 1 < count { if accumulate { p[i + 1] += z1 } else { p[i + 1] = z1 } }
            i += 2
        }
    }

    public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(_ c: inout C) where C.Index == Int {
        guard c.count > 1 else { return }
        for i in stride(from: c.count - 1, to: 0, by: -1) {
            let j = int(below: i + 1)
            c.swapAt(c.startIndex + i, c.startIndex + j)
        }
    }

    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        shuffle(&p)
        return p
    }
}

@inline(__always) private func _log(_ x: Double) -> Double { Double.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Double.cos(x) }
@inline(__always) private func _sin(_ x: Double) -> Double { Double.sin(x) }

/// FNV-1a 64: a fast, stable digest for stream labels, cache keys and identities (not for security).
public struct FNV1a: Sendable {
    public private(set) var state: UInt64 = 0xCBF2_9CE4_8422_2325
    public init() {}
    public mutating func add<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        for b in bytes { state = (state ^ UInt64(b)) &* 0x100_0000_01B3 }
    }
    /// The eight bytes of `word`, least significant first.
    public mutating func add(_ word: UInt64) {
        var w = word
        for _ in 0..<8 { state = (state ^ (w & 0xFF)) &* 0x100_0000_01B3; w >>= 8 }
    }
    public var hex: String {
        let digits = String(state, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

import Foundation

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

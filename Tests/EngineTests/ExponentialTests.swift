import Foundation
import RepriseEngine
import Testing

/// The engine's float32 exponential (`Exponential`) against e^x computed in Double.
@Suite struct ExponentialTests {
    /// The distance from `y` to the float32 nearest e^x, in units of that float's ulp (the spacing
    /// of the subnormals below 2^-126).
    static func ulps(_ y: Float, _ x: Float) -> Double {
        let exact = Double.exp(Double(x))
        let spacing = Double(max(Float(exact).ulp, Float.leastNonzeroMagnitude))
        return abs(Double(y) - exact) / spacing
    }

    @Test func withinTwoUlpOverTheWholeRange() {
        // Every 2^-12 from -104 to 89: the normal range, the subnormals, the overflow boundary.
        let xs = stride(from: -104.0, through: 89.0, by: 1.0 / 4096).map { Float($0) }
        var ys = [Float](repeating: .nan, count: xs.count)
        Float.exp(xs, into: &ys, count: xs.count)
        var worst = (ulps: 0.0, x: Float(0))
        for (x, y) in zip(xs, ys) where Double.exp(Double(x)) < Double(Float.greatestFiniteMagnitude) {
            let u = Self.ulps(y, x)
            if u > worst.ulps { worst = (u, x) }
        }
        #expect(worst.ulps <= 2, "\(worst.ulps) ulp at x = \(worst.x)")
        #expect(worst.ulps > 0.5, "no rounding error at all over 790k points: the reference is not independent")
    }

    @Test func edgesAreExact() {
        let xs: [Float] = [0, -0.0, .infinity, -.infinity, .nan, 88.8, 89, 1000, -103.98, -104, -1000, 1, -1]
        var ys = [Float](repeating: 7, count: xs.count)
        Float.exp(xs, into: &ys, count: xs.count)  // 13 entries: one full set of lanes and a ragged end
        #expect(ys[0] == 1 && ys[1] == 1)
        #expect(ys[2] == .infinity && ys[3] == 0)
        #expect(ys[4].isNaN)
        // e^88.8 > Float.greatestFiniteMagnitude
        #expect(ys[5] == .infinity && ys[6] == .infinity && ys[7] == .infinity)
        #expect(ys[8] == 0 && ys[9] == 0 && ys[10] == 0)  // below half the least subnormal
        #expect(ys[11] == Float(M_E) && ys[12] == Float(1 / M_E))
    }

    @Test func anEntryHasTheSameBitsWhereverItSits() {
        var rng = RNG(seed: 3)
        let xs = (0..<29).map { _ in Float(rng.normal() * 20) }
        var whole = [Float](repeating: 0, count: 29)
        Float.exp(xs, into: &whole, count: 29)
        for start in 0..<29 {
            var part = [Float](repeating: 0, count: 29 - start)
            xs.withUnsafeBufferPointer { Float.exp($0.baseAddress! + start, into: &part, count: 29 - start) }
            #expect(part.map(\.bitPattern) == whole[start...].map(\.bitPattern))
        }
    }
}

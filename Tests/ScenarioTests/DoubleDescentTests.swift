import RepriseEngine
import RepriseScenarios
import Testing

@Suite struct DoubleDescentTests {
    /// The closed-form GD readout must be the iterate that T real GD steps reach, including at T
    /// where the top direction's contraction factor rounds below zero (a NaN there once hid as "90% error").
    @Test func closedFormGradientDescentEqualsIteratedGD() throws {
        var rng = RNG(seed: 5)
        let (n, p, c) = (12, 8, 3)
        let phi = Tensor<Double>.normal([n, p], rng: &rng), y = Tensor<Double>.normal([n, c], rng: &rng)
        let f = try svd(phi)
        let scenario = DoubleDescent()
        for steps in [1, 7, 50] {
            let closed = scenario.spectralFit(f, y, filter: scenario.gdFilter(f.s, n: n, steps: steps))
            let w = Self.iterateGD(phi, y, from: .zeros([p, c]), lr: Double(n) / (f.s[0] * f.s[0]), steps: steps)
            for i in 0..<closed.count {
                #expect(
                    abs(closed[flat: i] - w[flat: i]) < 1e-9 * max(1, abs(closed[flat: i])),
                    "T=\(steps) element \(i)")
            }
            #expect(closed.allFinite)
        }
    }

    /// w <- w - lr Phi^T (Phi w - Y) / n for `steps` steps from `w0`, through the engine's autodiff and SGD.
    static func iterateGD(
        _ phi: Tensor<Double>, _ y: Tensor<Double>, from w0: Tensor<Double>, lr: Double, steps: Int
    )
        -> Tensor<Double>
    {
        let w = Variable(w0, requiresGrad: true)
        let opt = Optimizer.sgd([w], lr: lr)
        for _ in 0..<steps {
            opt.zeroGrad()
            scale(meanSquaredError(matmul(Variable(phi), w), y), Double(y.shape[1]) / 2).backward()
            opt.step()
        }
        return w.value
    }

    /// GD from w0 != 0 in closed form must be the iterate real GD reaches from w0, on both sides of the
    /// threshold: p < n (no null space) and p > n (w0's null-space part must survive every step).
    @Test func closedFormGradientDescentFromAnInitEqualsIteratedGD() throws {
        var rng = RNG(seed: 11)
        let scenario = DoubleDescent()
        for (n, p) in [(12, 8), (8, 12)] {
            let c = 3
            let phi = Tensor<Double>.normal([n, p], rng: &rng), y = Tensor<Double>.normal([n, c], rng: &rng)
            let w0 = Tensor<Double>.normal([p, c], rng: &rng)
            let f = try svd(phi)
            for steps in [1, 9, 60] {
                let closed = scenario.gdFromInit(f, y, w0: w0, n: n, steps: steps)
                let w = Self.iterateGD(phi, y, from: w0, lr: Double(n) / (f.s[0] * f.s[0]), steps: steps)
                for i in 0..<closed.count {
                    #expect(
                        abs(closed[flat: i] - w[flat: i]) < 1e-9 * max(1, abs(closed[flat: i])),
                        "n=\(n) p=\(p) T=\(steps) element \(i)")
                }
            }
        }
    }

    /// At a budget far beyond the condition number squared, the closed form reaches the min-norm fit; and
    /// for a direction whose contraction is 1 - 1e-13, 1e12 steps must remove 1 - e^-0.1 of it, which
    /// 1 - pow(1 - x, T) gets wrong in the third digit (1 - x rounds to a neighbour of 1).
    @Test func closedFormGDReachesMinNormAtLargeBudgetsAndStaysExact() throws {
        var rng = RNG(seed: 7)
        let (n, p) = (10, 6)
        let phi = Tensor<Double>.normal([n, p], rng: &rng), y = Tensor<Double>.normal([n, 2], rng: &rng)
        let f = try svd(phi), scenario = DoubleDescent()
        let gd = scenario.spectralFit(f, y, filter: scenario.gdFilter(f.s, n: n, steps: 1_000_000_000_000))
        let minNorm = scenario.spectralFit(f, y, filter: scenario.minNormFilter(f.s, n: n, p: p))
        for i in 0..<gd.count { #expect(abs(gd[flat: i] - minNorm[flat: i]) < 1e-10 * max(1, abs(minNorm[flat: i]))) }
        // s = [1, s1] with eta s1^2 / n = 1e-13 at n = 1: the filter is (1 - (1 - 1e-13)^1e12) / s1.
        let s1 = (1e-13).squareRoot()
        let filter = scenario.gdFilter([1, s1], n: 1, steps: 1_000_000_000_000)
        let exact = -Double.expMinusOne(-0.1) / s1
        #expect(abs(filter[1] - exact) < 1e-9 * exact, "\(filter[1]) vs \(exact)")
    }

    @Test func minNormFitInterpolatesAndMatchesLAPACKLeastSquares() throws {
        var rng = RNG(seed: 6)
        let phi = Tensor<Double>.normal([6, 10], rng: &rng), y = Tensor<Double>.normal([6, 2], rng: &rng)
        let f = try svd(phi)
        let w = DoubleDescent().spectralFit(f, y, filter: DoubleDescent().minNormFilter(f.s, n: 6, p: 10))
        let reference = try leastSquaresMinNorm(phi, y).x
        for i in 0..<w.count { #expect(abs(w[flat: i] - reference[flat: i]) < 1e-10) }
    }
}

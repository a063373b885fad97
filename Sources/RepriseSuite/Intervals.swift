import Foundation

/// How a metric's 95% interval is computed, and the fewest units at which it may be believed.
///
/// Each method's coverage is measured by simulation (`IntervalCoverageTests`: 4000 seeded
/// repetitions at 3, 5, 8 and 40 units, on normal and on lognormal (sigma 1) units, for the
/// statistic the method serves). `minimumUnits` is the smallest of those counts from which the
/// simulated coverage is at least 93% on both; below it a claim judged on the interval is
/// inconclusive, "too few units". A method with no such count is never used to decide a claim.
public enum IntervalMethod: String, Codable, Sendable, CaseIterable {
    /// No interval: a closed form, a count, one trajectory's event, or a statistic of the runs as
    /// they were measured (the best of n runs, as the paper's "best" column is).
    case exact
    /// A mean of per-unit paired differences (two runs from the same init, say): Student t with
    /// n - 1 degrees of freedom, simulated on differences of two draws of the same shape.
    case pairedT
    /// A plain mean of per-unit values: the same Student t interval. It covers normal units but not
    /// skewed ones (81-88% on lognormal units at 3-40), so it is printed and never decides a claim.
    case studentT
    /// exp of a mean of per-unit logs (a ratio of geometric means, a paired log-ratio): Student t on the logs.
    case logT
    /// A median: the distribution-free order-statistic interval [x(k), x(n+1-k)], k from Binomial(n, 1/2).
    case orderStatistic
    /// A least-squares slope over x of per-group statistics: each group's delete-one jackknife
    /// standard error, combined with the slope's weights, Student t with (smallest group - 1) degrees of freedom.
    case slopeT
    /// The largest |relative deviation| (or the smallest value) over coordinates of per-coordinate
    /// means: Student t intervals at the Bonferroni level 0.05 / coordinates, so that all hold at once.
    /// It covers normal units (96-99% simulated) but not lognormal ones (19-80%: a t interval at the
    /// 0.1% level is far too short on the skewed side), so it never decides a claim.
    case extremumBand
    /// The same band on the logs of positive units: the largest |relative deviation| over coordinates
    /// of per-coordinate geometric means, each from a Student t interval of the mean log at the
    /// Bonferroni level. Logs of lognormal units are normal, so it covers them; it covers normal units
    /// with a 30% spread too (`IntervalCoverageTests`).
    case logBand
    /// The stratified percentile bootstrap. Its coverage is not shown for the statistics it serves
    /// here (with 3 units its 2.5% quantile is the worst unit: 76% simulated coverage for a mean), so
    /// it is printed for the record and never decides a claim.
    case bootstrap
    /// The worst unit's value (the smallest, or the largest, whichever side the claim bounds): a claim
    /// on it says that every unit run satisfied it. No sampling interval is claimed; the interval is
    /// that value and `units` counts the runs it covers, so a claim can ask for `min_units`.
    case everyUnit

    public var minimumUnits: Int? {
        switch self {
        case .exact, .everyUnit: return 1
        case .pairedT, .logT, .slopeT, .logBand: return 3
        // 5 units give [min, max] with exact coverage 93.75%; 6 are the fewest that reach the nominal 95%.
        case .orderStatistic: return 6
        case .studentT, .extremumBand, .bootstrap: return nil
        }
    }

    /// One line for reports and the README's inventory.
    public var summary: String {
        switch self {
        case .exact: return "exact (no interval)"
        case .pairedT: return "paired Student t"
        case .studentT: return "Student t of a plain mean (no coverage on skewed units: never decides)"
        case .logT: return "Student t on logs"
        case .orderStatistic: return "order statistics (binomial)"
        case .slopeT: return "jackknife slope, Student t"
        case .extremumBand: return "Bonferroni Student t band (no coverage on skewed units: never decides)"
        case .logBand: return "Bonferroni Student t band on logs"
        case .bootstrap: return "percentile bootstrap (no tested coverage: never decides)"
        case .everyUnit: return "worst unit (holds in every unit run; no sampling interval)"
        }
    }
}

extension Stats {
    /// Student t interval of the mean of `xs` at `level` (two-sided). Fewer than two values: the whole line.
    public static func studentT(_ xs: [Double], level: Double = 0.95) -> ClosedRange<Double> {
        let n = xs.count
        guard n >= 2 else { return -Double.infinity...Double.infinity }
        let m = mean(xs)
        let sd = (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)).squareRoot()
        let h = tQuantile(0.5 + level / 2, degrees: Double(n - 1)) * sd / Double(n).squareRoot()
        return h.isNaN ? -Double.infinity...Double.infinity : (m - h)...(m + h)
    }

    /// The order-statistic interval of the median: the narrowest [x(k), x(n+1-k)] whose coverage
    /// 1 - 2 P(Binomial(n, 1/2) < k) is at least `level`; with too few values for that, [min, max].
    public static func medianInterval(_ xs: [Double], level: Double = 0.95) -> ClosedRange<Double> {
        let s = xs.filter { !$0.isNaN }.sorted()
        let n = s.count
        guard n > 0 else { return -Double.infinity...Double.infinity }
        var k = 1
        while k + 1 <= (n + 1) / 2 && medianCoverage(n: n, k: k + 1) >= level { k += 1 }
        return s[k - 1]...s[n - k]
    }

    /// The exact coverage of [x(k), x(n+1-k)] for the median of a continuous distribution.
    public static func medianCoverage(n: Int, k: Int) -> Double {
        var tail = 0.0
        var term = Double.pow(0.5, Double(n))  // P(Bin = 0)
        for j in 0..<k {
            tail += term
            term *= Double(n - j) / Double(j + 1)
        }
        return 1 - 2 * tail
    }

    /// The least-squares slope over `x` of `statistic` applied to each group, with a 95% interval:
    /// each group's delete-one jackknife standard error (for a mean, exactly s / sqrt(n)), combined
    /// through the slope's linear weights, Student t with (smallest group - 1) degrees of freedom.
    public static func slopeInterval<Unit>(
        x: [Double], groups: [[Unit]], _ statistic: ([Unit]) -> Double
    )
        -> (slope: Double, interval: ClosedRange<Double>)
    {
        let values = groups.map(statistic)
        let s = slope(x, values)
        let mx = mean(x)
        let sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        var variance = 0.0
        for (xi, g) in zip(x, groups) {
            let w = (xi - mx) / sxx
            variance += w * w * jackknifeVariance(g, statistic)
        }
        let smallest = groups.map(\.count).min() ?? 0
        guard smallest >= 2, variance.isFinite else { return (s, -Double.infinity...Double.infinity) }
        let h = tQuantile(0.975, degrees: Double(smallest - 1)) * variance.squareRoot()
        return (s, (s - h)...(s + h))
    }

    /// The delete-one jackknife estimate of the variance of `statistic` over `units`.
    public static func jackknifeVariance<Unit>(_ units: [Unit], _ statistic: ([Unit]) -> Double) -> Double {
        let n = units.count
        guard n >= 2 else { return .infinity }
        var rest = units
        rest.removeLast()
        var leaveOut = [Double](repeating: 0, count: n)
        for i in 0..<n {
            // rest holds every unit but i: swap unit i out, the previously left-out one back in.
            if i < n - 1 { rest[i] = units[n - 1] }
            if i > 0 { rest[i - 1] = units[i - 1] }
            leaveOut[i] = statistic(rest)
        }
        let m = mean(leaveOut)
        return Double(n - 1) / Double(n) * leaveOut.reduce(0) { $0 + ($1 - m) * ($1 - m) }
    }

    /// What an extremum band reads at each coordinate: the per-unit values, and the increasing
    /// function that turns their mean into the coordinate's deviation (mean / limit - 1, say).
    public struct Coordinate {
        public let values: [Double]
        public let deviation: (Double) -> Double
        public init(values: [Double], deviation: @escaping (Double) -> Double) {
            (self.values, self.deviation) = (values, deviation)
        }
    }

    /// max over coordinates of |deviation(mean)| with a 95% interval from Student t
    /// intervals at the Bonferroni level 0.05 / coordinates: when every coordinate's interval
    /// covers (probability >= 95%), the largest |deviation| lies between the largest distance from
    /// 0 of any coordinate's interval and the largest far end.
    /// The level of each of `coordinates` intervals that hold all at once with probability 95% (Bonferroni).
    public static func bonferroniLevel(_ coordinates: Int) -> Double { 1 - 0.05 / Double(coordinates) }

    public static func maxAbsDeviation(_ coordinates: [Coordinate]) -> (value: Double, interval: ClosedRange<Double>) {
        let level = bonferroniLevel(coordinates.count)
        var value = -Double.infinity
        var low = 0.0
        var high = 0.0
        for c in coordinates {
            let t = studentT(c.values, level: level)
            let (lo, hi) = (c.deviation(t.lowerBound), c.deviation(t.upperBound))
            value = max(value, abs(c.deviation(mean(c.values))))
            low = max(low, lo > 0 ? lo : hi < 0 ? -hi : 0)
            high = max(high, max(abs(lo), abs(hi)))
        }
        return (value, low...high)
    }

    /// max over coordinates k of |exp(mean log x_k) / reference_k - 1| for positive units x_k, with
    /// the band of `maxAbsDeviation` computed on the logs (exp is monotone, so the band maps through
    /// it). A unit that is not positive has no log: the interval is then the whole half-line.
    public static func maxAbsLogDeviation(
        _ values: [[Double]], reference: [Double]
    )
        -> (value: Double, interval: ClosedRange<Double>)
    {
        precondition(values.count == reference.count, "one reference per coordinate")
        guard values.allSatisfy({ $0.allSatisfy { $0 > 0 } }) else {
            let plain = zip(values, reference).map { abs(mean($0) / $1 - 1) }.max() ?? .nan
            return (plain, 0...Double.infinity)
        }
        let coordinates = zip(values, reference).map { xs, r in
            Coordinate(values: xs.map { Double.log($0) }) { Double.exp($0) / r - 1 }
        }
        return maxAbsDeviation(coordinates)
    }

    /// min over coordinates of deviation(mean), with the same Bonferroni band.
    public static func minDeviation(_ coordinates: [Coordinate]) -> (value: Double, interval: ClosedRange<Double>) {
        let level = bonferroniLevel(coordinates.count)
        var value = Double.infinity
        var low = Double.infinity
        var high = Double.infinity
        for c in coordinates {
            let t = studentT(c.values, level: level)
            value = min(value, c.deviation(mean(c.values)))
            low = min(low, c.deviation(t.lowerBound))
            high = min(high, c.deviation(t.upperBound))
        }
        return (value, low...high)
    }

    // MARK: Student's t distribution

    /// The p-quantile of Student's t with `degrees` degrees of freedom (bisection on the CDF,
    /// to 1e-12 relative: far below what a printed interval shows).
    public static func tQuantile(_ p: Double, degrees: Double) -> Double {
        guard p > 0, p < 1, degrees > 0 else { return .nan }
        if p < 0.5 { return -tQuantile(1 - p, degrees: degrees) }
        var lo = 0.0
        var hi = 1.0
        while tCDF(hi, degrees: degrees) < p { hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if tCDF(mid, degrees: degrees) < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-12 * hi { break }
        }
        return (lo + hi) / 2
    }

    /// P(T <= t) for Student's t: 1 - I_x(nu/2, 1/2) / 2 with x = nu / (nu + t^2), for t >= 0.
    public static func tCDF(_ t: Double, degrees nu: Double) -> Double {
        let tail = 0.5 * regularizedBeta(nu / (nu + t * t), nu / 2, 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The regularized incomplete beta function I_x(a, b), by its continued fraction
    /// (modified Lentz), using the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where it converges faster.
    public static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let front = Double.exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * Double.log(x) + b * Double.log(1 - x))
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedBeta(1 - x, b, a) }
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        d = 1 / (abs(d) < tiny ? tiny : d)
        var f = d
        for m in 1...300 {
            let m = Double(m)
            for step in 0..<2 {
                let num =
                    step == 0
                    ? m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
                    : -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
                d = 1 + num * d
                d = 1 / (abs(d) < tiny ? tiny : d)
                c = 1 + num / c
                if abs(c) < tiny { c = tiny }
                f *= c * d
                if step == 1 && abs(c * d - 1) < 1e-15 { return front * f / a }
            }
        }
        return front * f / a
    }
}

import Foundation
import RepriseEngine

/// Small statistics shared by the scenarios, the claims and the baselines.
public enum Stats {
    public static func median(_ xs: [Double]) -> Double {
        let s = xs.filter { !$0.isNaN }.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    public static func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }

    /// Ranks from 1, ties given their average rank.
    public static func ranks(_ xs: [Double]) -> [Double] {
        let order = xs.indices.sorted { xs[$0] < xs[$1] }
        var r = [Double](repeating: 0, count: xs.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && xs[order[j + 1]] == xs[order[i]] { j += 1 }
            for k in i...j { r[order[k]] = Double(i + j) / 2 + 1 }
            i = j + 1
        }
        return r
    }

    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let mx = mean(x), my = mean(y)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        return sxy / (sxx * syy).squareRoot()
    }

    /// Least-squares slope of y on x (on logs: a power-law exponent).
    public static func slope(_ x: [Double], _ y: [Double]) -> Double {
        let mx = mean(x), my = mean(y)
        return zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
    }

    /// Spearman's rank correlation: Pearson's r of the ranks.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double { pearson(ranks(x), ranks(y)) }

    /// A 95% percentile-bootstrap interval of `statistic` over independent units, resampled
    /// with replacement within each group (a stratified bootstrap: nets within their width,
    /// seeds within their cell), so every resample keeps the design of the measurement.
    /// 2000 resamples put the 2.5% and 97.5% quantiles within about 0.01 of their
    /// limiting coverage (Efron & Tibshirani 1993, Sec. 13). The stream is seeded from
    /// `seed` alone, so an interval is as reproducible as the run. Infinite values sort to the
    /// ends (a log of a zero spread when every draw picked one net); if more than 2.5% of the
    /// resamples give no number at all (NaN), or no group has two units to vary, the units
    /// cannot pin the statistic down and the interval is the whole line.
    public static func bootstrap<Unit>(
        groups: [[Unit]], seed: UInt64, resamples: Int = 2000,
        _ statistic: ([[Unit]]) -> Double
    ) -> ClosedRange<Double> {
        bootstrap(groups: groups, seed: seed, resamples: resamples) { ["": statistic($0)] }[""]!
    }

    /// The same for several statistics of one resample at once (each gets its own interval).
    public static func bootstrap<Unit>(
        groups: [[Unit]], seed: UInt64, resamples: Int = 2000,
        _ statistics: ([[Unit]]) -> [String: Double]
    ) -> [String: ClosedRange<Double>] {
        guard groups.contains(where: { $0.count > 1 }) else {
            return statistics(groups).mapValues { _ in -Double.infinity...Double.infinity }
        }
        var rng = RNG(seed: seed)
        var draws: [String: [Double]] = [:]
        for _ in 0..<resamples {
            let resample = groups.map { g in (0..<g.count).map { _ in g[rng.int(below: g.count)] } }
            for (name, v) in statistics(resample) { draws[name, default: []].append(v) }
        }
        return draws.mapValues { all in
            let finite = all.filter { !$0.isNaN }.sorted()
            guard Double(finite.count) >= 0.975 * Double(resamples) else { return -Double.infinity...Double.infinity }
            func quantile(_ q: Double) -> Double {
                let h = q * Double(finite.count - 1), i = Int(h), f = h - Double(i)
                return f == 0 || i + 1 == finite.count || finite[i] == finite[i + 1]
                    ? finite[i] : finite[i] + f * (finite[i + 1] - finite[i])
            }
            return quantile(0.025)...quantile(0.975)
        }
    }

    /// Two-sided Mann-Whitney U test of two independent samples: the exact p-value from the
    /// permutation distribution of U when neither sample is larger than 20 (ties get average
    /// ranks, and the permutation is over the tied ranks as they are), else the normal
    /// approximation with the tie correction.
    public static func mannWhitneyP(_ a: [Double], _ b: [Double]) -> Double {
        let n1 = a.count, n2 = b.count
        guard n1 > 0, n2 > 0 else { return 1 }
        let r = ranks(a + b)
        let u = r[..<n1].reduce(0, +) - Double(n1 * (n1 + 1)) / 2
        let centre = Double(n1 * n2) / 2
        if n1 <= 20 && n2 <= 20 {
            // Distribution of the rank sum of n1 of the pooled ranks, over all subsets (dynamic programming on doubled
            // ranks).
            let doubled = r.map { Int(($0 * 2).rounded()) }
            let total = doubled.reduce(0, +)
            var ways = [[Double]](repeating: [Double](repeating: 0, count: total + 1), count: n1 + 1)
            ways[0][0] = 1
            for d in doubled {
                for k in stride(from: n1, through: 1, by: -1) {
                    for s in stride(from: total, through: d, by: -1) where ways[k - 1][s - d] > 0 {
                        ways[k][s] += ways[k - 1][s - d]
                    }
                }
            }
            let all = ways[n1].reduce(0, +)
            let observed = abs(u - centre)
            var extreme = 0.0
            for (s, w) in ways[n1].enumerated() where w > 0 {
                let uu = Double(s) / 2 - Double(n1 * (n1 + 1)) / 2
                if abs(uu - centre) >= observed - 1e-9 { extreme += w }
            }
            return min(1, extreme / all)
        }
        var tieTerm = 0.0
        let sorted = (a + b).sorted()
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[i] { j += 1 }
            let t = Double(j - i + 1)
            tieTerm += t * t * t - t
            i = j + 1
        }
        let n = Double(n1 + n2)
        let variance = Double(n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return 1 }
        let z = (abs(u - centre) - 0.5) / variance.squareRoot()
        return min(1, erfc(max(0, z) / 2.squareRoot()))
    }

    /// The smallest two-sided p-value Mann-Whitney U can give for these sample sizes
    /// (all of one sample above all of the other): below it, the test can never reject.
    public static func mannWhitneyMinimumP(_ n1: Int, _ n2: Int) -> Double {
        var c = 1.0
        for i in 0..<min(n1, n2) { c = c * Double(n1 + n2 - i) / Double(i + 1) }
        return min(1, 2 / c)
    }
}

import Foundation
import RepriseEngine

/// A replication: code that runs the paper's protocol and draws its figures.
/// Everything declarative (paper, numbers, claims, profiles) lives in
/// `Replications/<id>/`; adding a scenario is that folder plus one type
/// conforming to this protocol, listed in `RepriseScenarios/Registry.swift`.
///
/// The work is split as a methods section is: `trials` lists the independent
/// units (each a pure function of its own config and the seed), `run(_:)` does
/// one of them, and `aggregate` turns their results into the series and metrics
/// that claims, figures and baselines read. The suite runs trials in parallel,
/// caches them in the store and resumes after an interrupt.
public protocol Scenario: Sendable {
    static var id: String { get }
    /// Every config key the scenario reads, with its type and valid values: profiles are
    /// checked against them at load, `--set` values before anything runs.
    static var parameters: [Parameter] { get }
    /// Every metric `aggregate` records: the names claims and baselines may read.
    static var metrics: [String] { get }
    init()
    /// Rejects configs whose values are each valid but not together (a grid without its
    /// threshold, say) before a run is stored.
    func validate(_ config: Config) throws
    /// The run's independent trials, in the order `aggregate` wants them.
    func trials(_ config: Config) throws -> [Trial]
    /// Runs one trial, recording its results into `trial`.
    func run(_ trial: TrialContext) throws
    /// Turns the trials' results into the run's series and metrics; claims are
    /// then judged from the recorded metrics, never by the scenario itself.
    func aggregate(_ results: TrialResults, into run: RunContext) throws
    /// The figures, drawn from stored data only, so they can be redrawn without re-running.
    func figures(_ data: RunData) -> [Figure]
}

extension Scenario {
    public func validate(_ config: Config) throws {}
}

/// A stored run, as figures and reports read it, with its claims judged now: from its
/// stored metrics against the scenario's current `claims.json` (whose hash is `claimsHash`).
public struct RunData: Sendable {
    public let record: Store.RunRecord
    public let series: [String: [(x: Double, y: Double)]]
    public let metrics: [String: Estimate]
    public let claims: [ClaimResult]
    public let claimsHash: String
    /// The OpenBLAS build and kernel the run's trials computed with ("mixed: a | b" if they differ).
    public let openblas: String
    /// The config the run resolved (its profile with the overrides), parsed: figures read titles and legends
    /// from it with the scenario's keys (`data.config[Keys.depth]`).
    public let config: Config

    public init(store: Store, record: Store.RunRecord, replication: Replication) throws {
        self.record = record
        config = try Config(json: record.configJSON)
        let kernels = try store.openblasKernels(ofRun: record.id)
        openblas = kernels.count == 1 ? kernels[0] : "mixed: " + kernels.joined(separator: " | ")
        series = try store.series(record.id)
        let metrics = try store.metrics(record.id)
        self.metrics = metrics
        claims = replication.judge(
            metrics, profile: record.profile,
            oldestTrial: try store.oldestTrialTime(ofRun: record.id))
        claimsHash = replication.claimsHash
    }

    public func series(_ name: String) -> [(x: Double, y: Double)] { series[name] ?? [] }
    public func metric(_ name: String) -> Double { metrics[name]?.value ?? .nan }
    public var verdicts: [String: Verdict] {
        Dictionary(claims.map { ($0.id, $0.verdict) }, uniquingKeysWith: { a, _ in a })
    }
}

/// What the aggregate step writes into: the run's resolved config and seed, and
/// the series and metrics that are stored with the run.
public final class RunContext {
    public let scenario: String, profile: Profile
    public let config: Config
    public let seed: UInt64
    private(set) var series: [String: [(x: Double, y: Double)]] = [:]
    private(set) var metrics: [String: Estimate] = [:]

    init(scenario: String, profile: Profile, config: Config, seed: UInt64) {
        (self.scenario, self.profile, self.config, self.seed) = (scenario, profile, config, seed)
    }

    /// Appends a point to a series (a curve of a figure, or a row of a table).
    public func record(_ name: String, x: Double, y: Double) { series[name, default: []].append((x, y)) }

    /// Sets an exact summary metric (no interval); claims and baselines read these. Non-finite values
    /// are kept and flagged in the store (+inf is how scenarios say "never happened within the budget").
    public func metric(_ name: String, _ value: Double) { metrics[name] = Estimate(value) }

    /// The mean of one paired difference per unit (noise minus no noise from the same init, say),
    /// with its Student t interval.
    public func meanDifference(_ name: String, of differences: [Double]) {
        metrics[name] = Estimate(
            Stats.mean(differences), interval: Stats.studentT(differences),
            units: differences.count, method: .pairedT)
    }

    /// The plain mean of one value per unit, with its Student t interval, printed for the reader:
    /// on skewed units it does not cover (`IntervalMethod.studentT`), so it never decides a claim.
    public func mean(_ name: String, of values: [Double]) {
        metrics[name] = Estimate(
            Stats.mean(values), interval: Stats.studentT(values), units: values.count,
            method: .studentT)
    }

    /// exp of the mean of one log per unit (a ratio of geometric means, paired by unit), with the
    /// Student t interval of the logs' mean mapped through exp.
    public func geometricMean(_ name: String, ofLogs logs: [Double]) {
        let t = Stats.studentT(logs)
        let interval = Double.exp(t.lowerBound)...Double.exp(t.upperBound)
        metrics[name] = Estimate(Double.exp(Stats.mean(logs)), interval: interval, units: logs.count, method: .logT)
    }

    /// exp(mean a) / exp(mean b) for logs paired by unit (two methods' perplexities over the same
    /// seeds), with the Student t interval of the mean paired difference a - b mapped through exp.
    public func pairedRatio(_ name: String, logs: [(a: Double, b: Double)]) {
        let t = Stats.studentT(logs.map { $0.a - $0.b })
        let value = Double.exp(Stats.mean(logs.map(\.a))) / Double.exp(Stats.mean(logs.map(\.b)))
        let interval = Double.exp(t.lowerBound)...Double.exp(t.upperBound)
        metrics[name] = Estimate(value, interval: interval, units: logs.count, method: .logT)
    }

    /// The worst of one value per unit (the largest when `largest`, else the smallest), so that a claim
    /// on it holds in every unit run (`IntervalMethod.everyUnit`); NaN if any unit's value is NaN.
    public func worstUnit(_ name: String, of values: [Double], largest: Bool) {
        guard !values.isEmpty, !values.contains(where: \.isNaN) else {
            metrics[name] = Estimate(.nan, units: values.count, method: .everyUnit)
            return
        }
        let worst = largest ? values.max()! : values.min()!
        metrics[name] = Estimate(worst, interval: worst...worst, units: values.count, method: .everyUnit)
    }

    /// The median of one value per unit, with its order-statistic interval.
    public func median(_ name: String, of values: [Double]) {
        metrics[name] = Estimate(
            Stats.median(values), interval: Stats.medianInterval(values), units: values.count,
            method: .orderStatistic)
    }

    /// The least-squares slope over `x` of `statistic` of each group of units, with the jackknife
    /// interval of `Stats.slopeInterval`; `units` is the smallest group's size.
    public func slope<Unit>(_ name: String, x: [Double], groups: [[Unit]], _ statistic: ([Unit]) -> Double) {
        let (value, interval) = Stats.slopeInterval(x: x, groups: groups, statistic)
        metrics[name] = Estimate(
            value, interval: interval, units: groups.map(\.count).min(), method: .slopeT,
            groups: groups.count)
    }

    /// max over coordinates of |deviation(mean)|, with its Bonferroni band (`Stats.maxAbsDeviation`).
    public func maxAbsDeviation(_ name: String, _ coordinates: [Stats.Coordinate]) {
        band(name, Stats.maxAbsDeviation(coordinates), units: coordinates.map(\.values.count), .extremumBand)
    }

    /// max over coordinates of |geometric mean / reference - 1| for positive units, with the Bonferroni
    /// band of Student t intervals on the logs (`IntervalMethod.logBand`). `values[k]` are coordinate
    /// k's units, `reference[k]` what their geometric mean is compared with.
    public func maxAbsLogDeviation(_ name: String, values: [[Double]], reference: [Double]) {
        band(name, Stats.maxAbsLogDeviation(values, reference: reference), units: values.map(\.count), .logBand)
    }

    /// min over coordinates of deviation(mean), with its Bonferroni band (`Stats.minDeviation`).
    public func minDeviation(_ name: String, _ coordinates: [Stats.Coordinate]) {
        band(name, Stats.minDeviation(coordinates), units: coordinates.map(\.values.count), .extremumBand)
    }

    /// A metric whose units did not qualify in this run (a claim's stated rule left too few): NaN on an
    /// unbounded interval over 0 units, so that a claim on it is inconclusive ("too few units"), not failed.
    public func tooFewUnits(_ name: String, method: IntervalMethod) {
        metrics[name] = Estimate(.nan, interval: -Double.infinity...Double.infinity, units: 0, method: method)
    }

    /// A statistic over coordinates with its simultaneous band: `units` holds each coordinate's unit count.
    private func band(
        _ name: String, _ b: (value: Double, interval: ClosedRange<Double>), units: [Int],
        _ method: IntervalMethod
    ) {
        metrics[name] = Estimate(b.value, interval: b.interval, units: units.min(), method: method, groups: units.count)
    }

    /// A statistic of independent units with a 95% percentile-bootstrap interval over the units
    /// resampled within their groups (`Stats.bootstrap`), for statistics no method with tested
    /// coverage serves (a Spearman rho, a nonlinear fit, an argmax). The interval is recorded for
    /// the reader and never decides a claim (`IntervalMethod.bootstrap`). The resampling stream
    /// comes from the run's seed and the metric's name.
    public func bootstrap<Unit>(_ name: String, groups: [[Unit]], _ statistic: ([[Unit]]) -> Double) {
        bootstraps(of: groups, label: name) { [name: statistic($0)] }
    }

    /// The same for units in one group.
    public func bootstrap<Unit>(_ name: String, units: [Unit], _ statistic: ([Unit]) -> Double) {
        bootstrap(name, groups: [units]) { statistic($0[0]) }
    }

    /// Several bootstrapped metrics of the same units, each with its own interval, computed from one
    /// set of resamples (for statistics that share their expensive part, such as a curve's peak).
    public func bootstraps<Unit>(of groups: [[Unit]], label: String, _ statistics: ([[Unit]]) -> [String: Double]) {
        var h = FNV1a()
        h.add(label.utf8)
        let intervals = Stats.bootstrap(groups: groups, seed: seed ^ h.state, statistics)
        let units = groups.map(\.count).min() ?? 0
        for (name, value) in statistics(groups) {
            metrics[name] = Estimate(
                value, interval: intervals[name], units: units, method: .bootstrap,
                groups: groups.count)
        }
    }

    /// A metric recorded earlier moved by a constant (an exponent against its expected value):
    /// the same interval, method and units, shifted.
    public func offset(_ name: String, from source: String, by delta: Double) {
        guard let e = metrics[source] else { return }
        // A NaN offset (no prediction to compare with) gives a NaN metric, not an interval of NaNs.
        guard delta.isFinite else {
            metrics[name] = Estimate(.nan)
            return
        }
        let interval = e.interval.map { ($0.lowerBound + delta)...($0.upperBound + delta) }
        metrics[name] = Estimate(
            e.value + delta, interval: interval, units: e.units, method: e.method,
            groups: e.groups)
    }

    /// A metric recorded earlier in this run (NaN if none), for metrics derived from others.
    public func metricValue(_ name: String) -> Double { metrics[name]?.value ?? .nan }
}

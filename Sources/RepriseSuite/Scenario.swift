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

    public init(store: Store, record: Store.RunRecord, replication: Replication) throws {
        self.record = record
        let kernels = try store.openblasKernels(ofRun: record.id)
        openblas = kernels.count == 1 ? kernels[0] : "mixed: " + kernels.joined(separator: " | ")
        series = try store.series(record.id)
        let metrics = try store.metrics(record.id)
        self.metrics = metrics
        claims = replication.claims.map { $0.evaluate(metrics: metrics, profile: record.profile) }
        claimsHash = replication.claimsHash
    }

    public func series(_ name: String) -> [(x: Double, y: Double)] { series[name] ?? [] }
    public func metric(_ name: String) -> Double { metrics[name]?.value ?? .nan }
    public var verdicts: [String: Verdict] { Dictionary(claims.map { ($0.id, $0.verdict) }, uniquingKeysWith: { a, _ in a }) }
}

/// What the aggregate step writes into: the run's resolved config and seed, and
/// the series and metrics that are stored with the run.
public final class RunContext {
    public let scenario: String, profile: String
    public let config: Config
    public let seed: UInt64
    private(set) var series: [String: [(x: Double, y: Double)]] = [:]
    private(set) var metrics: [String: Estimate] = [:]

    init(scenario: String, profile: String, config: Config, seed: UInt64) {
        (self.scenario, self.profile, self.config, self.seed) = (scenario, profile, config, seed)
    }

    /// Appends a point to a series (a curve of a figure, or a row of a table).
    public func record(_ name: String, x: Double, y: Double) { series[name, default: []].append((x, y)) }

    /// Sets an exact summary metric (no interval); claims and baselines read these. Non-finite values
    /// are kept and flagged in the store (+inf is how scenarios say "never happened within the budget").
    public func metric(_ name: String, _ value: Double) { metrics[name] = Estimate(value) }

    /// Sets a metric that aggregates independent units: `statistic` of the units as measured, with
    /// a 95% bootstrap interval over the units resampled within their groups (`Stats.bootstrap`).
    /// The resampling stream comes from the run's seed and the metric's name.
    public func metric<Unit>(_ name: String, groups: [[Unit]], _ statistic: ([[Unit]]) -> Double) {
        metrics(of: groups, label: name) { [name: statistic($0)] }
    }

    /// The same for units in one group.
    public func metric<Unit>(_ name: String, units: [Unit], _ statistic: ([Unit]) -> Double) {
        metric(name, groups: [units]) { statistic($0[0]) }
    }

    /// Several metrics of the same units, each with its own interval, computed from one set of
    /// resamples (for statistics that share their expensive part, such as a curve's peak).
    public func metrics<Unit>(of groups: [[Unit]], label: String, _ statistics: ([[Unit]]) -> [String: Double]) {
        var h = FNV1a()
        h.add(label.utf8)
        let intervals = Stats.bootstrap(groups: groups, seed: seed ^ h.state, statistics)
        let units = groups.reduce(0) { $0 + $1.count }
        for (name, value) in statistics(groups) { metrics[name] = Estimate(value, interval: intervals[name], units: units) }
    }

    /// A metric recorded earlier in this run (NaN if none), for metrics derived from others.
    public func metricValue(_ name: String) -> Double { metrics[name]?.value ?? .nan }
}

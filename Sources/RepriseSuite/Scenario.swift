import Foundation
import RepriseEngine

/// A replication: code that runs the paper's protocol and draws its figures.
/// Everything declarative (paper, numbers, claims, profiles) lives in
/// `Replications/<id>/`; adding a scenario is that folder plus one type
/// conforming to this protocol, listed in `RepriseScenarios/Registry.swift`.
public protocol Scenario: Sendable {
    static var id: String { get }
    init()
    /// Runs the protocol, recording series and metrics into `run`; claims are
    /// then judged from the recorded metrics, never by the scenario itself.
    func run(_ run: RunContext) throws
    /// The figures, drawn from stored data only, so they can be redrawn without re-running.
    func figures(_ data: RunData) -> [Figure]
    /// Rejects values that the config's types allow but the scenario does not know (an
    /// unknown variant name, say) before a run is stored.
    func validate(_ config: Config) throws
}

extension Scenario {
    public func validate(_ config: Config) throws {}
}

/// A stored run, as figures and reports read it.
public struct RunData: Sendable {
    public let record: Store.RunRecord
    public let series: [String: [(x: Double, y: Double)]]
    public let metrics: [String: Double]
    public let claims: [ClaimResult]

    public init(store: Store, record: Store.RunRecord) throws {
        self.record = record
        series = try store.series(record.id)
        metrics = try store.metrics(record.id)
        claims = try store.claims(record.id)
    }

    public func series(_ name: String) -> [(x: Double, y: Double)] { series[name] ?? [] }
    public func metric(_ name: String) -> Double { metrics[name] ?? .nan }
}

/// What a scenario sees while it runs: its resolved config and seed, a place to
/// record series and metrics, and progress reporting that also delivers Ctrl-C.
public final class RunContext {
    public let scenario: String, profile: String
    public let config: Config
    public let seed: UInt64
    private(set) var series: [String: [(x: Double, y: Double)]] = [:]
    private(set) var metrics: [String: Double] = [:]
    private let progressReporter: Progress

    init(scenario: String, profile: String, config: Config, seed: UInt64, progress: Progress) {
        (self.scenario, self.profile, self.config, self.seed, self.progressReporter) = (scenario, profile, config, seed, progress)
    }

    /// A random stream for one named part of the run, independent of the others.
    public func rng(_ label: String) -> RNG { RNG(seed: seed).split(label) }

    /// Appends a point to a series (a curve of a figure, or a row of a table).
    public func record(_ name: String, x: Double, y: Double) { series[name, default: []].append((x, y)) }

    /// Sets a summary metric; claims and baselines read these. Non-finite values are kept and flagged
    /// in the store (+inf is how scenarios say "never happened within the budget").
    public func metric(_ name: String, _ value: Double) { metrics[name] = value }

    /// A metric recorded earlier in this run (NaN if none), for metrics derived from others.
    public func metricValue(_ name: String) -> Double { metrics[name] ?? .nan }

    /// Reports progress and is where an interrupt (Ctrl-C) stops the run.
    public func progress(_ done: Int, of total: Int, _ label: String = "") throws {
        try Interrupts.checkpoint()
        progressReporter.update(done, total, label)
    }

    public func note(_ message: String) { progressReporter.note(message) }
}

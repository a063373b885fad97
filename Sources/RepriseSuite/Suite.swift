import Foundation
import RepriseEngine

/// The result of one `reprise run`, as printed with --json.
public struct RunOutcome: Codable, Sendable {
    public let runID: Int64
    public let scenario: String, profile: String, seed: UInt64, configHash: String
    public let status: String
    public let wallSeconds: Double
    public let metrics: [String: Double]
    public let claims: [ClaimResult]
}

/// The suite: registered scenarios, their replication files, one store.
/// Every CLI verb is a method here, so tests drive exactly what users run.
public final class Suite {
    public let store: Store
    public let scenarios: [any Scenario.Type]
    public let root: URL

    public init(store: Store, scenarios: [any Scenario.Type], root: URL = Replication.root) {
        (self.store, self.scenarios, self.root) = (store, scenarios, root)
    }

    public var ids: [String] { scenarios.map { $0.id } }

    public func scenario(_ id: String) throws -> any Scenario.Type {
        guard let s = scenarios.first(where: { $0.id == id }) else { throw SuiteError.unknownScenario(id, known: ids) }
        return s
    }

    public func replication(_ id: String) throws -> Replication {
        _ = try scenario(id)
        return try Replication(id: id, root: root)
    }

    /// The profile's config with overrides applied, and the seed (--seed, else the profile's `seed`, else 0).
    /// The seed is kept apart from the config so that runs differing only in seed share a config hash.
    public func resolve(_ id: String, profile: String, seed: UInt64?, overrides: [String]) throws -> (Config, UInt64) {
        let config = try replication(id).config(profile: profile).overriding(overrides)
        let profileSeed = config.values["seed"].flatMap { if case let .number(d) = $0 { return UInt64(d) } else { return nil } }
        return (config.removing("seed"), seed ?? profileSeed ?? 0)
    }

    /// Runs a scenario and stores everything: provenance first (so a crash leaves a
    /// trace), then the series, metrics and claim verdicts in one transaction.
    /// An interrupted or failed run is stored with what it measured and its status.
    public func run(_ id: String, profile: String = "quick", seed: UInt64? = nil, overrides: [String] = [],
                    quiet: Bool = false) throws -> RunOutcome {
        let type = try scenario(id)
        let rep = try replication(id)
        let (config, s) = try resolve(id, profile: profile, seed: seed, overrides: overrides)
        try type.init().validate(config)
        let start = Date()
        let runID = try store.beginRun(scenario: id, profile: profile, config: config, seed: s, provenance: .current(root: root))
        let progress = Progress(label: "\(id)/\(profile) run \(runID)", quiet: quiet)
        let context = RunContext(scenario: id, profile: profile, config: config, seed: s, progress: progress)
        var status = "ok", failure: Error?
        do {
            try type.init().run(context)
        } catch {
            status = (error as? SuiteError).map { if case .interrupted = $0 { "interrupted" } else { "failed" } } ?? "failed"
            failure = error
        }
        progress.finish()
        let claims = status == "ok" ? rep.claims.map { $0.evaluate(metrics: context.metrics, profile: profile) } : []
        try store.finishRun(runID, status: status, error: failure.map { "\($0)" }, usage: .since(start),
                            series: context.series, metrics: context.metrics, claims: claims)
        if let failure { throw failure }
        return RunOutcome(runID: runID, scenario: id, profile: profile, seed: s, configHash: config.hash, status: status,
                          wallSeconds: Date().timeIntervalSince(start), metrics: context.metrics, claims: claims)
    }

    public func figuresDirectory(_ id: String) -> URL { root.appendingPathComponent("results/figures/\(id)") }

    /// Redraws a scenario's figures from its latest stored run of `profile`.
    @discardableResult
    public func plot(_ id: String, profile: String = "quick", into dir: URL? = nil) throws -> [URL] {
        let type = try scenario(id)
        guard let record = try store.latestRun(scenario: id, profile: profile) else {
            throw SuiteError.noRuns("no finished '\(profile)' run of \(id) in \(store.path): run `reprise run \(id) --profile \(profile)` first")
        }
        let data = try RunData(store: store, record: record)
        return try Gnuplot.render(type.init().figures(data), into: dir ?? figuresDirectory(id))
    }
}

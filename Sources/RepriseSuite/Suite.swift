import Foundation
import RepriseEngine

/// The result of one `reprise run`, as printed with --json.
public struct RunOutcome: Codable, Sendable {
    public let runID: Int64
    public let scenario: String, profile: Profile, seed: UInt64, configHash: String
    public let status: Store.RunStatus
    public let wallSeconds: Double
    /// The run's trials, and how many of them this run computed (the rest came from the cache).
    public let trialsTotal: Int, trialsComputed: Int
    public let metrics: [String: Estimate]
    /// Judged from `metrics` against `claims.json` as it was read for this run (hash `claimsHash`).
    public let claims: [ClaimResult]
    public let claimsHash: String
}

/// The suite: registered scenarios, their replication files, one store, and how
/// trials are executed. What a CLI verb does is a method of the suite (here or in an extension: the
/// report, baselines, comparison, ledger), so tests drive what users run; the verbs in `Sources/reprise/`
/// parse arguments and print.
public final class Suite {
    public let store: Store
    public let scenarios: [any Scenario.Type]
    public let root: URL
    public let execution: Execution
    /// The identity of the code that computes trials: part of every trial's cache key.
    public let codeID: String
    /// Where finished runs of a profile's own config get their ledger entry (`Ledger`); nil: nowhere.
    /// The CLI sets it for the repository's own store, so scratch stores do not write the committed ledger.
    public var ledger: URL?

    public init(
        store: Store, scenarios: [any Scenario.Type], root: URL = Replication.root,
        execution: Execution = .inProcess, codeID: String
    ) {
        (self.store, self.scenarios, self.root, self.execution, self.codeID) = (
            store, scenarios, root, execution, codeID
        )
    }

    public var ids: [String] { scenarios.map { $0.id } }

    public func scenario(_ id: String) throws -> any Scenario.Type {
        guard let s = scenarios.first(where: { $0.id == id }) else { throw SuiteError.unknownScenario(id, known: ids) }
        return s
    }

    /// The scenario's replication files, checked against its declared parameters and metrics (once per
    /// process while the files stay as they are: `Catalog`).
    public func replication(_ id: String) throws -> Replication {
        try Catalog.shared.replication(try scenario(id), root: root)
    }

    /// The profile's config with overrides applied, and the seed (--seed, else the profile's `seed`, else 0).
    /// The seed is kept apart from the config so that runs differing only in seed share a config hash.
    public func resolve(_ id: String, profile: Profile, seed: UInt64?, overrides: [String]) throws -> (Config, UInt64) {
        let config = try replication(id).config(profile: profile).overriding(overrides)
        let profileSeed = config.values["seed"].flatMap {
            if case let .number(d) = $0 { return UInt64(d) } else { return nil }
        }
        return (config.removing("seed"), seed ?? profileSeed ?? 0)
    }

    /// The run's trials, checked: keys unique, at least one.
    public func trials(_ id: String, config: Config) throws -> [Trial] {
        let trials = try scenario(id).init().trials(config)
        guard !trials.isEmpty else { throw SuiteError.badConfig("this config gives \(id) no trials to run") }
        var seen = Set<String>()
        for t in trials where !seen.insert(t.key).inserted { fatalError("\(id) lists trial '\(t.key)' twice") }
        return trials
    }

    func cacheKey(_ id: String, _ trial: Trial, seed: UInt64) -> Store.TrialKey {
        Store.TrialKey(scenario: id, trial: trial.key, configHash: trial.config.hash, seed: seed, codeID: codeID)
    }

    /// Runs a scenario and stores everything: the run's provenance first (so a crash leaves a
    /// trace), each trial as it finishes (so an interrupt loses only the trials in flight), then
    /// the aggregate's series and metrics in one transaction. Verdicts are not stored: they are
    /// judged whenever a run is shown, against the claims file of that moment. Trials stored
    /// before under the same cache key are reused unless `fresh`.
    public func run(
        _ id: String, profile: Profile = .quick, seed: UInt64? = nil, overrides: [String] = [],
        fresh: Bool = false, quiet: Bool = false
    ) throws -> RunOutcome {
        let rep = try replication(id)
        let (scenario, config, s, trials) = try prepare(id, profile: profile, seed: seed, overrides: overrides)
        var cached: [String: Int64] = [:]
        if !fresh { for t in trials { cached[t.key] = try store.cachedTrial(cacheKey(id, t, seed: s)) } }
        let pending = trials.filter { cached[$0.key] == nil }

        let meter = Meter()
        let runID = try store.beginRun(
            scenario: id, profile: profile, config: config, seed: s, codeID: codeID,
            provenance: .current(root: root))
        let progress = TrialProgress(
            label: "\(id)/\(profile) run \(runID)", pending: pending, cached: cached.count, quiet: quiet)
        var status = Store.RunStatus.ok, failure: Error?
        let context = RunContext(scenario: id, profile: profile, config: config, seed: s)
        var ids: [Int64] = []
        do {
            let stored = try compute(id, pending, seed: s, replacing: fresh, progress: progress)
            progress.finish()
            // Each trial's stored row as the worker that wrote it reported it (or as the cache found it): never
            // found again by recomputing its cache key, which would rest on the config surviving a round trip.
            ids = try trials.map { t in
                guard let tid = stored[t.key] ?? cached[t.key] else {
                    throw SuiteError.store("trial \(t.key) was not stored")
                }
                return tid
            }
            let results = TrialResults(try zip(trials, ids).map { ($0.config, try store.trialValues($1)) })
            try scenario.aggregate(results, into: context)
            try Self.checkRecorded(
                id, declared: type(of: scenario).metrics, recorded: Array(context.metrics.keys),
                quiet: quiet)
        } catch {
            progress.finish()
            status =
                (error as? SuiteError).map { if case .interrupted = $0 { .interrupted } else { .failed } } ?? .failed
            failure = error
        }
        let computed = Set(pending.map(\.key))
        let childPeak = try store.peakRSSMegabytes(
            ofTrials: zip(trials, ids).filter { computed.contains($0.0.key) }.map(\.1))
        try store.finishRun(
            runID, status: status, error: failure.map { "\($0)" }, usage: meter.usage(childPeakMB: childPeak),
            trials: status == .ok ? (ids, pending.count) : nil,
            series: status == .ok ? context.series : [:], metrics: status == .ok ? context.metrics : [:])
        if let failure { throw failure }
        if let ledger, overrides.isEmpty { try Ledger.append(try ledgerEntry(run: runID), to: ledger) }
        return RunOutcome(
            runID: runID, scenario: id, profile: profile, seed: s, configHash: config.hash, status: status,
            wallSeconds: Date().timeIntervalSince(meter.start), trialsTotal: trials.count,
            trialsComputed: pending.count,
            metrics: context.metrics,
            claims: rep.judge(
                context.metrics, profile: profile,
                oldestTrial: try store.oldestTrialTime(ofRun: runID)),
            claimsHash: rep.claimsHash)
    }

    /// The validated config, seed and trials of a run, before anything is stored.
    /// A metric the aggregate step recorded but the scenario does not declare is an error before anything is
    /// stored: no claim, baseline or figure could name it, and a misspelt name would otherwise be stored
    /// silently while its claim reads NaN. A declared metric left unrecorded is said (claims on it are n/a).
    static func checkRecorded(_ id: String, declared: [String], recorded: [String], quiet: Bool) throws {
        let undeclared = Set(recorded).subtracting(declared).sorted()
        guard undeclared.isEmpty else {
            let names = undeclared.joined(separator: ", ")
            throw SuiteError.contract(
                "\(id) recorded metrics it does not declare: \(names); "
                    + "add them to the scenario's `metrics` (or correct the name)")
        }
        let missing = Set(declared).subtracting(recorded).sorted()
        if !missing.isEmpty && !quiet {
            let line =
                "note: \(id) did not record \(missing.count) declared metric(s) at this config: "
                + missing.joined(separator: ", ") + "\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    func prepare(
        _ id: String, profile: Profile, seed: UInt64?, overrides: [String]
    ) throws
        -> (scenario: any Scenario, config: Config, seed: UInt64, trials: [Trial])
    {
        let type = try self.scenario(id), scenario = type.init()
        let (config, s) = try resolve(id, profile: profile, seed: seed, overrides: overrides)
        try config.check(type.parameters)
        try scenario.validate(config)
        return (scenario, config, s, try trials(id, config: config))
    }

    /// Checks a request (scenario, profile, seed, overrides) and lists its trials without storing anything.
    public func plan(_ id: String, profile: Profile, seed: UInt64?, overrides: [String]) throws -> [Trial] {
        try prepare(id, profile: profile, seed: seed, overrides: overrides).trials
    }

    /// What one shard of a sweep did for one scenario.
    public struct ShardOutcome: Codable, Sendable {
        public let scenario: String, shard: String, trialsAssigned: Int, trialsComputed: Int
    }

    /// Computes only the trials assigned to `shard` (and not yet cached), storing each as it finishes;
    /// no run is stored and nothing is aggregated: `merge` and a plain `run` do that once every shard is in.
    public func runShard(
        _ ids: [String], profile: Profile, seed: UInt64? = nil, overrides: [String] = [], shard: Shard,
        fresh: Bool = false, quiet: Bool = false
    ) throws -> [ShardOutcome] {
        let work = try ids.map { id in
            (id: id, prepared: try prepare(id, profile: profile, seed: seed, overrides: overrides))
        }
        let assignment = Shard.assign(work.map { ($0.id, $0.prepared.trials) }, count: shard.count)
        return try work.map { id, prepared in
            let mine = prepared.trials.filter { assignment[id]?[shard.index]?.contains($0.key) == true }
            let pending =
                fresh ? mine : try mine.filter { try store.cachedTrial(cacheKey(id, $0, seed: prepared.seed)) == nil }
            let progress = TrialProgress(
                label: "\(id)/\(profile) shard \(shard)", pending: pending, cached: mine.count - pending.count,
                quiet: quiet)
            defer { progress.finish() }
            _ = try compute(id, pending, seed: prepared.seed, replacing: fresh, progress: progress)
            return ShardOutcome(
                scenario: id, shard: shard.description, trialsAssigned: mine.count, trialsComputed: pending.count)
        }
    }

    /// Computes trials with this suite's execution; each is stored as soon as it finishes.
    /// Computes and stores `pending`; the stored trials' row ids by trial key.
    func compute(
        _ id: String, _ pending: [Trial], seed: UInt64, replacing: Bool, progress: TrialProgress
    ) throws
        -> [String: Int64]
    {
        switch execution {
        case .inProcess:
            var stored: [String: Int64] = [:]
            for t in pending.sorted(by: { $0.cost > $1.cost }) {
                try Interrupts.checkpoint()
                progress.started(t)
                var notes: [String] = []
                stored[t.key] = try computeTrial(id, t, seed: seed, replacing: replacing) { notes.append($0) }
                progress.finished(t, notes: notes)
            }
            return stored
        case let .workers(executable, jobs):
            let pool = WorkerPool(executable: executable, jobs: jobs)
            return try pool.run(
                pending.map { t in
                    WorkerPool.Job(
                        trial: t,
                        arguments: [
                            "worker", id, "--key", t.key, "--config", t.config.canonicalJSON, "--seed", String(seed),
                            "--code-id", codeID, "--db", store.path,
                        ] + (replacing ? ["--replace"] : []))
                }, progress: progress)
        }
    }

    /// Runs one trial in this process and stores it in its own transaction: what a worker does.
    @discardableResult
    public func computeTrial(
        _ id: String, _ trial: Trial, seed: UInt64, replacing: Bool = false,
        notes: @escaping (String) -> Void
    ) throws -> Int64 {
        let type = try scenario(id)
        Parallel.setThreads(trial.blasThreads)
        let meter = Meter()
        let startedAt = Provenance.timestamp()
        let context = TrialContext(trial: trial, seed: seed, notes: notes)
        try type.init().run(context)
        return try store.storeTrial(
            cacheKey(id, trial, seed: seed), configJSON: trial.config.canonicalJSON, values: context.values,
            usage: meter.usage(), startedAt: startedAt, blasThreads: trial.blasThreads, pid: getpid(),
            replacing: replacing)
    }

    // MARK: Which runs count

    /// The one rule for which stored runs plot, report, check and baseline read: finished runs
    /// of the profile's own config, as `Replications/<id>/profiles.json` has it now (no `--set`),
    /// newest first, any seed. A diagnostic `--set` run never becomes what the report shows;
    /// it is read only when named by id (`plot --run`, `export`).
    public func selectedRuns(_ id: String, profile: Profile) throws -> [Store.RunRecord] {
        let hash = try resolve(id, profile: profile, seed: nil, overrides: []).0.hash
        return try store.runs(scenario: id, profile: profile, status: .ok).filter { $0.configHash == hash }
    }

    public func selectedRun(_ id: String, profile: Profile) throws -> Store.RunRecord? {
        try selectedRuns(id, profile: profile).first
    }

    /// Where a scenario's figures go: results/figures/<id> for the default profile's selected run (the
    /// committed figures), results/figures/<id>/<profile> for another profile's, results/figures/<id>/run-<N>
    /// for a named run, so that scratch work never overwrites what is committed.
    public func figuresDirectory(_ id: String, profile: Profile = Suite.defaultProfile, run: Int64? = nil) -> URL {
        let base = root.appendingPathComponent("results/figures/\(id)")
        if let run { return base.appendingPathComponent("run-\(run)") }
        return profile == Self.defaultProfile ? base : base.appendingPathComponent(profile.rawValue)
    }

    /// The profile `make replicate-all` runs, whose report and figures are committed.
    public static let defaultProfile = Profile.quick

    /// results/REPORT.md (or report.html) for the default profile, results/REPORT-<profile>.md otherwise.
    public func reportFile(profile: Profile, html: Bool) -> URL {
        let suffix = profile == Self.defaultProfile ? "" : "-\(profile)"
        return root.appendingPathComponent(html ? "results/report\(suffix).html" : "results/REPORT\(suffix).md")
    }

    /// Redraws a scenario's figures from its selected run of `profile`, or from the run `runID`.
    @discardableResult
    public func plot(_ id: String, profile: Profile = .quick, runID: Int64? = nil, into dir: URL? = nil) throws -> [URL]
    {
        let type = try scenario(id)
        let record: Store.RunRecord
        if let runID {
            guard let r = try store.run(runID), r.scenario == id, r.status == .ok else {
                throw SuiteError.noRuns("no finished run \(runID) of \(id) in \(store.path)")
            }
            record = r
        } else {
            guard let r = try selectedRun(id, profile: profile) else {
                throw SuiteError.noRuns(
                    "no finished '\(profile)' run of \(id) with the profile's own config in \(store.path): "
                        + "run `reprise run \(id) --profile \(profile)` first")
            }
            record = r
        }
        let rep = try replication(id)
        let data = try RunData(store: store, record: record, replication: rep)
        let drawn = type.init().figures(data)
        // A paper number for a figure the scenario never draws is a misspelt name, not a marker to drop.
        let names = drawn.map(\.name)
        for (i, p) in (rep.info.paperPoints ?? []).enumerated() where !names.isEmpty && !names.contains(p.figure) {
            throw SuiteError.replicationFiles(
                "Replications/\(id)/scenario.json, paper_points[\(i)]: no figure named '\(p.figure)' "
                    + "(figures: \(names.joined(separator: ", ")))")
        }
        let figures = drawn.map { Self.withPaperPoints($0, rep.info.paperPoints ?? []) }
        let folder = dir ?? figuresDirectory(id, profile: profile, run: runID)
        let urls = try Gnuplot.render(figures, into: folder)
        try Gnuplot.recordDrawnFrom(
            .init(
                scenario: id, run: record.id, profile: record.profile,
                configHash: record.configHash), into: folder)
        return urls
    }

    /// `figure` with the paper's own numbers for it (scenario.json `paper_points`) drawn as black open squares,
    /// their source in the key.
    static func withPaperPoints(_ figure: Figure, _ points: [Replication.PaperPoints]) -> Figure {
        var f = figure
        for p in points where p.figure == figure.name {
            f.series.append(
                Figure.Series(
                    "\(p.label) (\(p.source))", p.points.map { ($0[0], $0[1]) },
                    style: .points, color: 6))
        }
        return f
    }
}

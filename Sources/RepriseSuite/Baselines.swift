import Foundation

/// A committed reference for one scenario and profile: key metrics with a
/// tolerance and the claim verdicts. Baselines are text (JSON, sorted keys) so
/// a change shows in review, and are rewritten only by `reprise baseline`.
public struct Baseline: Codable, Sendable {
    public struct Metric: Codable, Sendable {
        public let value: Double
        public let tolerance: Double
        /// How the tolerance was derived.
        public let basis: String
    }
    public let scenario: String, profile: String
    public let configHash: String
    public let seeds: [UInt64]
    public let runs: [Int64]
    public let gitCommit: String
    public let metrics: [String: Metric]
    public let claims: [String: Verdict]

    /// Floors under a tolerance, for metrics that did not vary across the seeds
    /// measured (or a single seed): 2% relative, and 1e-9 absolute.
    static let relativeFloor = 0.02, absoluteFloor = 1e-9
    /// Seed-to-seed spread allowed, in standard deviations.
    static let spreadMultiplier = 3.0

    public static func url(root: URL, scenario: String, profile: String) -> URL {
        root.appendingPathComponent("results/baselines/\(scenario).\(profile).json")
    }

    /// From the latest finished run of each seed: the mean of each key metric and
    /// a tolerance of 3 seed standard deviations (with the floors above).
    public static func make(scenario: String, profile: String, keyMetrics: [String], runs: [RunData]) throws -> Baseline {
        guard let newest = runs.first else { throw SuiteError.noRuns("no finished '\(profile)' runs of \(scenario) to make a baseline from") }
        var metrics: [String: Metric] = [:]
        for name in keyMetrics {
            let values = runs.map { $0.metric(name) }
            // ±inf is how a scenario says "never happened within the budget": baselined only when every seed agrees.
            if let first = values.first, first.isInfinite, values.allSatisfy({ $0 == first }) {
                metrics[name] = Metric(value: first, tolerance: 0, basis: "\(fmt(first)) in all \(values.count) seeds (event not reached)")
                continue
            }
            guard values.allSatisfy(\.isFinite) else {
                throw SuiteError.noRuns("key metric \(name) is missing, NaN or only sometimes infinite in runs \(runs.map(\.record.id)) (\(values.map(fmt).joined(separator: ", "))); not baselining it")
            }
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = values.count > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot() : 0
            let floor = max(relativeFloor * abs(mean), absoluteFloor)
            let tol = max(spreadMultiplier * sd, floor)
            let basis = values.count > 1
                ? (tol == floor ? "floor (2% relative) above 3 sd over \(values.count) seeds (sd \(fmt(sd)))" : "3 sd over \(values.count) seeds")
                : "single seed: 2% relative floor"
            metrics[name] = Metric(value: mean, tolerance: tol, basis: basis)
        }
        return Baseline(scenario: scenario, profile: profile, configHash: newest.record.configHash,
                        seeds: runs.map(\.record.seed), runs: runs.map(\.record.id), gitCommit: newest.record.gitCommit ?? "unknown",
                        metrics: metrics, claims: Dictionary(newest.claims.map { ($0.id, $0.verdict) }, uniquingKeysWith: { a, _ in a }))
    }

    public static func load(_ url: URL) throws -> Baseline? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let dec = JSONDecoder()
        dec.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try dec.decode(Baseline.self, from: data) } catch {
            throw SuiteError.replicationFiles("baseline \(url.path) is malformed: \(error)")
        }
    }

    public func write(_ url: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (enc.encode(self) + Data("\n".utf8)).write(to: url, options: .atomic)
    }

    /// What differs between a run and this baseline: metrics outside tolerance,
    /// changed verdicts, and a different config. Empty means no regression.
    public func regressions(in run: RunData) -> [String] {
        var out: [String] = []
        if run.record.configHash != configHash {
            out.append("config differs from the baseline's (hash \(run.record.configHash) vs \(configHash)): compare like with like or rebaseline")
        }
        for name in metrics.keys.sorted() {
            let b = metrics[name]!, v = run.metric(name)
            if b.value.isInfinite ? v != b.value : !(abs(v - b.value) <= b.tolerance) {
                out.append("\(name) = \(fmt(v)), baseline \(fmt(b.value)) ± \(fmt(b.tolerance)) (\(b.basis))")
            }
        }
        let measured = Dictionary(run.claims.map { ($0.id, $0.verdict) }, uniquingKeysWith: { a, _ in a })
        for id in claims.keys.sorted() where measured[id] != claims[id] {
            out.append("claim \(id): \(measured[id]?.rawValue ?? "missing"), baseline \(claims[id]!.rawValue)")
        }
        return out
    }
}

extension Suite {
    /// Writes the baseline of a scenario/profile from the newest selected run of each seed.
    @discardableResult
    public func writeBaseline(_ id: String, profile: String) throws -> (Baseline, URL) {
        let rep = try replication(id)
        let selected = try selectedRuns(id, profile: profile)
        guard !selected.isEmpty else {
            throw SuiteError.noRuns("no finished '\(profile)' run of \(id) with the profile's own config in \(store.path): run it first")
        }
        var seen = Set<UInt64>(), chosen: [RunData] = []
        for r in selected where seen.insert(r.seed).inserted {
            chosen.append(try RunData(store: store, record: r))
        }
        let b = try Baseline.make(scenario: id, profile: profile, keyMetrics: rep.info.keyMetrics, runs: chosen)
        let url = Baseline.url(root: root, scenario: id, profile: profile)
        try b.write(url)
        return (b, url)
    }

    public struct CheckResult: Sendable {
        public let scenario: String, profile: String
        public let runID: Int64?
        public let problems: [String]
        public var passed: Bool { problems.isEmpty }
    }

    /// Compares the selected run of every scenario/profile in the store with its
    /// baseline. A run without a baseline is a failure; a baseline without a run is skipped.
    public func check(profiles: [String] = Replication.profileOrder) throws -> [CheckResult] {
        var out: [CheckResult] = []
        for id in ids {
            for profile in profiles {
                let url = Baseline.url(root: root, scenario: id, profile: profile)
                let record = try selectedRun(id, profile: profile)
                guard let baseline = try Baseline.load(url) else {
                    if let record { out.append(CheckResult(scenario: id, profile: profile, runID: record.id,
                                                           problems: ["no baseline at \(url.path): run `reprise baseline \(id) --profile \(profile)`"])) }
                    continue
                }
                guard let record else { continue }
                let data = try RunData(store: store, record: record)
                out.append(CheckResult(scenario: id, profile: profile, runID: record.id, problems: baseline.regressions(in: data)))
            }
        }
        return out
    }
}

import Foundation

/// A committed reference for one scenario and profile, kept as asv keeps benchmark results:
/// every key metric's per-seed samples, each seed's claim verdicts, and the exact values of one seed.
/// Baselines are text (JSON, sorted keys) so a change shows in review, and are rewritten only
/// by `reprise baseline`.
///
/// A key metric has regressed when it moves by more than its tolerance *and* the move is
/// significant. With enough seeds on both sides for a rank test to reach `significance`
/// (5 and 5 do), significant means a two-sided Mann-Whitney U test rejects; the tolerance keeps a
/// tiny but consistent drift (another BLAS kernel's rounding) from failing a check. With fewer, no
/// test of the seed distribution can reject, and the stated equivalent is paired: a rerun of a seed
/// the baseline has must stay within the tolerance of that seed's sample (the code and data are the
/// same, so only rounding may move it); a seed the baseline lacks is then not judged on its metrics.
/// A changed claim verdict of a seed the baseline has is always a regression.
public struct Baseline: Codable, Sendable {
    public struct Metric: Codable, Sendable {
        /// One value per seed, in the order of `Baseline.seeds`.
        public let samples: [Double]
        /// The smallest move of the median that counts, from `rule` and the baseline median.
        public let tolerance: Double
        /// The tolerance that set it: the metric's own from scenario.json, else `Tolerance.standard`
        /// (baselines written before per-metric tolerances have none recorded: the standard one).
        public let rule: Replication.Tolerance?
        public var median: Double { Stats.median(samples) }
        var ruleDescription: String { "tolerance " + (rule ?? .standard).description }
    }
    /// Exact values of the key metrics for one seed on one OpenBLAS kernel: a rerun of that seed
    /// on the same kernel must give them bit for bit (OpenBLAS's kernels for other CPUs round differently).
    public struct Golden: Codable, Sendable {
        public let seed: UInt64
        public let openblas: String
        public let values: [String: Double]
    }
    public let scenario: String, profile: Profile
    public let configHash: String
    /// The claims file the verdicts below were judged with.
    public let claimsHash: String
    public let seeds: [UInt64]
    public let runs: [Int64]
    public let gitCommit: String
    public let metrics: [String: Metric]
    /// Seed (as text, JSON keys are strings) → claim id → verdict.
    public let verdicts: [String: [String: Verdict]]
    public let golden: Golden

    /// 1%: a check reads about ten key metrics per scenario, so a 5% test would raise a false
    /// alarm in most scenarios; at 1% with 5 seeds on each side, only full separation rejects.
    public static let significance = 0.01
    /// The kernel set smoke baselines are taken on and `make test` pins: every AVX2 x86-64 CPU runs it.
    public static let referenceKernel = "Haswell"

    public static func url(root: URL, scenario: String, profile: Profile) -> URL {
        root.appendingPathComponent("results/baselines/\(scenario).\(profile).json")
    }

    /// From one finished run per seed (newest first): the samples of each key metric, the verdicts
    /// of every run, and the exact values of the run of `goldenSeed` (the profile's own seed, what
    /// `reprise run` and the smoke test use), else of the newest run.
    public static func make(
        scenario: String, profile: Profile, keyMetrics: [String], runs: [RunData],
        goldenSeed: UInt64,
        tolerance: (String) -> Replication.Tolerance = { _ in .standard }
    ) throws -> Baseline {
        guard let newest = runs.first else {
            throw SuiteError.noRuns("no finished '\(profile)' runs of \(scenario) to make a baseline from")
        }
        let gold = runs.first { $0.record.seed == goldenSeed } ?? newest
        var metrics: [String: Metric] = [:]
        for name in keyMetrics {
            let samples = runs.map { $0.metric(name) }
            guard !samples.contains(where: \.isNaN) else {
                throw SuiteError.noRuns(
                    "key metric \(name) is missing or NaN in runs \(runs.map(\.record.id)) "
                        + "(\(samples.map(fmt).joined(separator: ", "))); not baselining it"
                )
            }
            let rule = tolerance(name)
            metrics[name] = Metric(samples: samples, tolerance: rule.band(around: Stats.median(samples)), rule: rule)
        }
        return Baseline(
            scenario: scenario, profile: profile, configHash: newest.record.configHash, claimsHash: newest.claimsHash,
            seeds: runs.map(\.record.seed), runs: runs.map(\.record.id),
            gitCommit: newest.record.gitCommit ?? "unknown",
            metrics: metrics,
            verdicts: Dictionary(runs.map { (String($0.record.seed), $0.verdicts) }, uniquingKeysWith: { a, _ in a }),
            golden: Golden(
                seed: gold.record.seed, openblas: gold.openblas,
                values: Dictionary(uniqueKeysWithValues: keyMetrics.map { ($0, gold.metric($0)) })))
    }

    public static func load(_ url: URL) throws -> Baseline? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        do { return try JSONFile.decoder().decode(Baseline.self, from: data) } catch {
            throw SuiteError.replicationFiles(
                "baseline \(url.path) is malformed or of an older format (rebaseline): \(error)")
        }
    }

    public func write(_ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (JSONFile.encoder().encode(self) + Data("\n".utf8)).write(to: url, options: .atomic)
    }

    /// Whether a key metric of `runs` (one per seed) has regressed from the baseline's samples, and why.
    public func regression(_ name: String, in runs: [(seed: UInt64, value: Double)]) -> String? {
        guard let b = metrics[name], !runs.isEmpty else { return nil }
        // inf - inf is NaN: equal infinities did not move
        func moved(_ old: Double, _ new: Double) -> Double { old == new ? 0 : abs(new - old) }
        let samples = runs.map(\.value)
        let shown =
            "\(name) = \(samples.map(fmt).joined(separator: ", ")) vs baseline "
            + "\(b.samples.map(fmt).joined(separator: ", "))"
        if Stats.mannWhitneyMinimumP(b.samples.count, samples.count) < Self.significance {
            let shift = moved(b.median, Stats.median(samples))
            guard !(shift <= b.tolerance) else { return nil }
            let p = Stats.mannWhitneyP(b.samples, samples)
            return p < Self.significance
                ? "\(shown): median moved \(fmt(shift)) > \(fmt(b.tolerance)) (\(b.ruleDescription)), "
                    + "Mann-Whitney p = \(fmt(p))"
                : nil
        }
        let paired = runs.compactMap { r in
            seeds.firstIndex(of: r.seed).map { (seed: r.seed, old: b.samples[$0], new: r.value) }
        }
        .filter { !(moved($0.old, $0.new) <= b.tolerance) }
        guard !paired.isEmpty else { return nil }
        return "\(name): "
            + paired.map { "seed \($0.seed) gives \(fmt($0.new)), its baseline sample \(fmt($0.old))" }.joined(
                separator: "; ")
            + " (moved more than \(fmt(b.tolerance)), \(b.ruleDescription), on a rerun of the same seed)"
    }

    /// The kernel set the baseline's samples and golden values were computed on ("Haswell").
    public var kernel: String { Ledger.kernel(of: golden.openblas) }

    /// Runs whose trials computed on another kernel than the baseline's: kernels round differently
    /// and a training trajectory amplifies it, so a rerun of a baseline seed on another kernel is not
    /// "the same seed again". Such runs are compared only through the rank test over seeds, never
    /// seed by seed nor verdict by verdict; `notes` says so, naming both kernels.
    func onOtherKernels(_ runs: [RunData]) -> [RunData] { runs.filter { Ledger.kernel(of: $0.openblas) != kernel } }

    /// What a check could not compare, and why (not regressions).
    public func notes(in runs: [RunData]) -> [String] {
        onOtherKernels(runs).map { run in
            "run \(run.record.id) (seed \(run.record.seed)) computed on \(Ledger.kernel(of: run.openblas)), "
                + "the baseline on "
                + "\(kernel): its metrics are compared only by the rank test over seeds, its verdicts not at all"
        }
    }

    /// What differs between runs (one per seed, newest first) and this baseline: a different config,
    /// key metrics that regressed, changed verdicts of seeds the baseline has. Empty means no regression.
    public func regressions(in runs: [RunData]) -> [String] {
        guard let newest = runs.first else { return ["no runs to compare"] }
        var out: [String] = []
        if newest.record.configHash != configHash {
            out.append(
                "config differs from the baseline's (hash \(newest.record.configHash) vs \(configHash)): compare "
                    + "like with like or rebaseline"
            )
        }
        let otherKernel = Set(onOtherKernels(runs).map(\.record.id))
        let sameKernel = runs.filter { !otherKernel.contains($0.record.id) }
        for name in metrics.keys.sorted() {
            let all = runs.map { ($0.record.seed, $0.metric(name)) }
            let same = sameKernel.map { ($0.record.seed, $0.metric(name)) }
            // The rank test (enough seeds) may read every run; the seed-by-seed comparison only runs of the
            // baseline's kernel.
            let rankTest = Stats.mannWhitneyMinimumP(metrics[name]?.samples.count ?? 0, all.count) < Self.significance
            if let r = regression(name, in: rankTest ? all : same) { out.append(r) }
        }
        for run in sameKernel {
            // a seed the baseline does not have
            guard let expected = verdicts[String(run.record.seed)] else { continue }
            let edited =
                run.claimsHash == claimsHash
                ? ""
                : " (claims.json changed since the baseline: \(claimsHash) -> \(run.claimsHash); rebaseline if "
                    + "intended)"
            let measured = run.verdicts
            for id in expected.keys.sorted() where measured[id] != expected[id] {
                out.append(
                    "claim \(id), seed \(run.record.seed): \(measured[id]?.rawValue ?? "missing"), baseline "
                        + "\(expected[id]!.rawValue)\(edited)"
                )
            }
        }
        return out
    }

    /// Key metrics of a run of the golden seed that differ from the golden values in any bit;
    /// nil when the run computed on another OpenBLAS kernel, where exact equality is not expected.
    public func goldenMismatches(in run: RunData) -> [String]? {
        guard run.record.seed == golden.seed, run.openblas == golden.openblas else { return nil }
        return golden.values.keys.sorted().compactMap { name in
            let (want, got) = (golden.values[name]!, run.metric(name))
            return want.bitPattern == got.bitPattern ? nil : "\(name) = \(got), golden \(want) (seed \(golden.seed))"
        }
    }
}

extension Suite {
    /// Writes the baseline of a scenario/profile from the newest selected run of each seed.
    @discardableResult
    public func writeBaseline(_ id: String, profile: Profile) throws -> (Baseline, URL) {
        let rep = try replication(id)
        let chosen = try runsPerSeed(id, profile: profile)
        guard !chosen.isEmpty else {
            throw SuiteError.noRuns(
                "no finished '\(profile)' run of \(id) with the profile's own config in \(store.path): run it first")
        }
        // Golden values and samples from one kernel, the one the baseline records; for smoke, the one
        // `make test` pins. The trial cache serves only trials of the running kernel, so rerunning the
        // seeds under that kernel recomputes what another kernel computed.
        let kernels = Dictionary(grouping: chosen, by: { Ledger.kernel(of: $0.openblas) })
        let wanted = profile == .smoke ? Baseline.referenceKernel : Ledger.kernel(of: chosen[0].openblas)
        if kernels.count > 1 || kernels[wanted] == nil || wanted.hasPrefix("mixed") {
            let found = kernels.keys.sorted().map { k in
                "\(k) (runs \(kernels[k]!.map { String($0.record.id) }.joined(separator: ", ")))"
            }.joined(separator: ", ")
            let seeds = chosen.map { String($0.record.seed) }.joined(separator: " ")
            throw SuiteError.badConfig(
                """
                baseline \(id) --profile \(profile): its runs computed on \(found); a baseline's values come from \
                one kernel\(profile == .smoke ? ", and smoke baselines from \(wanted), which `make test` pins" : ""). \
                Run instead: \
                for s in \(seeds); do OPENBLAS_CORETYPE=\(wanted) reprise run \(id) --profile \(profile) --seed $s; \
                done; \
                then reprise baseline \(id) --profile \(profile) (or `make baselines` for every smoke baseline)
                """)
        }
        let b = try Baseline.make(
            scenario: id, profile: profile, keyMetrics: rep.info.keyMetrics, runs: chosen,
            goldenSeed: try resolve(id, profile: profile, seed: nil, overrides: []).1,
            tolerance: rep.info.tolerance)
        let url = Baseline.url(root: root, scenario: id, profile: profile)
        try b.write(url)
        return (b, url)
    }

    /// The newest selected run of each seed, newest first.
    func runsPerSeed(_ id: String, profile: Profile) throws -> [RunData] {
        let rep = try replication(id)
        var seen = Set<UInt64>(), out: [RunData] = []
        for r in try selectedRuns(id, profile: profile) where seen.insert(r.seed).inserted {
            out.append(try RunData(store: store, record: r, replication: rep))
        }
        return out
    }

    public struct CheckResult: Sendable {
        public let scenario: String, profile: Profile
        public let runIDs: [Int64]
        /// The newest run's verdicts, as every verb prints them.
        public let tally: String
        public let problems: [String]
        /// What could not be compared and why (another kernel): said, not counted as a regression.
        public let notes: [String]
        public var passed: Bool { problems.isEmpty }
    }

    /// Compares the selected runs of every scenario/profile in the store (the newest of each seed)
    /// with its baseline. A run without a baseline is a failure; a baseline without a run is skipped.
    public func check(profiles: [Profile] = Profile.allCases) throws -> [CheckResult] {
        var out: [CheckResult] = []
        for id in ids {
            for profile in profiles {
                let runs = try runsPerSeed(id, profile: profile)
                guard !runs.isEmpty else { continue }
                let url = Baseline.url(root: root, scenario: id, profile: profile)
                guard let baseline = try Baseline.load(url) else {
                    out.append(
                        CheckResult(
                            scenario: id, profile: profile, runIDs: runs.map(\.record.id),
                            tally: Verdict.tally(runs[0].claims),
                            problems: [
                                "no baseline at \(url.path): run "
                                    + "`reprise baseline \(id) --profile \(profile)`"
                            ],
                            notes: []))
                    continue
                }
                out.append(
                    CheckResult(
                        scenario: id, profile: profile, runIDs: runs.map(\.record.id),
                        tally: Verdict.tally(runs[0].claims), problems: baseline.regressions(in: runs),
                        notes: baseline.notes(in: runs)))
            }
        }
        return out
    }
}

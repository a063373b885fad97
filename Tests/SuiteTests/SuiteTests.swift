import Foundation
import RepriseData
import RepriseEngine
import RepriseSuite
import Testing

/// A scenario for testing the machinery: one trial per `grid` value records a
/// curve and a NaN; a trial can be told to fail or be interrupted; the aggregate
/// records a curve, a metric read from the run's own config, and an infinity.
struct Probe: Scenario {
    static let id = "probe"
    static let parameters: [Parameter] = [
        .integer("steps", 1...1000), .real("scale", -10...10),
        .name("mode", in: ["ok", "interrupt", "fail", "misspelt"]),
        .reals("grid", 0...10),
    ]
    static let metrics = ["final", "draws", "draw_mean", "diverged"]
    /// Each trial's own coordinate: its grid value.
    static let g = Key.real("g", 0...10)
    func validate(_ config: Config) throws {}
    func trials(_ c: Config) throws -> [Trial] {
        // g1 first
        c.doubles("grid").map { g in Trial("g\(fmt(g))", c.selecting(["steps", "mode"]).setting("g", g), cost: 3 - g) }
    }
    func run(_ trial: TrialContext) throws {
        let c = trial.config, g = c.double("g")
        for t in 0..<c.int("steps") { trial.record("loss", g / Double(t + 1)) }
        if g == 2, c.string("mode") == "interrupt" { throw SuiteError.interrupted }
        if g == 2, c.string("mode") == "fail" { throw DataError.missing(path: "/x", debianPackage: "some-package") }
        trial.record("loss", .nan)
        var rng = trial.rng("draw/\(g)")
        trial.record("draw", Double(rng.next() % 1000))
    }
    func aggregate(_ results: TrialResults, into run: RunContext) throws {
        for (t, y) in results.one(Self.g.is(1)).vector("loss").enumerated() {
            run.record("loss", x: Double(t), y: y)
        }
        run.metric("final", run.config.double("scale") * 2)
        run.metric(
            "draws",
            run.config.doubles("grid").reduce(0) { $0 + results.one(Self.g.is($1)).scalar("draw") })
        run.metric("diverged", .infinity)
        if run.config.string("mode") == "misspelt" { run.metric("finall", 1) }  // a typo the suite must refuse
        run.mean(
            "draw_mean", of: run.config.doubles("grid").map { results.one(Self.g.is($0)).scalar("draw") }
        )
    }
    func figures(_ data: RunData) -> [Figure] {
        [
            Figure(
                name: "loss", title: "Probe loss", xLabel: "step", yLabel: "loss", logY: true,
                series: [Figure.Series("loss", data.series("loss"))])
        ]
    }
}

/// A throw-away repository root holding Replications/probe/.
func probeRoot() throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-test-\(UUID().uuidString)")
    let dir = root.appendingPathComponent("Replications/probe")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
        at: root.appendingPathComponent("results"),
        withIntermediateDirectories: true)
    try
        (#"{"id": "probe", "title": "t", "paper": {"title": "p", "authors": "a", "year": 2000, "arxiv": "0"}, "#
        + #""key_metrics": ["final", "diverged"], "paper_numbers": []}"#)
        .write(to: dir.appendingPathComponent("scenario.json"), atomically: true, encoding: .utf8)
    try
        (#"[{"id": "final-big", "kind": "finding", "statement": "s", "#
        + #""checks": [{"metric": "final", "op": ">=", "value": [3]}], "paper": {"value": "3", "source": "Table 1"}},"#
        + #" {"id": "later", "kind": "finding", "statement": "s", "#
        + #""checks": [{"metric": "final", "op": "<", "value": [0]}], "profiles": ["paper"]}]"#)
        .write(to: dir.appendingPathComponent("claims.json"), atomically: true, encoding: .utf8)
    let profile = #"{"seed": 1, "steps": 10, "scale": 2, "mode": "ok", "grid": [1, 2]}"#
    try #"{"_comment": "x", "smoke": \#(profile), "quick": \#(profile), "paper": \#(profile)}"#
        .write(to: dir.appendingPathComponent("profiles.json"), atomically: true, encoding: .utf8)
    return root
}

func probeSuite(_ root: URL, codeID: String = "test-code") throws -> Suite {
    Suite(
        store: try Store(path: root.appendingPathComponent("results/reprise.sqlite").path), scenarios: [Probe.self],
        root: root,
        codeID: codeID)
}

@Suite struct ConfigTests {
    let config = Config(["n": .number(10), "flag": .bool(false), "grid": .numbers([1, 2]), "name": .string("a")])

    @Test func overridesParseByTheProfileType() throws {
        let c = try config.overriding(["n=12", "flag=true", "grid=0.5,1,2", "name=b"])
        #expect(c.int("n") == 12 && c.bool("flag") && c.doubles("grid") == [0.5, 1, 2] && c.string("name") == "b")
        #expect(c.hash != config.hash && config.hash == Config(config.values).hash)
    }

    @Test func unknownKeysAndMalformedValuesAreErrors() {
        #expect { try config.overriding(["m=1"]) } throws: {
            "\($0)".contains("unknown key 'm'") && "\($0)".contains("grid, n, name")
        }
        #expect { try config.overriding(["n=abc"]) } throws: { "\($0)".contains("expected a number") }
        #expect { try config.overriding(["n=nan"]) } throws: { "\($0)".contains("expected a number") }
        #expect { try config.overriding(["flag=maybe"]) } throws: { "\($0)".contains("true or false") }
        #expect { try config.overriding(["novalue"]) } throws: { "\($0)".contains("expected key=value") }
    }
}

@Suite struct ClaimTests {
    let spec = ClaimSpec(
        id: "c", statement: "s",
        checks: [
            .init(metric: "a", op: .between, value: [1, 2]),
            .init(metric: "b", op: .lessOrEqual, value: [0]),
        ],
        paper: nil, profiles: [.quick, .paper])

    @Test func exactValuesDecideAlone() {
        #expect(spec.evaluate(metrics: ["a": Estimate(1.5), "b": Estimate(-1)], profile: .quick).verdict == .pass)
        #expect(spec.evaluate(metrics: ["a": Estimate(2.5), "b": Estimate(-1)], profile: .quick).verdict == .fail)
        #expect(spec.evaluate(metrics: ["a": Estimate(.nan), "b": Estimate(-1)], profile: .quick).verdict == .fail)
        // not measured: never a pass
        #expect(spec.evaluate(metrics: ["b": Estimate(-1)], profile: .quick).verdict == .notApplicable)
        #expect(spec.evaluate(metrics: ["b": Estimate(-1)], profile: .quick).measured == "a = not measured; b = -1")
        #expect(
            spec.evaluate(metrics: ["a": Estimate(1.5), "b": Estimate(-1)], profile: .smoke).verdict == .notApplicable)
        #expect(
            spec.evaluate(metrics: ["a": Estimate(1.5), "b": Estimate(-1)], profile: .quick).measured
                == "a = 1.5; b = -1")
    }

    @Test func intervalsDecidePassFailOrInconclusive() {
        let b = Estimate(-1)
        func t(_ v: Double, _ i: ClosedRange<Double>, _ n: Int) -> Estimate {
            Estimate(v, interval: i, units: n, method: .pairedT)
        }
        func verdict(_ a: Estimate) -> Verdict { spec.evaluate(metrics: ["a": a, "b": b], profile: .quick).verdict }
        #expect(verdict(t(1.5, 1.2...1.8, 32)) == .pass)
        #expect(verdict(t(1.5, 0.9...1.8, 32)) == .inconclusive)  // straddles the lower edge
        #expect(verdict(t(1.9, 1.5...2.4, 32)) == .inconclusive)  // straddles the upper edge
        #expect(verdict(t(2.5, 2.1...2.9, 32)) == .fail)
        #expect(verdict(t(0.5, 0.2...0.8, 32)) == .fail)
        // One-sided: b <= 0.
        func one(_ e: Estimate) -> Verdict {
            spec.evaluate(metrics: ["a": Estimate(1.5), "b": e], profile: .quick).verdict
        }
        #expect(one(t(-0.2, -0.5...(-0.1), 5)) == .pass)
        #expect(one(t(-0.2, -0.5...0.1, 5)) == .inconclusive)
        #expect(one(t(0.2, 0.1...0.5, 5)) == .fail)
        // A fail in one check outweighs an inconclusive one.
        let oneFails = spec.evaluate(metrics: ["a": t(1.5, 0.9...1.8, 3), "b": Estimate(1)], profile: .quick)
        #expect(oneFails.verdict == .fail)
        #expect(
            spec.evaluate(metrics: ["a": t(1.5, 1.2...1.8, 32), "b": b], profile: .quick).measured
                == "a = 1.5 [1.2, 1.8], n = 32, paired Student t; b = -1")
    }
}

@Suite struct StatisticsTests {
    @Test func bootstrapIntervalOfAMeanMatchesTheNormalTheory() {
        var rng = RNG(seed: 7)
        let xs = (0..<400).map { _ in rng.normal() * 2 + 5 }
        let i = Stats.bootstrap(groups: [xs], seed: 1) { Stats.mean($0[0]) }
        // Normal theory: mean +- 1.96 sd / sqrt(n), width 2 * 1.96 * 2 / 20 = 0.392.
        let width = i.upperBound - i.lowerBound
        #expect(i.contains(Stats.mean(xs)) && abs(width - 0.392) < 0.05, "interval \(i), width \(width)")
        #expect(Stats.bootstrap(groups: [xs], seed: 1) { Stats.mean($0[0]) } == i)  // reproducible from its seed
        // A statistic the units cannot give (0/0) on many resamples has no bounds.
        #expect(
            Stats.bootstrap(groups: [[0.0, 0.0, 1.0]], seed: 1) { g in g[0].reduce(0, +) / g[0].reduce(0, +) * 0 }
                .lowerBound == -.infinity)
    }

    @Test func mannWhitneyExactAndNormalPValues() {
        // Exact: full separation of 3 vs 3 has p = 2 / C(6, 3) = 0.1; of 5 vs 5, 2 / 252.
        #expect(abs(Stats.mannWhitneyP([1, 2, 3], [4, 5, 6]) - 0.1) < 1e-12)
        #expect(abs(Stats.mannWhitneyP([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) - 2.0 / 252) < 1e-12)
        #expect(Stats.mannWhitneyP([1, 2, 3], [1, 2, 3]) == 1)
        #expect(
            abs(Stats.mannWhitneyMinimumP(3, 1) - 0.5) < 1e-12
                && abs(Stats.mannWhitneyMinimumP(5, 5) - 2.0 / 252) < 1e-12)
        // Interleaved 1, 2, ..., 8 split as {1, 4, 5, 8} and {2, 3, 6, 7}: U = 8 = n1 n2 / 2, p = 1.
        #expect(Stats.mannWhitneyP([1, 4, 5, 8], [2, 3, 6, 7]) == 1)
        // Ties take average ranks and the permutation runs over those ranks: checked by enumerating the 20 splits.
        #expect(abs(Stats.mannWhitneyP([1, 1, 2], [2, 3, 3]) - 0.2) < 1e-12)
        // Normal approximation (n > 20): 0..<25 against 10..<35. U = 105 wins + 15 ties / 2 = 112.5 of 625; the 15 tied
        // pairs of values correct the variance by 15 (2^3 - 2) / (50 * 49); z = (312.5 - 112.5 - 0.5) / sd.
        let z = (312.5 - 112.5 - 0.5) / (625.0 / 12 * (51 - 90.0 / 2450)).squareRoot()
        #expect(
            abs(Stats.mannWhitneyP((0..<25).map(Double.init), (10..<35).map(Double.init)) - erfc(z / 2.0.squareRoot()))
                < 1e-12)
    }
}

@Suite struct RunAndStoreTests {
    @Test func runStoresProvenanceSeriesNonFiniteValuesAndClaims() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        let o = try suite.run("probe", profile: .smoke, overrides: ["scale=2.5"], quiet: true)
        #expect(o.status == .ok && o.seed == 1 && o.metrics["final"] == Estimate(5))
        #expect(o.claims.map(\.verdict) == [.pass, .notApplicable])
        let record = try #require(try suite.store.run(o.runID))
        #expect(record.status == .ok && record.profile == .smoke && record.configJSON.contains("\"scale\":2.5"))
        #expect(record.cores > 0 && record.openblas?.contains("OpenBLAS") == true && record.wallSeconds != nil)
        let data = try RunData(store: suite.store, record: record, replication: try suite.replication("probe"))
        let loss = data.series("loss")
        #expect(loss.count == 11 && loss[3].y == 0.25 && loss[10].y.isNaN)  // NaN kept, not dropped
        #expect(data.metric("diverged") == .infinity)
        #expect(data.claims.first?.paperSource == "Table 1")
        // A metric over units comes back with its interval and count.
        let mean = try #require(data.metrics["draw_mean"])
        #expect(
            mean.units == 2 && mean.interval.map { $0.contains(mean.value) && $0.lowerBound < $0.upperBound } == true)
        #expect(mean == o.metrics["draw_mean"])
    }

    @Test func aChangedThresholdRejudgesAStoredRun() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        let o = try suite.run("probe", profile: .smoke, quiet: true)  // final = 4 >= 3: pass
        let record = try #require(try suite.store.run(o.runID))
        let before = try RunData(store: suite.store, record: record, replication: try suite.replication("probe"))
        #expect(before.claims[0].verdict == .pass && before.claimsHash == o.claimsHash)
        let claims = root.appendingPathComponent("Replications/probe/claims.json")
        try (try String(contentsOf: claims, encoding: .utf8)).replacingOccurrences(
            of: #""value": [3]"#, with: #""value": [5]"#
        )
        .write(to: claims, atomically: true, encoding: .utf8)
        let after = try RunData(store: suite.store, record: record, replication: try suite.replication("probe"))
        #expect(after.claims[0].verdict == .fail && after.claims[0].threshold == "final >= 5")
        #expect(after.claimsHash != before.claimsHash)
        // Another profile's report goes beside the committed one, never over it (issue 30).
        let written = try suite.writeReport(profile: .smoke)
        #expect(written.lastPathComponent == "REPORT-smoke.md")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("results/REPORT.md").path))
        let report = try String(contentsOf: written, encoding: .utf8)
        #expect(
            report.contains(
                "findings: 0 pass, 1 fail, 0 inconclusive, 1 n/a; 0 post hoc, 2 registration unknown "
                    + "(claims.json `\(after.claimsHash)`)"))
    }

    @Test func interruptedAndFailedRunsAreMarkedAndKeepEarlierRuns() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        let good = try suite.run("probe", profile: .smoke, quiet: true)
        #expect(throws: SuiteError.self) {
            try suite.run("probe", profile: .smoke, overrides: ["mode=interrupt"], quiet: true)
        }
        #expect { try suite.run("probe", profile: .smoke, overrides: ["mode=fail"], quiet: true) } throws: {
            "\($0)".contains("some-package")
        }
        let runs = try suite.store.runs(scenario: "probe")
        #expect(runs.map(\.status) == [.failed, .interrupted, .ok])
        #expect(runs[0].error?.contains("some-package") == true && runs[1].trialsTotal == nil)
        // The ok run stored g1 and g2; the interrupted and the failed run each stored their own g1
        // (their mode differs, so their trials do too) before g2 stopped them.
        #expect(try suite.store.trials(scenario: "probe").count == 4)
        #expect(try suite.store.latestRun(scenario: "probe", profile: .smoke)?.id == good.runID)
        #expect(try suite.store.metrics(good.runID)["final"] == Estimate(4))
    }

    /// A metric recorded under a name the scenario does not declare fails the run before its metrics are
    /// stored, naming the metric and the fix.
    @Test func anUndeclaredMetricFailsTheRunAndStoresNoMetric() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        defer { try? FileManager.default.removeItem(at: root) }
        #expect { try suite.run("probe", profile: .smoke, overrides: ["mode=misspelt"], quiet: true) } throws: {
            "\($0)".contains("probe recorded metrics it does not declare: finall") && "\($0)".contains("`metrics`")
        }
        let run = try #require(try suite.store.runs(scenario: "probe").first)
        #expect(run.status == .failed && run.error?.contains("finall") == true)
        #expect(try suite.store.metrics(run.id).isEmpty)
    }

    @Test func unknownScenarioAndProfileAreClearErrors() throws {
        let suite = try probeSuite(try probeRoot())
        #expect { try suite.run("nope", quiet: true) } throws: {
            "\($0)".contains("unknown scenario 'nope'; known: probe")
        }
        // A profile is one of smoke, quick, paper: a profiles.json with another is refused when it is read.
        let root = try probeRoot(), profiles = root.appendingPathComponent("Replications/probe/profiles.json")
        let text = try String(contentsOf: profiles, encoding: .utf8)
        try text.replacingOccurrences(of: #""_comment": "x","#, with: #""huge": {"seed": 1},"#)
            .write(to: profiles, atomically: true, encoding: .utf8)
        #expect { try probeSuite(root).run("probe", quiet: true) } throws: {
            "\($0)".contains("profiles.json: unknown profile 'huge' (profiles: smoke, quick, paper)")
        }
    }

    @Test func corruptStoreIsReportedAndLeftUntouched() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID().uuidString).sqlite")
            .path
        let junk = Data(repeating: 0x42, count: 4096)
        try junk.write(to: URL(fileURLWithPath: path))
        #expect { try Store(path: path) } throws: { "\($0)".contains("not a valid reprise database") }
        #expect(FileManager.default.contents(atPath: path) == junk)
    }

    @Test func lockedStoreGivesAClearErrorAfterTheBusyTimeout() throws {
        let root = try probeRoot()
        let path = root.appendingPathComponent("results/reprise.sqlite").path
        _ = try Store(path: path)
        // Another process holds the write lock: the sqlite3 shell in an open transaction.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        holder.arguments = [path]
        let stdin = Pipe()
        holder.standardInput = stdin
        try holder.run()
        // a RESERVED lock: no other writer until it ends
        stdin.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\n".utf8))
        Thread.sleep(forTimeInterval: 0.5)
        let suite = Suite(
            store: try Store(path: path, busyTimeout: 0.3), scenarios: [Probe.self], root: root, codeID: "test-code")
        #expect { try suite.run("probe", profile: .smoke, quiet: true) } throws: {
            "\($0)".contains("locked by another process")
        }
        try stdin.fileHandleForWriting.close()
        holder.waitUntilExit()
    }

    @Test func runsLeftRunningByADeadProcessAreMarkedCrashed() throws {
        let root = try probeRoot()
        let path = root.appendingPathComponent("results/reprise.sqlite").path
        _ = try Store(path: path)
        // pid 2^22 + 1 is above Linux's pid_max: no such process.
        let sql =
            "INSERT INTO runs(scenario, profile, config_json, config_hash, seed, status, started_at, pid) "
            + "VALUES ('probe','smoke','{}','h',0,'running','t',4194305);"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, sql]
        try p.run(); p.waitUntilExit()
        #expect(try Store(path: path).runs(scenario: "probe").first?.status == .crashed)
    }
}

@Suite struct FigureAndBaselineTests {
    @Test func figuresAreRenderedByGnuplotAndIdenticalForIdenticalData() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        _ = try suite.run("probe", profile: .quick, quiet: true)
        let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b")
        try suite.plot("probe", profile: .quick, into: a)
        try suite.plot("probe", profile: .quick, into: b)
        for ext in ["png", "svg", "gp", "dat"] {
            let fa = try Data(contentsOf: a.appendingPathComponent("loss.\(ext)")),
                fb = try Data(contentsOf: b.appendingPathComponent("loss.\(ext)"))
            #expect(fa.count > 100 && fa == fb, "loss.\(ext) differs between two renders of the same data")
        }
        let png = try Data(contentsOf: a.appendingPathComponent("loss.png"))
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    }

    @Test func baselineCatchesRegressionsAndIsRequired() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        _ = try suite.run("probe", profile: .smoke, quiet: true)
        // A run without a baseline fails the check.
        #expect(try suite.check().first?.problems.first?.contains("no baseline") == true)
        _ = try suite.run("probe", profile: .smoke, seed: 2, quiet: true)
        let (b, _) = try suite.writeBaseline("probe", profile: .smoke)
        #expect(b.seeds == [2, 1] && b.metrics["final"]?.samples == [4, 4] && b.verdicts["1"]?["final-big"] == .pass)
        #expect(b.golden.seed == 1 && b.golden.values["final"] == 4 && b.golden.openblas.contains("OpenBLAS"))
        // An event never reached (+inf in every seed) is baselined as such, and survives the JSON round trip.
        let reloaded = try #require(try Baseline.load(Baseline.url(root: root, scenario: "probe", profile: .smoke)))
        #expect(
            reloaded.metrics["diverged"]?.samples == [.infinity, .infinity]
                && reloaded.regression("diverged", in: [(1, .infinity)]) == nil)
        #expect(reloaded.regression("diverged", in: [(1, 5)]) != nil)
        #expect(try suite.check().allSatisfy(\.passed))
        // A diagnostic --set run is not what check reads.
        _ = try suite.run("probe", profile: .smoke, overrides: ["scale=1"], quiet: true)
        #expect(try suite.check().allSatisfy(\.passed))
        // The profile itself changes one value: the metric moves out of tolerance and the config hash differs.
        let profiles = root.appendingPathComponent("Replications/probe/profiles.json")
        try (try String(contentsOf: profiles, encoding: .utf8)).replacingOccurrences(
            of: "\"scale\": 2", with: "\"scale\": 1"
        )
        .write(to: profiles, atomically: true, encoding: .utf8)
        let bad = try suite.run("probe", profile: .smoke, quiet: true)
        let problems = try suite.check().first { $0.runIDs.first == bad.runID }!.problems
        #expect(problems.contains { $0.hasPrefix("config differs") })
        #expect(problems.contains { $0.hasPrefix("final: seed 1 gives 2, its baseline sample 4") })
        #expect(problems.contains { $0.hasPrefix("claim final-big, seed 1: fail, baseline pass") })
    }

    @Test func aRegressionMovesByMoreThanTheToleranceAndIsSignificant() throws {
        let json = #"""
            {"scenario": "x", "profile": "smoke", "configHash": "h", "claimsHash": "c", "seeds": [0, 1, 2, 3, 4],
            "runs": [1, 2, 3, 4, 5],
             "gitCommit": "g", "metrics": {"acc": {"samples": [0.80, 0.82, 0.78, 0.81, 0.79], "tolerance": 0.08}},
             "verdicts": {},
             "golden": {"seed": 0, "openblas": "k", "values": {}}}
            """#
        let b = try JSONDecoder().decode(Baseline.self, from: Data(json.utf8))
        func unseen(_ xs: [Double]) -> String? {
            b.regression("acc", in: xs.enumerated().map { (UInt64(10 + $0.offset), $0.element) })
        }
        #expect(unseen([0.60, 0.61, 0.59, 0.62, 0.58])?.contains("Mann-Whitney p = 0.007937") == true)
        #expect(unseen([0.75, 0.76, 0.74, 0.77, 0.73]) == nil)  // significant, but a move of 0.05 < 0.08
        #expect(unseen([0.60, 0.90, 0.62, 0.95, 0.70]) == nil)  // median moved 0.1, but p = 0.69: seed noise
        #expect(unseen([0.60, 0.61, 0.59, 0.62, 0.795]) == nil)  // moved 0.19, but p = 0.032 > 1%
        // One seed: no rank test can reject (p >= 1/3). A seed the baseline has is compared with its own sample.
        #expect(unseen([0.50]) == nil)
        #expect(b.regression("acc", in: [(2, 0.50)])?.contains("seed 2 gives 0.5, its baseline sample 0.78") == true)
        #expect(b.regression("acc", in: [(2, 0.83)]) == nil)
    }
}

@Suite struct ContractTests {
    /// A probe root whose `file` has `old` replaced by `new`.
    func root(_ file: String, _ old: String, _ new: String) throws -> URL {
        let root = try probeRoot(), url = root.appendingPathComponent("Replications/probe/\(file)")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains(old))
        try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
        return root
    }

    @Test func aMisspeltMetricInClaimsIsAnErrorAtLoad() throws {
        let suite = try probeSuite(try root("claims.json", #""metric": "final""#, #""metric": "finale""#))
        #expect { try suite.replication("probe") } throws: {
            "\($0)".contains("claim 'final-big' reads metric 'finale', which probe does not record")
        }
        #expect(throws: SuiteError.self) { try suite.run("probe", profile: .smoke, quiet: true) }
        #expect(try suite.store.runs().isEmpty)
    }

    @Test func profilesMustHoldExactlyTheDeclaredKeysWithValidValues() throws {
        let extra = try probeSuite(try root("profiles.json", #""steps": 10"#, #""steps": 10, "stpes": 3"#))
        #expect { try extra.replication("probe") } throws: { "\($0)".contains("'stpes' is not a key probe reads") }
        let bad = try probeSuite(try root("profiles.json", #""steps": 10"#, #""steps": 0.5"#))
        #expect { try bad.replication("probe") } throws: {
            "\($0)".contains("steps = 0.5: expected an integer in [1, 1000]")
        }
        let missing = try probeSuite(try root("profiles.json", #""steps": 10, "#, ""))
        #expect { try missing.replication("probe") } throws: { "\($0)".contains("lacks 'steps'") }
    }

    @Test func outOfRangeOverridesAreRefusedBeforeARunIsStored() throws {
        let suite = try probeSuite(try probeRoot())
        for (set, message) in [
            ("steps=-3", "steps = -3: expected an integer in [1, 1000]"), ("steps=1e99", "steps = 1e+99"),
            ("grid=1,11", "grid = 1,11"), ("mode=later", "mode = later: expected one of ok, interrupt, fail"),
        ] {
            #expect { try suite.run("probe", profile: .smoke, overrides: [set], quiet: true) } throws: {
                "\($0)".contains(message)
            }
        }
        #expect(try suite.store.runs().isEmpty)
    }
}

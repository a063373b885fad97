import Foundation
import RepriseEngine
import RepriseSuite
import Testing

/// A scenario for testing the machinery: one trial per `grid` value records a
/// curve and a NaN; a trial can be told to fail or be interrupted; the aggregate
/// records a curve, a metric read from the run's own config, and an infinity.
struct Probe: Scenario {
    static let id = "probe"
    static let parameters: [Parameter] = [.integer("steps", 1...1000), .real("scale", -10...10), .name("mode", in: ["ok", "interrupt", "fail"]),
                                          .reals("grid", 0...10)]
    static let metrics = ["final", "draws", "diverged"]
    func validate(_ config: Config) throws {}
    func trials(_ c: Config) throws -> [Trial] {
        c.doubles("grid").map { g in Trial("g\(fmt(g))", c.selecting(["steps", "mode"]).setting("g", g), cost: 3 - g) }   // g1 first
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
        for (t, y) in results["g1"].vector("loss").enumerated() { run.record("loss", x: Double(t), y: y) }
        run.metric("final", run.config.double("scale") * 2)
        run.metric("draws", run.config.doubles("grid").reduce(0) { $0 + results["g\(fmt($1))"].scalar("draw") })
        run.metric("diverged", .infinity)
    }
    func figures(_ data: RunData) -> [Figure] {
        [Figure(name: "loss", title: "Probe loss", xLabel: "step", yLabel: "loss", logY: true,
                series: [Figure.Series("loss", data.series("loss"))])]
    }
}

/// A throw-away repository root holding Replications/probe/.
func probeRoot() throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-test-\(UUID().uuidString)")
    let dir = root.appendingPathComponent("Replications/probe")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    try #"{"id": "probe", "title": "t", "paper": {"title": "p", "authors": "a", "year": 2000, "arxiv": "0"}, "key_metrics": ["final", "diverged"], "paper_numbers": []}"#
        .write(to: dir.appendingPathComponent("scenario.json"), atomically: true, encoding: .utf8)
    try #"[{"id": "final-big", "statement": "s", "checks": [{"metric": "final", "op": ">=", "value": [3]}], "paper": {"value": "3", "source": "Table 1"}},"#
        .appending(#" {"id": "later", "statement": "s", "checks": [{"metric": "final", "op": "<", "value": [0]}], "profiles": ["paper"]}]"#)
        .write(to: dir.appendingPathComponent("claims.json"), atomically: true, encoding: .utf8)
    let profile = #"{"seed": 1, "steps": 10, "scale": 2, "mode": "ok", "grid": [1, 2]}"#
    try #"{"_comment": "x", "smoke": \#(profile), "quick": \#(profile), "paper": \#(profile)}"#
        .write(to: dir.appendingPathComponent("profiles.json"), atomically: true, encoding: .utf8)
    return root
}

func probeSuite(_ root: URL, codeID: String = "test-code") throws -> Suite {
    Suite(store: try Store(path: root.appendingPathComponent("results/reprise.sqlite").path), scenarios: [Probe.self], root: root,
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
        #expect { try config.overriding(["m=1"]) } throws: { "\($0)".contains("unknown key 'm'") && "\($0)".contains("grid, n, name") }
        #expect { try config.overriding(["n=abc"]) } throws: { "\($0)".contains("expected a number") }
        #expect { try config.overriding(["n=nan"]) } throws: { "\($0)".contains("expected a number") }
        #expect { try config.overriding(["flag=maybe"]) } throws: { "\($0)".contains("true or false") }
        #expect { try config.overriding(["novalue"]) } throws: { "\($0)".contains("expected key=value") }
    }
}

@Suite struct ClaimTests {
    @Test func verdictsComeFromMetrics() {
        let spec = ClaimSpec(id: "c", statement: "s", checks: [.init(metric: "a", op: "between", value: [1, 2]), .init(metric: "b", op: "<=", value: [0])],
                             paper: nil, profiles: ["quick", "paper"])
        #expect(spec.evaluate(metrics: ["a": 1.5, "b": -1], profile: "quick").verdict == .pass)
        #expect(spec.evaluate(metrics: ["a": 2.5, "b": -1], profile: "quick").verdict == .fail)
        #expect(spec.evaluate(metrics: ["a": .nan, "b": -1], profile: "quick").verdict == .fail)
        #expect(spec.evaluate(metrics: ["b": -1], profile: "quick").verdict == .notApplicable) // not measured: never a pass
        #expect(spec.evaluate(metrics: ["b": -1], profile: "quick").measured == "a = not measured; b = -1")
        #expect(spec.evaluate(metrics: ["a": 1.5, "b": -1], profile: "smoke").verdict == .notApplicable)
        #expect(spec.evaluate(metrics: ["a": 1.5, "b": -1], profile: "quick").measured == "a = 1.5; b = -1")
    }
}

@Suite struct RunAndStoreTests {
    @Test func runStoresProvenanceSeriesNonFiniteValuesAndClaims() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        let o = try suite.run("probe", profile: "smoke", overrides: ["scale=2.5"], quiet: true)
        #expect(o.status == "ok" && o.seed == 1 && o.metrics["final"] == 5)
        #expect(o.claims.map(\.verdict) == [.pass, .notApplicable])
        let record = try #require(try suite.store.run(o.runID))
        #expect(record.status == "ok" && record.profile == "smoke" && record.configJSON.contains("\"scale\":2.5"))
        #expect(record.cores > 0 && record.openblas?.contains("OpenBLAS") == true && record.wallSeconds != nil)
        let data = try RunData(store: suite.store, record: record)
        let loss = data.series("loss")
        #expect(loss.count == 11 && loss[3].y == 0.25 && loss[10].y.isNaN)   // NaN kept, not dropped
        #expect(data.metric("diverged") == .infinity)
        #expect(data.claims.first?.paperSource == "Table 1")
    }

    @Test func interruptedAndFailedRunsAreMarkedAndKeepEarlierRuns() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        let good = try suite.run("probe", profile: "smoke", quiet: true)
        #expect(throws: SuiteError.self) { try suite.run("probe", profile: "smoke", overrides: ["mode=interrupt"], quiet: true) }
        #expect { try suite.run("probe", profile: "smoke", overrides: ["mode=fail"], quiet: true) } throws: { "\($0)".contains("some-package") }
        let runs = try suite.store.runs(scenario: "probe")
        #expect(runs.map(\.status) == ["failed", "interrupted", "ok"])
        #expect(runs[0].error?.contains("some-package") == true && runs[1].trialsTotal == nil)
        // The ok run stored g1 and g2; the interrupted and the failed run each stored their own g1
        // (their mode differs, so their trials do too) before g2 stopped them.
        #expect(try suite.store.trials(scenario: "probe").count == 4)
        #expect(try suite.store.latestRun(scenario: "probe", profile: "smoke")?.id == good.runID)
        #expect(try suite.store.metrics(good.runID)["final"] == 4)
    }

    @Test func unknownScenarioAndProfileAreClearErrors() throws {
        let suite = try probeSuite(try probeRoot())
        #expect { try suite.run("nope", quiet: true) } throws: { "\($0)".contains("unknown scenario 'nope'; known: probe") }
        #expect { try suite.run("probe", profile: "huge", quiet: true) } throws: { "\($0)".contains("no profile 'huge'") }
    }

    @Test func corruptStoreIsReportedAndLeftUntouched() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID().uuidString).sqlite").path
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
        stdin.fileHandleForWriting.write(Data("BEGIN IMMEDIATE; INSERT INTO metrics VALUES (999, 'x', 1, NULL);\n".utf8))
        Thread.sleep(forTimeInterval: 0.5)
        let suite = Suite(store: try Store(path: path, busyTimeout: 0.3), scenarios: [Probe.self], root: root, codeID: "test-code")
        #expect { try suite.run("probe", profile: "smoke", quiet: true) } throws: { "\($0)".contains("locked by another process") }
        try stdin.fileHandleForWriting.close()
        holder.waitUntilExit()
    }

    @Test func runsLeftRunningByADeadProcessAreMarkedCrashed() throws {
        let root = try probeRoot()
        let path = root.appendingPathComponent("results/reprise.sqlite").path
        _ = try Store(path: path)
        // pid 2^22 + 1 is above Linux's pid_max: no such process.
        let sql = "INSERT INTO runs(scenario, profile, config_json, config_hash, seed, status, started_at, pid) VALUES ('probe','smoke','{}','h',0,'running','t',4194305);"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, sql]
        try p.run(); p.waitUntilExit()
        #expect(try Store(path: path).runs(scenario: "probe").first?.status == "crashed")
    }
}

@Suite struct FigureAndBaselineTests {
    @Test func figuresAreRenderedByGnuplotAndIdenticalForIdenticalData() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        _ = try suite.run("probe", profile: "quick", quiet: true)
        let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b")
        try suite.plot("probe", profile: "quick", into: a)
        try suite.plot("probe", profile: "quick", into: b)
        for ext in ["png", "svg", "gp", "dat"] {
            let fa = try Data(contentsOf: a.appendingPathComponent("loss.\(ext)")), fb = try Data(contentsOf: b.appendingPathComponent("loss.\(ext)"))
            #expect(fa.count > 100 && fa == fb, "loss.\(ext) differs between two renders of the same data")
        }
        let png = try Data(contentsOf: a.appendingPathComponent("loss.png"))
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
    }

    @Test func baselineCatchesRegressionsAndIsRequired() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        _ = try suite.run("probe", profile: "smoke", quiet: true)
        // A run without a baseline fails the check.
        #expect(try suite.check().first?.problems.first?.contains("no baseline") == true)
        _ = try suite.run("probe", profile: "smoke", seed: 2, quiet: true)
        let (b, _) = try suite.writeBaseline("probe", profile: "smoke")
        #expect(b.seeds == [2, 1] && b.metrics["final"]?.value == 4 && b.claims["final-big"] == .pass)
        // An event never reached (+inf in every seed) is baselined as such, and survives the JSON round trip.
        let reloaded = try #require(try Baseline.load(Baseline.url(root: root, scenario: "probe", profile: "smoke")))
        #expect(reloaded.metrics["diverged"]?.value == .infinity && reloaded.metrics["diverged"]?.tolerance == 0)
        #expect(try suite.check().allSatisfy(\.passed))
        // A diagnostic --set run is not what check reads.
        _ = try suite.run("probe", profile: "smoke", overrides: ["scale=1"], quiet: true)
        #expect(try suite.check().allSatisfy(\.passed))
        // The profile itself changes one value: the metric moves out of tolerance and the config hash differs.
        let profiles = root.appendingPathComponent("Replications/probe/profiles.json")
        try (try String(contentsOf: profiles, encoding: .utf8)).replacingOccurrences(of: "\"scale\": 2", with: "\"scale\": 1")
            .write(to: profiles, atomically: true, encoding: .utf8)
        let bad = try suite.run("probe", profile: "smoke", quiet: true)
        let problems = try suite.check().first { $0.runID == bad.runID }!.problems
        #expect(problems.contains { $0.hasPrefix("final = 2, baseline 4") })
        #expect(problems.contains { $0.hasPrefix("claim final-big: fail, baseline pass") })
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
        #expect { try suite.replication("probe") } throws: { "\($0)".contains("claim 'final-big' reads metric 'finale', which probe does not record") }
        #expect(throws: SuiteError.self) { try suite.run("probe", profile: "smoke", quiet: true) }
        #expect(try suite.store.runs().isEmpty)
    }

    @Test func profilesMustHoldExactlyTheDeclaredKeysWithValidValues() throws {
        let extra = try probeSuite(try root("profiles.json", #""steps": 10"#, #""steps": 10, "stpes": 3"#))
        #expect { try extra.replication("probe") } throws: { "\($0)".contains("'stpes' is not a key probe reads") }
        let bad = try probeSuite(try root("profiles.json", #""steps": 10"#, #""steps": 0.5"#))
        #expect { try bad.replication("probe") } throws: { "\($0)".contains("steps = 0.5: expected an integer in [1, 1000]") }
        let missing = try probeSuite(try root("profiles.json", #""steps": 10, "#, ""))
        #expect { try missing.replication("probe") } throws: { "\($0)".contains("lacks 'steps'") }
    }

    @Test func outOfRangeOverridesAreRefusedBeforeARunIsStored() throws {
        let suite = try probeSuite(try probeRoot())
        for (set, message) in [("steps=-3", "steps = -3: expected an integer in [1, 1000]"), ("steps=1e99", "steps = 1e+99"),
                               ("grid=1,11", "grid = 1,11"), ("mode=later", "mode = later: expected one of ok, interrupt, fail")] {
            #expect { try suite.run("probe", profile: "smoke", overrides: [set], quiet: true) } throws: { "\($0)".contains(message) }
        }
        #expect(try suite.store.runs().isEmpty)
    }
}

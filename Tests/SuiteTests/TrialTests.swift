import CSQLite
import Foundation
import RepriseSuite
import Testing

/// The trial cache: what is reused, what is not, and what an interrupt or a second writer leaves behind.
@Suite struct TrialCacheTests {
    @Test func aRerunReusesEveryTrialAndGivesTheSameNumbers() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        let first = try suite.run("probe", profile: .smoke, quiet: true)
        let again = try suite.run("probe", profile: .smoke, quiet: true)
        #expect(first.trialsTotal == 2 && first.trialsComputed == 2 && again.trialsComputed == 0)
        #expect(first.metrics == again.metrics)
        #expect(try suite.store.trials(scenario: "probe").count == 2)
        let fresh = try suite.run("probe", profile: .smoke, fresh: true, quiet: true)
        #expect(fresh.trialsComputed == 2 && fresh.metrics["draws"] == first.metrics["draws"])
        let record = try #require(try suite.store.run(again.runID))
        #expect(record.trialsTotal == 2 && record.trialsComputed == 0 && record.codeID == "test-code")
    }

    @Test func aChangedValueRecomputesOnlyTheTrialsThatReadIt() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        _ = try suite.run("probe", profile: .smoke, quiet: true)
        // `scale` is read by the aggregate only: every trial is reused, the metric still follows the new value.
        let scaled = try suite.run("probe", profile: .smoke, overrides: ["scale=7"], quiet: true)
        #expect(scaled.trialsComputed == 0 && scaled.metrics["final"] == Estimate(14))
        // `steps` is in every trial's config: all are recomputed.
        let longer = try suite.run("probe", profile: .smoke, overrides: ["steps=12"], quiet: true)
        #expect(longer.trialsComputed == 2)
        // A grid with one new value computes only that trial.
        let wider = try suite.run("probe", profile: .smoke, overrides: ["grid=1,2,3"], quiet: true)
        #expect(wider.trialsTotal == 3 && wider.trialsComputed == 1)
        // Another seed: other random streams, nothing reused.
        let reseeded = try suite.run("probe", profile: .smoke, seed: 9, quiet: true)
        #expect(reseeded.trialsComputed == 2)
    }

    @Test func otherCodeIsNeverServedFromTheCache() throws {
        let root = try probeRoot()
        let a = try probeSuite(root, codeID: "code-A"), b = try probeSuite(root, codeID: "code-B")
        #expect(try a.run("probe", profile: .smoke, quiet: true).trialsComputed == 2)
        #expect(try b.run("probe", profile: .smoke, quiet: true).trialsComputed == 2)
        #expect(try a.run("probe", profile: .smoke, quiet: true).trialsComputed == 0)
    }

    @Test func aTrialsBLASThreadCountIsPartOfItsConfigAndSoOfItsCacheKey() throws {
        let one = Trial("k", Config(["a": .number(1)])), two = Trial("k", Config(["a": .number(1)]), blasThreads: 2)
        #expect(one.blasThreads == 1 && two.blasThreads == 2 && one.config.hash != two.config.hash)
        // A worker receives the stored config: it must already say how many threads.
        #expect(try Trial(key: "k", storedConfig: try Config(json: two.config.canonicalJSON)).blasThreads == 2)
        #expect(throws: SuiteError.self) { try Trial(key: "k", storedConfig: Config(["a": .number(1)])) }
        // The canonical JSON a worker parses gives back the same hash the parent looked the trial up by.
        let awkward = Config([
            "x": .number(0.1), "y": .numbers([1e-25, 2.356194490192345, 1e15]), "z": .strings(["a"]), "b": .bool(true),
        ])
        #expect(try Config(json: awkward.canonicalJSON).hash == awkward.hash)
    }

    @Test func trialValuesRoundTripBitForBit() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        let values: [Double] = [
            0.1, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
        ]
        let key = Store.TrialKey(scenario: "probe", trial: "t", configHash: "h", seed: 1, codeID: "c")
        let id = try suite.store.storeTrial(
            key, configJSON: "{}", values: TrialValues(["v": values, "empty": []]),
            usage: .init(wallSeconds: 1, cpuSeconds: 1, peakRSSMegabytes: 1), startedAt: "t",
            blasThreads: 1, pid: 1)
        let back = try suite.store.trialValues(id)
        #expect(back.vector("v").map(\.bitPattern) == values.map(\.bitPattern) && back.vector("empty").isEmpty)
        // A second writer of the same key finds it stored and does not add another.
        let again = try suite.store.storeTrial(
            key, configJSON: "{}", values: TrialValues(["v": [1]]),
            usage: .init(wallSeconds: 1, cpuSeconds: 1, peakRSSMegabytes: 1), startedAt: "t",
            blasThreads: 1, pid: 2)
        let stored = try suite.store.trials(scenario: "probe").count
        #expect(again == id && stored == 1)
    }

    @Test func aVersion1StoreIsUpgradedInPlaceKeepingItsRuns() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("v1-\(UUID().uuidString).sqlite").path
        let sql = """
            CREATE TABLE runs(id INTEGER PRIMARY KEY AUTOINCREMENT, scenario TEXT NOT NULL, profile TEXT NOT NULL, \
            config_json TEXT NOT NULL,
              config_hash TEXT NOT NULL, seed INTEGER NOT NULL, status TEXT NOT NULL, error TEXT, started_at TEXT NOT \
              NULL, ended_at TEXT,
              wall_seconds REAL, cpu_seconds REAL, peak_rss_mb REAL, pid INTEGER, git_commit TEXT, git_dirty INTEGER, \
              swift_version TEXT,
              openblas TEXT, blas_threads INTEGER, cpu_model TEXT, cores INTEGER, os TEXT);
            CREATE TABLE points(run_id INTEGER, series TEXT, seq INTEGER, x REAL, y REAL, nonfinite TEXT);
            CREATE TABLE metrics(run_id INTEGER, name TEXT, value REAL, nonfinite TEXT);
            CREATE TABLE claims(run_id INTEGER, claim_id TEXT, statement TEXT, measured TEXT, threshold TEXT, \
            paper_value TEXT,
              paper_source TEXT, verdict TEXT);
            INSERT INTO runs(scenario, profile, config_json, config_hash, seed, status, started_at) VALUES \
            ('probe','smoke','{}','h',0,'ok','t');
            PRAGMA user_version = 1;
            """
        var db: OpaquePointer?
        sqlite3_open(path, &db)
        #expect(sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK)
        sqlite3_close(db)
        let store = try Store(path: path)
        let runs = try store.runs(scenario: "probe")
        #expect(runs.count == 1 && runs[0].status == .ok && runs[0].trialsTotal == nil)
        #expect(try store.trials().isEmpty)
    }
}

/// The real CLI with worker processes: --jobs, SIGINT and resume, two writers on one store.
@Suite(.serialized) struct ParallelRunTests {
    func db(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).sqlite").path
    }

    let smallNTK = [
        "run", "ntk-regime", "--profile", "smoke", "--set", "widths=16,32,64", "--set", "fig2_widths=16,32",
        "--set", "steps=20", "--set", "fig2_steps=20", "--quiet",
    ]

    func metricsCSV(_ runID: String, _ db: String) throws -> String {
        let out = try reprise(["export", runID, "--format", "csv", "--db", db])
        return out.out.split(separator: "\n").filter { $0.hasPrefix("metric,") || $0.hasPrefix("series,") }.joined(
            separator: "\n")
    }

    @Test func jobsOneAndTwoGiveIdenticalNumbers() throws {
        let one = db("jobs1"), two = db("jobs2")
        let a = try reprise(smallNTK + ["--jobs", "1", "--db", one]),
            b = try reprise(smallNTK + ["--jobs", "2", "--db", two])
        #expect(a.code == 0 && b.code == 0, "\(a.err)\n\(b.err)")
        let ea = try metricsCSV("1", one), eb = try metricsCSV("1", two)
        #expect(ea.count > 1000 && ea == eb)
    }

    @Test func badJobsAreRejectedBeforeAnythingRuns() throws {
        let store = db("badjobs")
        for bad in ["0", "-1", "abc"] {
            let r = try reprise(["run", "ntk-regime", "--profile", "smoke", "--jobs", bad, "--db", store])
            #expect(r.code != 0 && r.err.contains("jobs"), "--jobs \(bad): \(r.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: store))
    }

    @Test func anInterruptedRunResumesComputingOnlyTheMissingTrials() throws {
        let store = db("sigint")
        let args = ["run", "gradient-noise", "--profile", "smoke", "--jobs", "1", "--quiet", "--db", store]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: repriseBinary)
        p.arguments = args
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // Wait until a few trials are stored, then Ctrl-C the parent only.
        let deadline = Date().addingTimeInterval(120)
        while try storedTrials(store) < 3 && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        let kept = try storedTrials(store)
        #expect(kept >= 3 && kept < 24)
        #expect(try sqlite(store, "SELECT status FROM runs") == "interrupted")
        let rerun = try reprise(args.filter { $0 != "--quiet" } + ["--json"])
        #expect(rerun.code == 0, "\(rerun.err)")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(rerun.out.utf8)) as? [String: Any])
        #expect(outcome["trialsTotal"] as? Int == 24 && outcome["trialsComputed"] as? Int == 24 - kept)
        #expect(try storedTrials(store) == 24)
    }

    @Test func twoProcessesOnOneStoreNeitherCorruptItNorCountATrialTwice() throws {
        let store = db("two-writers")
        let procs = (0..<2).map { _ in Process() }
        for p in procs {
            p.executableURL = URL(fileURLWithPath: repriseBinary)
            p.arguments = smallNTK + ["--jobs", "2", "--db", store]
            p.standardError = FileHandle.nullDevice
            p.standardOutput = FileHandle.nullDevice
            try p.run()
        }
        for p in procs { p.waitUntilExit() }
        #expect(procs.allSatisfy { $0.terminationStatus == 0 })
        #expect(try sqlite(store, "SELECT group_concat(status) FROM runs") == "ok,ok")
        #expect(try sqlite(store, "PRAGMA integrity_check") == "ok")
        // 3 widths x 3 seeds for Fig. 1, 2 x 3 for Fig. 2, one chunk of 8 init-only nets per width and a
        // second chunk at the widest (smoke's 12 there: 10 + 2): each stored once, whichever process finished it.
        #expect(try storedTrials(store) == 19)
        let (first, second) = (try metricsCSV("1", store), try metricsCSV("2", store))
        #expect(first.count > 1000 && first == second)
    }

    func storedTrials(_ store: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: store) else { return 0 }
        return Int(try sqlite(store, "SELECT count(*) FROM trials")) ?? 0
    }

    func sqlite(_ store: String, _ sql: String) throws -> String {
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = ["-cmd", ".timeout 5000", store, sql]
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// `aggregate` finds a trial by its coordinates, the trial-local keys its config holds.
@Suite struct TrialResultsTests {
    static let part = Key.name("part", in: ["a", "b"]), width = Key.integer("width", 1...100)
    static let seed = Key.integer("seed_index", 0...10)

    func result(_ part: String, _ width: Int?, _ seed: Int, _ value: Double) -> (Config, TrialValues) {
        var c = Config([:]).setting(Self.part, part).setting(Self.seed, seed)
        if let width { c = c.setting(Self.width, width) }
        return (c, TrialValues(["v": [value]]))
    }

    @Test func aTrialIsFoundByItsCoordinatesWhateverItsKeyOrPlace() {
        let results = TrialResults([
            result("a", 8, 0, 1), result("a", 8, 1, 2), result("a", 16, 0, 3), result("b", nil, 0, 4),
            result("b", nil, 1, 5),
        ])
        #expect(results.one(Self.part.is("a"), Self.width.is(16), Self.seed.is(0)).scalar("v") == 3)
        #expect(results.one(Self.part.is("a"), Self.width.is(8), Self.seed.is(1)).scalar("v") == 2)
        #expect(results.one(Self.width.unset, Self.seed.is(1)).scalar("v") == 5)
        #expect(results.all(Self.part.is("a"), Self.seed.is(0)).map { $0.scalar("v") } == [1, 3])
        #expect(results.all(Self.part.is("b"), Self.width.is(8)).isEmpty)
    }

    @Test func aTrialListedTwiceWithOneConfigIsOneTrial() {
        let results = TrialResults([result("a", 8, 0, 1), result("a", 8, 0, 1), result("a", 8, 1, 2)])
        #expect(results.one(Self.width.is(8), Self.seed.is(0)).scalar("v") == 1)
    }
}

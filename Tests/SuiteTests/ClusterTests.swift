import Foundation
import RepriseSuite
import Testing

/// Sharding and merging without a cluster (the real Slurm run is `make test-slurm`).
@Suite struct ShardTests {
    @Test func shardSpecsAreCheckedBeforeAnythingRuns() throws {
        #expect(try Shard("3/4") == Shard("3/4") && (try Shard("0/1")).count == 1)
        for bad in ["3/2", "0/0", "x", "1", "-1/2", "1/2/3", "a/b"] {
            #expect(throws: SuiteError.self, "--shard \(bad)") { try Shard(bad) }
        }
    }

    @Test func everyTrialLandsOnExactlyOneShardBalancedByCost() {
        let trials = (0..<40).map { Trial("t\($0)", Config([:]), cost: Double($0 % 7 + 1)) }
        let a = Shard.assign([("s", trials)], count: 4), b = Shard.assign([("s", trials.reversed())], count: 4)
        #expect(a["s"] == b["s"])  // the same split whatever the order listed
        let shards = (0..<4).map { a["s"]?[$0] ?? [] }
        #expect(shards.reduce(0) { $0 + $1.count } == 40 && Set(shards.flatMap { $0 }).count == 40)
        let loads = shards.map { s in trials.filter { s.contains($0.key) }.reduce(0) { $0 + $1.cost } }
        #expect(loads.max()! - loads.min()! <= 7)  // within one of the largest trials
        // More shards than trials: the extra shards are simply empty.
        #expect(Shard.assign([("s", Array(trials.prefix(2)))], count: 5)["s"]?.count == 2)
    }

    @Test func shardsThenMergeThenRunComputesNothingAndEqualsTheUnshardedRun() throws {
        let root = try probeRoot()
        let plain = try probeSuite(root).run("probe", profile: .smoke, overrides: ["grid=1,2,3"], quiet: true)
        var shardStores: [String] = []
        for i in 0..<2 {
            let path = root.appendingPathComponent("shard-\(i).sqlite").path
            shardStores.append(path)
            let suite = Suite(store: try Store(path: path), scenarios: [Probe.self], root: root, codeID: "test-code")
            let out = try suite.runShard(
                ["probe"], profile: .smoke, overrides: ["grid=1,2,3"], shard: try Shard("\(i)/2"), quiet: true)
            #expect(out.first?.trialsComputed == out.first?.trialsAssigned)
            #expect(try suite.store.runs().isEmpty)  // a shard stores trials, no run
        }
        let target = try Store(path: root.appendingPathComponent("merged.sqlite").path)
        let first = try shardStores.map { try target.merge(from: $0) }
        #expect(first.reduce(0) { $0 + $1.trialsAdded } == 3 && first.allSatisfy { $0.conflicts.isEmpty })
        let again = try shardStores.map { try target.merge(from: $0) }  // idempotent
        #expect(again.reduce(0) { $0 + $1.trialsAdded } == 0 && again.reduce(0) { $0 + $1.trialsKnown } == 3)
        let merged = Suite(store: target, scenarios: [Probe.self], root: root, codeID: "test-code")
        let run = try merged.run("probe", profile: .smoke, overrides: ["grid=1,2,3"], quiet: true)
        #expect(run.trialsComputed == 0 && run.metrics == plain.metrics)
        // Runs travel too, once: merge the merged store into a fresh one twice.
        let copy = try Store(path: root.appendingPathComponent("copy.sqlite").path)
        #expect(try copy.merge(from: target.path).runsAdded == 1 && (try copy.merge(from: target.path)).runsKnown == 1)
        let copied = try #require(try copy.runs().first)
        #expect(try copy.metrics(copied.id) == (try target.metrics(run.runID)) && copied.trialsTotal == 3)
    }

    @Test func conflictingTrialsAreReportedAndTheTargetKeepsItsOwn() throws {
        let root = try probeRoot()
        let key = Store.TrialKey(scenario: "probe", trial: "g1", configHash: "h", seed: 1, codeID: "c")
        let usage = Provenance.Usage(wallSeconds: 1, cpuSeconds: 1, peakRSSMegabytes: 1)
        let a = try Store(path: root.appendingPathComponent("a.sqlite").path),
            b = try Store(path: root.appendingPathComponent("b.sqlite").path)
        let kept = try a.storeTrial(
            key, configJSON: "{}", values: TrialValues(["x": [1]]), usage: usage, startedAt: "t", blasThreads: 1, pid: 1
        )
        try b.storeTrial(
            key, configJSON: "{}", values: TrialValues(["x": [1.0000000000000002]]), usage: usage, startedAt: "t",
            blasThreads: 1, pid: 2)
        let report = try a.merge(from: b.path)
        #expect(report.conflicts.count == 1 && report.conflicts[0].contains("g1") && report.trialsAdded == 0)
        #expect(try a.cachedTrial(key) == kept && (try a.trialValues(kept)).vector("x") == [1])
    }

    @Test func aCorruptOrForeignSourceIsRejectedAndTheTargetLeftUntouched() throws {
        let root = try probeRoot()
        let targetPath = root.appendingPathComponent("target.sqlite").path
        let target = try Store(path: targetPath)
        try target.storeTrial(
            Store.TrialKey(scenario: "probe", trial: "g1", configHash: "h", seed: 1, codeID: "c"), configJSON: "{}",
            values: TrialValues(["x": [1]]), usage: .init(wallSeconds: 1, cpuSeconds: 1, peakRSSMegabytes: 1),
            startedAt: "t", blasThreads: 1, pid: 1)
        let junk = root.appendingPathComponent("junk.sqlite").path
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: junk))
        #expect { try target.merge(from: junk) } throws: { "\($0)".contains("not a valid reprise database") }
        let foreign = root.appendingPathComponent("v9.sqlite").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [foreign, "CREATE TABLE t(x); PRAGMA user_version = 9;"]
        try p.run(); p.waitUntilExit()
        #expect { try target.merge(from: foreign) } throws: { "\($0)".contains("schema version 9") }
        #expect { try target.merge(from: root.appendingPathComponent("missing.sqlite").path) } throws: {
            "\($0)".contains("no store at")
        }
        #expect(try target.trials().count == 1)
        // The CLI checks every source before it opens the target.
        let fresh = root.appendingPathComponent("never-created.sqlite").path
        let cli = try reprise(["merge", junk, "--into", fresh])
        #expect(
            cli.code != 0 && cli.err.contains("not a valid reprise database")
                && !FileManager.default.fileExists(atPath: fresh))
    }

    @Test func badShardAndSlurmArgumentsAreClearErrors() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("shard-\(UUID().uuidString).sqlite").path
        for bad in ["3/2", "0/0", "x"] {
            let r = try reprise(["run", "ntk-regime", "--profile", "smoke", "--shard", bad, "--db", db])
            #expect(r.code != 0 && r.err.contains("--shard \(bad)"), "\(r.err)")
        }
        let zero = try reprise(["slurm", "ntk-regime", "--profile", "smoke", "--array", "0", "--db", db])
        #expect(zero.code != 0 && zero.err.contains("--array must be at least 1"))
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    @Test func slurmWritesScriptsWithoutSubmitting() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-\(UUID().uuidString)").path
        let db = dir + "/merged.sqlite"
        let r = try reprise([
            "slurm", "gradient-noise", "--profile", "paper", "--array", "8", "--partition", "cpu", "--time", "4:00:00",
            "--dir", dir, "--db", db,
        ])
        #expect(r.code == 0, "\(r.err)")
        let shards = try String(contentsOfFile: dir + "/shards.sbatch", encoding: .utf8)
        let merge = try String(contentsOfFile: dir + "/merge.sbatch", encoding: .utf8)
        let submit = try String(contentsOfFile: dir + "/submit.sh", encoding: .utf8)
        // Every #SBATCH directive precedes the first command, or sbatch ignores it.
        let lines = shards.split(separator: "\n")
        let firstCommand = try #require(lines.firstIndex { !$0.hasPrefix("#") })
        #expect(lines.lastIndex { $0.hasPrefix("#SBATCH") }! < firstCommand)
        for directive in ["--array=0-7", "--partition=cpu", "--time=4:00:00", "--cpus-per-task=1"] {
            #expect(shards.contains("#SBATCH " + directive))
        }
        #expect(
            shards.contains("\"${SLURM_ARRAY_TASK_ID}/8\"") && shards.contains("shard-${SLURM_ARRAY_TASK_ID}.sqlite"))
        #expect(merge.contains("'merge'") && merge.contains("shard-7.sqlite") && merge.contains("--into '\(db)'"))
        #expect(submit.contains("--dependency=afterok:"))
    }
}

import ArgumentParser
import Foundation
import RepriseEngine
import RepriseScenarios
import RepriseSuite

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the registered scenarios.")
    func run() throws {
        for type in allScenarios {
            let rep = try Replication(id: type.id)
            print("\(type.id.padding(toLength: 20, withPad: " ", startingAt: 0)) \(rep.info.paper.authors) \(rep.info.paper.year): \(rep.info.title)")
        }
    }
}

struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a scenario's paper, claims and profiles.")
    @Argument(help: "Scenario id (see `reprise list`).") var id: String

    func run() throws {
        // The same load-time check as `run`: the files' fields, and their contract with the scenario's Swift.
        let rep = try Suite(store: try Store(path: ":memory:"), scenarios: allScenarios, codeID: "none").replication(id)
        let p = rep.info.paper
        print("\(id): \(rep.info.title)\n\(p.authors) (\(p.year)). \(p.title). arXiv:\(p.arxiv)")
        for r in rep.info.related ?? [] { print("  related: \(r.authors) (\(r.year)). \(r.title). arXiv:\(r.arxiv)") }
        print("\nClaims:")
        for c in rep.claims {
            print("  [\(c.id)] (\(c.kind.rawValue)) \(c.statement)\n"
                  + "      threshold: \(c.checks.map(\.threshold).joined(separator: " and "))"
                  + (c.minimumUnits.map { ", at least \($0) units" } ?? ""))
            if let pv = c.paper { print("      paper: \(pv.value) (\(pv.source))") }
            if let why = c.revisedAfterResults {
                print("      revised after results (its verdicts are post hoc): \(why)")
            }
        }
        print("\nPaper numbers:")
        for n in rep.info.paperNumbers { print("  \(n.quantity): \(n.value) (\(n.source))") }
        print("\nProfiles:")
        for name in Replication.profileOrder {
            let values = rep.profiles[name]!.values
            print("  \(name): " + values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: " "))
        }
        print("\nProtocol and deviations: \(rep.folder.path)/README.md")
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a scenario (or all) and store the results.")
    @OptionGroup var sweep: Sweep
    @Option(help: "smoke (seconds), quick (minutes; the default) or paper (hours).") var profile = "quick"
    @Option(help: "Worker processes that run trials at once (default: the number of cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Recompute every trial instead of reusing stored ones.") var fresh = false
    @Option(help: ArgumentHelp("Compute only shard i of n of the trials (i from 0, e.g. $SLURM_ARRAY_TASK_ID/4); stores trials, aggregates nothing.",
                               valueName: "i/n"))
    var shard: String?
    @Flag(help: "Print the outcome as JSON: run id, trials, metrics, claims with verdicts.") var json = false
    @Flag(help: "No progress display.") var quiet = false
    @OptionGroup var store: StoreOptions

    func validate() throws {
        try validateProfile(profile)
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, not \(jobs)") }
        if let shard { _ = try Shard(shard) }
    }

    func run() throws {
        try sweep.check(profile: profile)                  // bad input fails before the store is opened or created
        let suite = try store.suite(jobs: jobs)
        Interrupts.install()
        let ids = try sweep.ids(in: suite)
        let (seed, overrides) = (sweep.seed, sweep.overrides)
        if let shard {
            let outcomes = try suite.runShard(ids, profile: profile, seed: seed, overrides: overrides, shard: try Shard(shard),
                                              fresh: fresh, quiet: quiet || json)
            if json { try printJSON(outcomes); return }
            for o in outcomes {
                print("\(o.scenario) [\(profile)] shard \(o.shard): \(o.trialsComputed) of \(o.trialsAssigned) assigned trials computed")
            }
            return
        }
        var outcomes: [RunOutcome] = []
        for id in ids {
            let o = try suite.run(id, profile: profile, seed: seed, overrides: overrides, fresh: fresh, quiet: quiet || json)
            outcomes.append(o)
            if !json {
                print("\(id) [\(profile)] run \(o.runID): \(Verdict.tally(o.claims)) (claims.json \(o.claimsHash)), "
                      + "\(fmt(o.wallSeconds)) s, \(o.trialsComputed) of \(o.trialsTotal) trials computed")
                printClaims(o.claims)
            }
        }
        if json { try sweep.all ? printJSON(outcomes) : printJSON(outcomes[0]) }
    }
}

/// Findings, then sanity checks on their own lines: verdict, id, what was measured, and the reason
/// for any verdict that is neither pass nor fail.
func printClaims(_ claims: [ClaimResult]) {
    for kind in ClaimSpec.Kind.allCases {
        for c in claims where c.kind == kind {
            let tag = (kind == .sanity ? "sanity " : "") + c.verdict.rawValue
            print("  \(tag.padding(toLength: 19, withPad: " ", startingAt: 0)) \(c.id): \(c.measured)")
            if let reason = c.reason { print(String(repeating: " ", count: 22) + "\(c.verdict.rawValue): \(reason)") }
            if let r = c.registration, r.mark != .registered {
                print(String(repeating: " ", count: 22) + r.description)
            }
        }
    }
}

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Redraw a scenario's figures (PNG and SVG) from its selected run (or --run).")
    @Argument(help: "Scenario id; omit with --all.") var id: String?
    @Flag(help: "Every scenario with a selected run (the others are skipped, and said so).") var all = false
    @Option(help: "Which profile's selected run to draw: the latest finished run of its own config.") var profile = "quick"
    @Option(name: .customLong("run"), help: "Draw this run instead of the profile's selected run (e.g. a diagnostic --set run).")
    var runID: Int64?
    @Option(help: "Draw into this folder instead of results/figures/<id> (e.g. for a diagnostic run).")
    var out: String?
    @OptionGroup var store: StoreOptions

    func validate() throws {
        try validateProfile(profile)
        if all == (id != nil) { throw ValidationError("name one scenario, or pass --all") }
        if all && (out != nil || runID != nil) { throw ValidationError("--out and --run draw one scenario") }
    }

    func run() throws {
        let suite = try store.readingSuite()
        let dir = out.map { URL(fileURLWithPath: $0, isDirectory: true) }
        for id in all ? suite.ids : [id!] {
            if all, try suite.selectedRun(id, profile: profile) == nil {
                print("\(id): no finished '\(profile)' run of the profile's own config in \(store.db); skipped")
                continue
            }
            for url in try suite.plot(id, profile: profile, runID: runID, into: dir) { print(url.path) }
        }
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write results/REPORT.md (with --html also results/report.html) from one profile's selected runs.")
    @Option(help: "Whose runs to report (the figures should be drawn from the same profile).") var profile = "quick"
    @Flag(help: "Also write the self-contained HTML report (results/report.html).") var html = false
    @Option(help: "Write the HTML report here instead of results/report.html (implies --html).") var out: String?
    @OptionGroup var store: StoreOptions
    func validate() throws { try validateProfile(profile) }
    func run() throws {
        let suite = try store.readingSuite()
        if out == nil { print(try suite.writeReport(profile: profile).path) }
        if html || out != nil {
            print(try suite.writeHTMLReport(profile: profile, to: out.map { URL(fileURLWithPath: $0) }).path)
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare each profile's selected runs (newest per seed) with the committed baseline; exit 1 on a regression or a missing baseline.")
    @Flag(help: "Print the result as JSON.") var json = false
    @OptionGroup var store: StoreOptions

    struct Row: Encodable {
        let scenario: String, profile: String, runs: [Int64], passed: Bool, tally: String
        let problems: [String], notes: [String]
    }

    func run() throws {
        let results = try store.readingSuite().check()
        if json {
            try printJSON(results.map {
                Row(scenario: $0.scenario, profile: $0.profile, runs: $0.runIDs, passed: $0.passed, tally: $0.tally,
                    problems: $0.problems, notes: $0.notes)
            })
        } else {
            if results.isEmpty { print("no runs with baselines to check") }
            for r in results {
                let runs = r.runIDs.map(String.init).joined(separator: ", ")
                print("\(r.passed ? "ok  " : "FAIL") \(r.scenario) [\(r.profile)] runs \(runs): "
                      + "newest run's \(r.tally)")
                for p in r.problems { print("     \(p)") }
                for n in r.notes { print("     note: \(n)") }
            }
        }
        if results.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }
}

struct MakeBaseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Rewrite a scenario's baseline from its selected runs: the newest per seed as samples, the newest run's exact values as golden.")
    @Argument(help: "Scenario id.") var id: String
    @Option(help: "Profile to baseline.") var profile = "smoke"
    @OptionGroup var store: StoreOptions

    func validate() throws { try validateProfile(profile) }

    func run() throws {
        let (b, url) = try store.readingSuite().writeBaseline(id, profile: profile)
        print("wrote \(url.path) from runs \(b.runs.map(String.init).joined(separator: ", ")) (seeds \(b.seeds.map(String.init).joined(separator: ", ")))")
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a stored run's series, metrics (with intervals) and claims, judged now, as CSV or JSON.")
    @Argument(help: "Run id (see the output of `reprise run`).") var runID: Int64
    @Option(help: "csv or json.") var format = "csv"
    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard ["csv", "json"].contains(format) else { throw ValidationError("--format must be csv or json, not '\(format)'") }
    }

    struct Point: Encodable { let series: String, x: Double, y: Double }
    struct Dump: Encodable {
        let run: Int64, scenario: String, profile: String, seed: UInt64, status: String, config: String
        let tally: String, metrics: [String: Estimate], claims: [ClaimResult], claimsHash: String, points: [Point]
    }

    func run() throws {
        let suite = try store.readingSuite()
        guard let record = try suite.store.run(runID) else { throw SuiteError.noRuns("no run \(runID) in \(store.db)") }
        let data = try RunData(store: suite.store, record: record, replication: try suite.replication(record.scenario))
        let points = data.series.keys.sorted().flatMap { name in data.series[name]!.map { Point(series: name, x: $0.x, y: $0.y) } }
        if format == "json" {
            try printJSON(Dump(run: runID, scenario: record.scenario, profile: record.profile, seed: record.seed, status: record.status,
                               config: record.configJSON, tally: Verdict.tally(data.claims), metrics: data.metrics,
                               claims: data.claims,
                               claimsHash: data.claimsHash,
                               points: points))
            return
        }
        print("kind,name,x,value,low,high,units,method,reason")
        print("tally,,,\(csv(Verdict.tally(data.claims))),,,,,")
        for p in points { print("series,\(csv(p.series)),\(p.x),\(p.y),,,,,") }
        for name in data.metrics.keys.sorted() {
            let e = data.metrics[name]!
            print("metric,\(csv(name)),,\(e.value),\(e.interval.map { "\($0.lowerBound),\($0.upperBound)" } ?? ","),"
                  + "\(e.units.map(String.init) ?? ""),\(e.method?.rawValue ?? ""),")
        }
        for c in data.claims {
            let why = [c.reason, c.registration?.description].compactMap { $0 }.joined(separator: "; ")
            print("claim,\(csv(c.id)),,\(c.verdict.rawValue),,,,\(c.kind.rawValue),\(csv(why))")
        }
    }

    func csv(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the engine's training steps against the sgemm peak measured in the same process.")
    @Option(help: "Timed repetitions of the slower steps (the fast ones run 5x as many).") var repeats = 20
    @Option(help: "Only the steps whose name contains this (e.g. LLaMA).") var only: String?
    @Option(help: "Threads the engine computes with (default: every core).") var threads: Int?
    @Flag(help: "Print the result as JSON.") var json = false
    @Flag(help: "Instead of timing, print the losses of each workload's first 10 steps from its fixed seed, as JSON (the golden trajectories of the engine tests; one thread unless --threads says otherwise, the same bits either way).")
    var trajectories = false
    @Flag(help: "Time each op's forward and backward pass within the steps: where the time goes.")
    var ops = false

    struct Output: Encodable { let sgemmPeakGflops: Double, openBLASKernels: String, steps: [Benchmarks.Result] }

    func validate() throws {
        if let threads, !(1...64).contains(threads) { throw ValidationError("--threads must be in 1...64, not \(threads)") }
    }

    func run() throws {
        Runtime.cacheLargeAllocations()
        if let threads { Parallel.setThreads(threads) }
        if ops {
            for w in Benchmarks.opProfiles(repeats: repeats, only: only) {
                print(String(format: "### %@: %.2f ms a step (median), %.2f ms the mean profiled step\n", w.name, w.stepMs, w.profiledStepMs))
                print("| op or section | forward ms | backward ms | calls | share of the profiled step |")
                print("|---|---:|---:|---:|---:|")
                for l in w.lines {
                    print(String(format: "| %@ | %.3f | %.3f | %.0f | %.1f%% |", l.name, l.forwardMs, l.backwardMs, l.calls,
                                 100 * (l.forwardMs + l.backwardMs) / w.profiledStepMs))
                }
                print()
            }
            return
        }
        if trajectories {
            try printJSON(Dictionary(uniqueKeysWithValues: Benchmarks.trajectories(threads: threads ?? 1).map { ($0.name, $0.losses) }))
            return
        }
        // Steps first: timing OpenBLAS's own threads for the peak leaves its workers spinning for a while.
        let steps = Benchmarks.trainingSteps(repeats: repeats, only: only)
        let peak = Benchmarks.sgemmPeak()
        if json { try printJSON(Output(sgemmPeakGflops: peak, openBLASKernels: BLASInfo.core, steps: steps)); return }
        print("sgemm peak (1024^3, median): \(String(format: "%.1f", peak)) GFLOP/s on \(Parallel.threads) thread(s); products split in blocks of \(Parallel.rowBlock(Float.self)) rows; OpenBLAS kernels: \(BLASInfo.core)\n")
        print("| step | median ms | GFLOP/s | of sgemm peak |")
        print("|---|---:|---:|---:|")
        for s in steps {
            print(String(format: "| %@ | %.2f | %.1f | %.0f%% |", s.name, s.medianMs, s.gflops, 100 * s.gflops / peak))
        }
    }
}

/// What a worker process does: one trial, stored in its own transaction. Started by `run`, not by hand.
struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run one trial and store it (used by `run`).", shouldDisplay: false)
    @Argument var id: String
    @Option var key: String
    @Option(help: "The trial's config, canonical JSON.") var config: String
    @Option var seed: UInt64
    @Option(name: .customLong("code-id")) var codeID: String
    @Flag var replace = false
    @OptionGroup var store: StoreOptions

    func run() throws {
        Interrupts.install()
        let suite = try store.suite(jobs: 1, codeID: codeID)
        let config = try Config(json: config)
        do {
            try suite.computeTrial(id, try Trial(key: key, storedConfig: config), seed: seed, replacing: replace) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        } catch SuiteError.interrupted {
            throw ExitCode(130)
        }
    }
}

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge result stores (e.g. the shards of a Slurm array) into one; merging twice changes nothing.",
        discussion: "Exits 1 if two stores hold different values for the same trial (the target's are kept and each conflict is listed).")
    @Argument(help: "Stores to merge from (never written).") var sources: [String]
    @Option(help: "The store to merge into (created if missing).") var into: String

    func validate() throws {
        if sources.isEmpty { throw ValidationError("name at least one store to merge from") }
    }

    func run() throws {
        // Every source is checked (readable, a reprise store of this schema version) before the target is touched.
        for path in sources { _ = try Store(path: path, readOnly: true) }
        let target = try Store(path: into)
        var conflicts: [String] = []
        for path in sources {
            let r = try target.merge(from: path)
            print("\(path): \(r.trialsAdded) trials added, \(r.trialsKnown) already there; \(r.runsAdded) runs added, \(r.runsKnown) already there")
            conflicts += r.conflicts
        }
        for c in conflicts { print("conflict: \(c)") }
        if !conflicts.isEmpty { throw ExitCode(1) }
    }
}

struct Slurm: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write (and with --submit, submit) a Slurm job array that shards a sweep, plus an afterok job that merges and aggregates.")
    @OptionGroup var sweep: Sweep
    @Option(help: "smoke, quick or paper.") var profile = "paper"
    @Option(help: "Array tasks (shards).") var array: Int
    @Option(name: .customLong("cpus-per-task"), help: "CPUs per array task; each runs that many trials at once.") var cpusPerTask = 1
    @Option(help: "Slurm partition.") var partition: String?
    @Option(help: "Time limit per task, as sbatch takes it (e.g. 4:00:00).") var time: String?
    @Option(help: "Where the scripts, logs and shard stores go (on a filesystem every node sees).") var dir: String?
    @Flag(help: "Submit with sbatch.") var submit = false
    @OptionGroup var store: StoreOptions

    func validate() throws {
        try validateProfile(profile)
        guard array >= 1 else { throw ValidationError("--array must be at least 1, not \(array)") }
        guard cpusPerTask >= 1 else { throw ValidationError("--cpus-per-task must be at least 1, not \(cpusPerTask)") }
    }

    func run() throws {
        try sweep.check(profile: profile)                  // bad input fails here, and no store is opened
        let (all, seed, overrides) = (sweep.all, sweep.seed, sweep.overrides)
        let ids = all ? allScenarios.map { $0.id } : [sweep.id!], root = Replication.root
        let name = all ? "all" : ids[0]
        let directory = URL(fileURLWithPath: dir ?? root.appendingPathComponent("results/slurm/\(name)-\(profile)").path)
        let job = SlurmJob(scenarios: ids, all: all, profile: profile, seed: seed, overrides: overrides, tasks: array,
                           cpusPerTask: cpusPerTask, partition: partition, time: time, directory: directory,
                           target: URL(fileURLWithPath: store.db).standardizedFileURL.path,
                           executable: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0],
                           root: root)
        for url in try job.write() { print(url.path) }
        if submit {
            let (arrayID, mergeID) = try job.submit()
            print("submitted array job \(arrayID) (\(array) tasks) and merge job \(mergeID) (afterok)")
        }
    }
}

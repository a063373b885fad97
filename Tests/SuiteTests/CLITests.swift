import Foundation
import RepriseSuite
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The built `reprise` binary: $REPRISE_BIN, else the one beside this test bundle (same build configuration).
let repriseBinary =
    ProcessInfo.processInfo.environment["REPRISE_BIN"]
    ?? URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "")
    .deletingLastPathComponent().appendingPathComponent("reprise").path

/// Runs the built `reprise` binary and returns exit code and output; `environment` changes this
/// process's variables for it (nil removes one).
func reprise(_ args: [String], environment: [String: String?] = [:]) throws -> (code: Int32, out: String, err: String) {
    let root = repositoryRoot
    let p = Process()
    p.executableURL = URL(fileURLWithPath: repriseBinary)
    p.arguments = args
    if !environment.isEmpty {
        var env = ProcessInfo.processInfo.environment
        for (name, value) in environment { env[name] = value }
        p.environment = env
    }
    p.currentDirectoryURL = root
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Every CLI verb once, and bad input: a clear message and a non-zero exit, with nothing written.
@Suite(.serialized) struct CLITests {
    let db = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).sqlite").path

    /// `reprise new` copies the worked example under the new id and type name, refuses a bad or taken id,
    /// and never overwrites.
    @Test func newScaffoldsAScenarioFromTheWorkedExample() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-new-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let made = try reprise(["new", "random-labels", "--root", root.path])
        #expect(made.code == 0 && made.out.contains("RandomLabels.self"))
        let swift = try String(
            contentsOf: root.appendingPathComponent("Sources/RepriseScenarios/RandomLabels.swift"),
            encoding: .utf8)
        #expect(swift.contains("public struct RandomLabels: Scenario") && !swift.contains("SampleMean"))
        let claims = try Data(contentsOf: root.appendingPathComponent("Replications/random-labels/claims.json"))
        #expect(((try JSONSerialization.jsonObject(with: claims)) as? [Any])?.count == 1)
        #expect(try reprise(["new", "random-labels", "--root", root.path]).code != 0)
        #expect(try reprise(["new", "Random_Labels", "--root", root.path]).code != 0)
        #expect(try reprise(["new", "ntk-regime", "--root", root.path]).code != 0)
    }

    @Test func listAndDescribe() throws {
        let list = try reprise(["list"])
        #expect(list.code == 0)
        for id in ["double-descent", "gradient-noise", "ntk-regime", "grokking-stablemax"] {
            #expect(list.out.contains(id))
        }
        let d = try reprise(["describe", "ntk-regime"])
        #expect(d.code == 0 && d.out.contains("arXiv:1806.07572") && d.out.contains("Fig. 1"))
    }

    #if arch(x86_64)
        /// Zen's OpenBLAS kernels ran the split products slower than Haswell's (same bits), so on a Zen
        /// CPU the binary restarts with Haswell's unless OPENBLAS_CORETYPE names a set; elsewhere the
        /// set OpenBLAS picked stays. `make test` sets the variable, so this clears it for the first run.
        @Test func theKernelSetIsHaswellOnZenUnlessNamed() throws {
            struct Bench: Decodable { let openBLASKernels: String }
            func kernels(_ coretype: String?) throws -> String {
                let r = try reprise(
                    ["bench", "--json", "--repeats", "1", "--only", "Deep MLP"],
                    environment: ["OPENBLAS_CORETYPE": coretype])
                #expect(r.code == 0, "\(r.err)")
                return try JSONDecoder().decode(Bench.self, from: Data(r.out.utf8)).openBLASKernels
            }
            #expect(try kernels(nil).lowercased() != "zen")
            #expect(try kernels("Zen").lowercased() == "zen")  // named by hand: kept
            #expect(try kernels("Haswell").lowercased() == "haswell")
        }
    #endif

    @Test func badInputIsRejectedClearly() throws {
        let unknown = try reprise(["run", "no-such-scenario", "--db", db])
        #expect(unknown.code != 0 && unknown.err.contains("unknown scenario 'no-such-scenario'"))
        let key = try reprise(["run", "ntk-regime", "--profile", "smoke", "--set", "widthz=3", "--db", db])
        #expect(key.code != 0 && key.err.contains("unknown key 'widthz'"))
        let value = try reprise(["run", "ntk-regime", "--profile", "smoke", "--set", "seeds=many", "--db", db])
        #expect(value.code != 0 && value.err.contains("expected a number"))
        let name = try reprise([
            "run", "grokking-stablemax", "--profile", "smoke", "--set", "variants=softmax32,stablemx", "--db", db,
        ])
        #expect(
            name.code != 0
                && name.err.contains(
                    "variants = softmax32,stablemx: expected a non-empty list of names from softmax32, softmax64")
        )
        // Values of the right type but out of range: refused before a run is stored (they used to spin, or fail in
        // LAPACK).
        for (set, message) in [
            ("seeds=-3", "seeds = -3: expected an integer in [1, 10000]"),
            ("seeds=0", "seeds = 0: expected an integer"),
            ("widths=0,16", "widths = 0,16: expected a non-empty list of integers in [1, 100000]"),
            ("lr=1e99", "lr = 1e+99: expected a number in"),
        ] {
            let r = try reprise(["run", "ntk-regime", "--profile", "smoke", "--set", set, "--db", db])
            #expect(r.code != 0 && r.err.contains(message), "--set \(set): \(r.err)")
        }
        let dd = try reprise(["run", "double-descent", "--profile", "smoke", "--set", "n_train=1e99", "--db", db])
        #expect(dd.code != 0 && dd.err.contains("n_train = "), "\(dd.err)")
        // Valid one by one, not together or not against the data: the scenario's validate step.
        for (set, message) in [
            ("val_tokens=1048576", "exceeds the held-out fortunes"), ("rank=128", "rank must not exceed dim"),
            ("seeds=1", "seeds must be at least 2"),
        ] {
            let r = try reprise(["run", "galore-memory", "--profile", "smoke", "--set", set, "--db", db])
            #expect(r.code != 0 && r.err.contains(message), "--set \(set): \(r.err)")
        }
        let profile = try reprise(["run", "ntk-regime", "--profile", "huge", "--db", db])
        #expect(
            profile.code != 0 && profile.err.contains("'huge'") && profile.err.contains("'smoke', 'quick' or 'paper'"))
        let format = try reprise(["export", "1", "--format", "xml", "--db", db])
        #expect(format.code != 0 && format.err.contains("'xml'") && format.err.contains("'csv' and 'json'"))
        // None of these started a run, or even created the store; a read-only verb says there is none.
        #expect(!FileManager.default.fileExists(atPath: db))
        let check = try reprise(["check", "--db", db])
        #expect(check.code != 0 && check.err.contains("no store at"))
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    /// A malformed claims file is refused by every verb that reads it, `describe` included, naming the
    /// file, the claim and the field; a store in a folder that does not exist is refused, not created.
    /// A trial whose config lacks a key the scenario reads crashes its worker; the failure the run stores is
    /// the fatal error's own message, which names the fix, not the backtrace's last line ("Backtrace took 0.25s").
    @Test func aWorkersFailureIsItsFatalMessageWithTheFix() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("w-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: db) }
        let config = #"{"blas_threads": 1, "variant": "softmax32"}"#
        let r = try reprise([
            "worker", "grokking-stablemax", "--key", "softmax32", "--config", config,
            "--seed", "0", "--code-id", "x", "--db", db,
        ])
        #expect(r.code != 0)
        let lines = r.err.split(separator: "\n").map(String.init)
        #expect(lines.last { !$0.isEmpty }?.hasPrefix("Backtrace took") == true, "\(r.err.suffix(300))")
        let reason = try #require(Execution.failureReason(lines))
        #expect(reason.hasPrefix("config lacks 'seed_index' (it has: blas_threads, variant)"), "\(reason)")
        #expect(reason.contains("c.selecting([...])"))
        let plain = ["warning: x", "error: the data set is missing", ""]
        #expect(Execution.failureReason(plain) == "error: the data set is missing")
    }

    @Test func malformedClaimsAndMissingStoreFolderAreRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-claims-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("results"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: repositoryRoot.appendingPathComponent("Replications"),
            to: root.appendingPathComponent("Replications"))
        let claims = root.appendingPathComponent("Replications/ntk-regime/claims.json")
        try (try String(contentsOf: claims, encoding: .utf8))
            .replacingOccurrences(of: #""op": "<=""#, with: #""op": "=>""#)
            .write(to: claims, atomically: true, encoding: .utf8)
        let store = root.appendingPathComponent("results/reprise.sqlite").path
        for args in [["describe", "ntk-regime"], ["run", "ntk-regime", "--profile", "smoke", "--db", store]] {
            let r = try reprise(args, environment: ["REPRISE_ROOT": root.path])
            let named = "Replications/ntk-regime/claims.json, claim 'init-matches-limit-v3', field 'checks[0].op'"
            #expect(
                r.code != 0 && r.err.contains(named)
                    && r.err.contains("unknown operator '=>'"), "\(args[0]): \(r.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: store))
        let missing = root.appendingPathComponent("no-such-folder/r.sqlite").path
        let r = try reprise(["run", "ntk-regime", "--profile", "smoke", "--db", missing])
        #expect(r.code != 0 && r.err.contains("no folder"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("no-such-folder").path))
    }

    @Test func runExportPlotJSON() throws {
        let run = try reprise([
            "run", "ntk-regime", "--profile", "smoke", "--set", "widths=16,32", "--set", "fig2_widths=16,32",
            "--set", "steps=5", "--set", "fig2_steps=5", "--json", "--db", db,
        ])
        #expect(run.code == 0)
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        #expect(outcome["status"] as? String == "ok" && (outcome["claims"] as? [Any])?.count == 4)
        let id = try #require(outcome["runID"] as? Int)
        let csv = try reprise(["export", "\(id)", "--format", "csv", "--db", db])
        #expect(csv.code == 0 && csv.out.hasPrefix("kind,name,x,value") && csv.out.contains("series,analytic/theta,"))
        // Figures of a run from another store go where --out says, leaving results/figures alone.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-plot-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        // A --set run is not the profile's selected run: plot draws it only when named.
        let unnamed = try reprise(["plot", "ntk-regime", "--profile", "smoke", "--out", out, "--db", db])
        #expect(unnamed.code != 0 && unnamed.err.contains("profile's own config"))
        let plot = try reprise(["plot", "ntk-regime", "--profile", "smoke", "--run", "\(id)", "--out", out, "--db", db])
        #expect(plot.code == 0)
        for ext in ["png", "svg", "dat", "gp"] {
            #expect(FileManager.default.fileExists(atPath: out + "/width_scaling." + ext))
        }
        // Nor does check, report or plot --all read it.
        let check = try reprise(["check", "--db", db])
        #expect(check.code == 0 && check.out.contains("no runs with baselines"))
        let all = try reprise(["plot", "--all", "--profile", "smoke", "--db", db])
        #expect(all.code == 0 && all.out.contains("ntk-regime: no finished 'smoke' run of the profile's own config"))
    }
}

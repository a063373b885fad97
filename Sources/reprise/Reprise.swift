import ArgumentParser
import Foundation
import RepriseEngine
import RepriseScenarios
import RepriseSuite

@main
struct Reprise: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reproducible replications of deep-learning findings on a laptop CPU.",
        discussion:
            "Runs are stored in a SQLite file (results/reprise.sqlite by default); figures, baselines and the report "
            + "are drawn from it.",
        subcommands: [
            List.self, Describe.self, Run.self, Plot.self, Report.self, Check.self, MakeBaseline.self, Export.self,
            Bench.self,
            LedgerList.self, Merge.self, Slurm.self, Worker.self, CrosscheckCase.self, Runs.self,
            Compare.self, New.self,
        ])

    /// OpenBLAS picks its kernels when the library loads, before this runs; where another set is
    /// faster (`BLASInfo.preferredCore`), the process starts again with it named, once
    /// (the variable is then set). Workers inherit it.
    static func main() {
        if let core = BLASInfo.preferredCore {
            setenv("OPENBLAS_CORETYPE", core, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)  // returns only on failure: go on as loaded
        }
        main(nil)
    }
}

/// Options every verb that touches the store takes.
struct StoreOptions: ParsableArguments {
    @Option(help: "The results store (SQLite).")
    var db: String = StoreOptions.defaultStore

    @Option(help: "Where runs of a profile's own config are logged (default: results/ledger for the default --db).")
    var ledger: String?

    static let defaultStore = Replication.root.appendingPathComponent("results/reprise.sqlite").path

    /// The ledger folder: --ledger, else results/ledger when the store is the repository's own, else none.
    var ledgerFolder: URL? {
        if let ledger { return URL(fileURLWithPath: ledger) }
        let path = { (p: String) in URL(fileURLWithPath: p).standardizedFileURL.path }
        return path(db) == path(Self.defaultStore) ? Ledger.folder(root: Replication.root) : nil
    }

    /// The suite on this store; trials run on worker processes of this binary, which is also the code identity.
    func suite(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, codeID: String? = nil) throws -> Suite {
        Runtime.cacheLargeAllocations()
        let suite = Suite(
            store: try Store(path: db), scenarios: allScenarios, execution: .workers(jobs: jobs),
            codeID: try codeID ?? CodeIdentity.current())
        suite.ledger = ledgerFolder
        return suite
    }

    /// For verbs that only read the store (plot, report, check, baseline, export): it is opened
    /// read-only, so they neither create, upgrade nor write it.
    func readingSuite() throws -> Suite {
        Suite(store: try Store(path: db, readOnly: true), scenarios: allScenarios, codeID: try CodeIdentity.current())
    }
}

/// What `run` and `slurm` take to name a sweep: one scenario or all, a seed, overrides.
struct Sweep: ParsableArguments {
    @Argument(help: "Scenario id; omit with --all.") var id: String?
    @Flag(help: "Every scenario.") var all = false
    @Option(help: "Base seed (default: the profile's).") var seed: UInt64?
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a profile key.", valueName: "key=value"))
    var overrides: [String] = []

    func validate() throws {
        if all == (id != nil) { throw ValidationError("name one scenario, or pass --all") }
        if all && !overrides.isEmpty {
            throw ValidationError("--set applies to one scenario; it cannot be used with --all")
        }
    }

    /// Checks the scenarios, the profile, the seed and every override against the declarations,
    /// touching no store (an in-memory one stands in).
    func check(profile: Profile) throws {
        let suite = Suite(store: try Store(path: ":memory:"), scenarios: allScenarios, codeID: "none")
        for id in try ids(in: suite) { _ = try suite.plan(id, profile: profile, seed: seed, overrides: overrides) }
    }

    /// The scenarios named, each checked to exist before any work starts.
    func ids(in suite: Suite) throws -> [String] {
        let ids = all ? suite.ids : [id!]
        for id in ids { _ = try suite.scenario(id) }
        return ids
    }
}

/// Prints a value as sorted, pretty JSON on standard output (non-finite numbers as strings).
func printJSON<T: Encodable>(_ value: T) throws {
    print(String(decoding: try JSONFile.encoder().encode(value), as: UTF8.self))
}

/// `--profile smoke|quick|paper`: the argument parser checks it, names the three in the help, and rejects any
/// other value before anything runs.
extension Profile: ExpressibleByArgument {}

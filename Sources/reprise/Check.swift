import ArgumentParser
import Foundation
import RepriseSuite

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Compare each profile's selected runs (newest per seed) with the committed baseline; exit 1 on a "
            + "regression or a missing baseline."
    )
    @Flag(help: "Print the result as JSON.") var json = false
    @OptionGroup var store: StoreOptions

    struct Row: Encodable {
        let scenario: String, profile: Profile, runs: [Int64], passed: Bool, tally: String
        let problems: [String], notes: [String]
    }

    func run() throws {
        let results = try store.readingSuite().check()
        if json {
            try printJSON(
                results.map {
                    Row(
                        scenario: $0.scenario, profile: $0.profile, runs: $0.runIDs, passed: $0.passed, tally: $0.tally,
                        problems: $0.problems, notes: $0.notes)
                })
        } else {
            if results.isEmpty { print("no runs with baselines to check") }
            for r in results {
                let runs = r.runIDs.map(String.init).joined(separator: ", ")
                print(
                    "\(r.passed ? "ok  " : "FAIL") \(r.scenario) [\(r.profile)] runs \(runs): "
                        + "newest run's \(r.tally)")
                for p in r.problems { print("     \(p)") }
                for n in r.notes { print("     note: \(n)") }
            }
        }
        if results.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }
}

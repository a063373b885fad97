import ArgumentParser
import Foundation
import RepriseSuite

/// `reprise runs`: the stored runs, without sqlite3.
struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List stored runs, newest first: id, scenario, profile, seed, status, start, tally judged now.")
    @Option(help: "Only this scenario.") var scenario: String?
    @Option(help: "Only this profile.") var profile: Profile?
    @Option(help: "At most this many runs.") var limit = 200
    @OptionGroup var store: StoreOptions

    func run() throws {
        print(try store.readingSuite().runsTable(scenario: scenario, profile: profile, limit: limit))
    }
}

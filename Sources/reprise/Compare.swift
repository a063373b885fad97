import ArgumentParser
import Foundation
import RepriseSuite

/// `reprise compare A B`: two runs of one scenario side by side.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two runs of one scenario: config diff, every metric with both values, changed verdicts.")
    @Argument(help: "The first run's id (see `reprise runs`).") var first: Int64
    @Argument(help: "The second run's id.") var second: Int64
    @OptionGroup var store: StoreOptions

    func run() throws {
        print(try store.readingSuite().compare(first, second).text, terminator: "")
    }
}

import ArgumentParser
import Foundation
import RepriseSuite

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write results/REPORT.md (with --html also results/report.html) from one profile's selected runs.")
    @Option(help: "Whose runs to report (the figures should be drawn from the same profile).") var profile: Profile =
        .quick
    @Flag(help: "Also write the self-contained HTML report (results/report.html).") var html = false
    @Option(help: "Write the HTML report here instead of results/report.html (implies --html).") var out: String?
    @OptionGroup var store: StoreOptions
    func run() throws {
        let suite = try store.readingSuite()
        if out == nil { print(try suite.writeReport(profile: profile).path) }
        if html || out != nil {
            print(try suite.writeHTMLReport(profile: profile, to: out.map { URL(fileURLWithPath: $0) }).path)
        }
    }
}

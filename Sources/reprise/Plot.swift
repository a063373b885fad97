import ArgumentParser
import Foundation
import RepriseSuite

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Redraw a scenario's figures (PNG and SVG) from its selected run (or --run).")
    @Argument(help: "Scenario id; omit with --all.") var id: String?
    @Flag(help: "Every scenario with a selected run (the others are skipped, and said so).") var all = false
    @Option(help: "Which profile's selected run to draw: the latest finished run of its own config.") var profile:
        Profile = .quick
    @Option(
        name: .customLong("run"),
        help: "Draw this run instead of the profile's selected run (e.g. a diagnostic --set run).")
    var runID: Int64?
    @Option(help: "Draw into this folder instead of results/figures/<id> (e.g. for a diagnostic run).")
    var out: String?
    @OptionGroup var store: StoreOptions

    func validate() throws {
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

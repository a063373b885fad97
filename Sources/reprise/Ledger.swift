import ArgumentParser
import Foundation
import RepriseSuite

struct LedgerList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "List the committed run ledger (results/ledger): one line per finished run of a profile's own config."
    )
    @Option(help: "Only this scenario.") var scenario: String?
    @Option(help: "Only this profile.") var profile: Profile?
    @Option(help: "The ledger folder (default: results/ledger).") var folder: String?
    @Flag(help: "Print the entries as JSON.") var json = false

    func run() throws {
        let url = folder.map { URL(fileURLWithPath: $0) } ?? Ledger.folder(root: Replication.root)
        let (all, problems) = Ledger.read(url)
        for p in problems { FileHandle.standardError.write(Data("ledger: \(p)\n".utf8)) }
        let entries = all.filter { e in
            scenario.map { $0 == e.scenario } ?? true && profile.map { $0 == e.profile } ?? true
        }
        if json {
            try printJSON(entries)
            return
        }
        if entries.isEmpty { print("no ledger entries in \(url.path)") }
        for e in entries {
            let commit = String(e.gitCommit.prefix(10)) + (e.gitDirty ? "+dirty" : "")
            print(
                "\(e.startedAt)  \(e.scenario) [\(e.profile)] seed \(e.seed)  \(commit)  \(e.kernel)  "
                    + "\(e.wallSeconds.map { fmt($0) + " s" } ?? "-")  \(e.tally)")
        }
    }
}

import ArgumentParser
import Foundation
import RepriseScenarios
import RepriseSuite

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
            print(
                "  [\(c.id)] (\(c.kind.rawValue)) \(c.statement)\n"
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
        for name in Profile.allCases {
            let values = rep.profiles[name]!.values
            print("  \(name): " + values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: " "))
        }
        print("\nProtocol and deviations: \(rep.folder.path)/README.md")
    }
}

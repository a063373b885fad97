import ArgumentParser
import Foundation
import RepriseSuite

struct MakeBaseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract:
            "Rewrite a scenario's baseline from its selected runs: the newest per seed as samples, the newest run's "
            + "exact values as golden."
    )
    @Argument(help: "Scenario id.") var id: String
    @Option(help: "Profile to baseline.") var profile: Profile = .smoke
    @OptionGroup var store: StoreOptions

    func run() throws {
        let (b, url) = try store.readingSuite().writeBaseline(id, profile: profile)
        print(
            "wrote \(url.path) from runs \(b.runs.map(String.init).joined(separator: ", ")) (seeds "
                + "\(b.seeds.map(String.init).joined(separator: ", ")))"
        )
    }
}

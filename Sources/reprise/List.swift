import ArgumentParser
import Foundation
import RepriseScenarios
import RepriseSuite

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the registered scenarios.")
    func run() throws {
        for type in allScenarios {
            let rep = try Catalog.shared.replication(type)
            print(
                "\(type.id.padding(toLength: 20, withPad: " ", startingAt: 0)) \(rep.info.paper.authors) "
                    + "\(rep.info.paper.year): \(rep.info.title)"
            )
        }
    }
}

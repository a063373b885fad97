import ArgumentParser
import Foundation
import RepriseScenarios
import RepriseSuite

/// `reprise new <id>`: a new scenario's files, copied from README's worked example
/// (Tests/ScenarioTests/WorkedExample, which a test compiles and runs) with its id and type name
/// replaced: `Replications/<id>/` (README.md, scenario.json, claims.json, profiles.json) and
/// `Sources/RepriseScenarios/<Type>.swift`. Nothing is overwritten; the steps left are printed.
struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scaffold a new scenario from the worked example (README, \"Adding a scenario\").")

    @Argument(help: "The new scenario's id: lowercase words joined by hyphens, e.g. random-labels.") var id: String
    @Option(help: "The repository to write into (default: this one).") var root: String?

    /// "random-labels" -> "RandomLabels".
    static func typeName(_ id: String) -> String {
        id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    func validate() throws {
        guard id.range(of: #"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"#, options: .regularExpression) != nil else {
            throw ValidationError("'\(id)' is not an id: lowercase words joined by hyphens, e.g. random-labels")
        }
        guard !allScenarios.contains(where: { $0.id == id }) else {
            throw ValidationError("scenario '\(id)' exists already (reprise list)")
        }
    }

    func run() throws {
        let template = Replication.root.appendingPathComponent("Tests/ScenarioTests/WorkedExample")
        let target = root.map { URL(fileURLWithPath: $0) } ?? Replication.root
        let name = Self.typeName(id), fm = FileManager.default
        let folder = target.appendingPathComponent("Replications/\(id)")
        let source = target.appendingPathComponent("Sources/RepriseScenarios/\(name).swift")
        for existing in [folder, source] where fm.fileExists(atPath: existing.path) {
            throw ValidationError("\(existing.path) exists; nothing was written")
        }
        func copy(_ from: URL, to: URL) throws {
            guard let text = try? String(contentsOf: from, encoding: .utf8) else {
                throw ValidationError("the worked example's \(from.path) is missing: is this a reprise checkout?")
            }
            try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.replacingOccurrences(of: "sample-mean", with: id).replacingOccurrences(
                of: "SampleMean", with: name
            )
            .write(to: to, atomically: true, encoding: .utf8)
        }
        for file in ["README.md", "scenario.json", "claims.json", "profiles.json"] {
            try copy(
                template.appendingPathComponent("Replications/sample-mean/\(file)"),
                to: folder.appendingPathComponent(file))
        }
        try copy(template.appendingPathComponent("SampleMean.swift"), to: source)
        print(
            """
            wrote \(folder.path)/ (README.md, scenario.json, claims.json, profiles.json)
              and \(source.path): the worked example under its new name. Next:
              1. add \(name).self to allScenarios in Sources/RepriseScenarios/Registry.swift;
              2. rewrite the four files and the Swift for your paper (README, "Adding a scenario");
              3. commit claims.json on its own before any run that judges it (registration);
              4. make baselines (smoke seeds on the pinned kernel), then commit results/baselines/\(id).smoke.json.
            """)
    }
}

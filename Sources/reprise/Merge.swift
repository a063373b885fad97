import ArgumentParser
import Foundation
import RepriseSuite

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge result stores (e.g. the shards of a Slurm array) into one; merging twice changes nothing.",
        discussion:
            "Exits 1 if two stores hold different values for the same trial (the target's are kept and each conflict "
            + "is listed)."
    )
    @Argument(help: "Stores to merge from (never written).") var sources: [String]
    @Option(help: "The store to merge into (created if missing).") var into: String

    func validate() throws {
        if sources.isEmpty { throw ValidationError("name at least one store to merge from") }
    }

    func run() throws {
        // Every source is checked (readable, a reprise store of this schema version) before the target is touched.
        for path in sources { _ = try Store(path: path, readOnly: true) }
        let target = try Store(path: into)
        var conflicts: [String] = []
        for path in sources {
            let r = try target.merge(from: path)
            print(
                "\(path): \(r.trialsAdded) trials added, \(r.trialsKnown) already there; \(r.runsAdded) runs added, "
                    + "\(r.runsKnown) already there"
            )
            conflicts += r.conflicts
        }
        for c in conflicts { print("conflict: \(c)") }
        if !conflicts.isEmpty { throw ExitCode(1) }
    }
}

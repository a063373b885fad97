import Foundation
import RepriseSuite
import Testing

/// The committed run ledger: one entry per finished run of a profile's own config, never rewritten,
/// read back equal from a fresh clone; a malformed entry is reported and skipped.
@Suite(.serialized) struct LedgerTests {
    func shell(_ args: [String], in dir: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(args)")
    }

    @Test func finishedRunsOfTheProfileConfigAreLoggedAndSurviveAFreshClone() throws {
        let root = try probeRoot()
        let git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
        try shell(git + ["init", "-q"], in: root)
        try shell(git + ["add", "-A"], in: root)
        try shell(git + ["commit", "-q", "-m", "claims"], in: root)
        let suite = try probeSuite(root)
        suite.ledger = Ledger.folder(root: root)
        let a = try suite.run("probe", profile: .smoke, quiet: true)
        _ = try suite.run("probe", profile: .smoke, overrides: ["scale=3"], quiet: true)  // not the profile's config
        let b = try suite.run("probe", profile: .smoke, quiet: true)  // a rerun: its own entry
        let (entries, problems) = Ledger.read(Ledger.folder(root: root))
        #expect(problems.isEmpty && entries.map(\.run) == [a.runID, b.runID])
        let e = try #require(entries.first)
        #expect(
            e.scenario == "probe" && e.profile == .smoke && e.seed == 1 && e.kernel == Ledger.kernel(of: e.openblas))
        #expect(e.metrics["final"] == Estimate(4) && e.claims.map(\.id) == ["final-big", "later"])
        #expect(e.claims[0].verdict == .pass && e.claims[1].reason == "decided at paper, not at smoke")
        #expect(
            e.claims[0].registration?.mark == .registered && e.oldestTrial != nil
                && e.tally.hasPrefix("findings: 1 pass"))
        #expect(Set(entries.map(\.id)).count == 2)
        // Committed, cloned, read back equal.
        try shell(git + ["add", "results/ledger"], in: root)
        try shell(git + ["commit", "-q", "-m", "ledger"], in: root)
        let clone = root.deletingLastPathComponent().appendingPathComponent("clone-\(UUID().uuidString)")
        try shell(["git", "clone", "-q", root.path, clone.path], in: root.deletingLastPathComponent())
        let cloned = Ledger.read(Ledger.folder(root: clone))
        #expect(cloned.problems.isEmpty && cloned.entries == entries)
    }

    @Test func aMalformedEntryIsReportedWithItsFileAndSkipped() throws {
        let root = try probeRoot()
        let suite = try probeSuite(root)
        let folder = Ledger.folder(root: root)
        suite.ledger = folder
        _ = try suite.run("probe", profile: .smoke, quiet: true)
        try "{\n  \"id\": \"x\",\n  oops\n}\n".write(
            to: folder.appendingPathComponent("0-broken.json"), atomically: true, encoding: .utf8)
        try #"{"id": "y"}"#.write(
            to: folder.appendingPathComponent("1-partial.json"), atomically: true, encoding: .utf8)
        let (entries, problems) = Ledger.read(folder)
        #expect(entries.count == 1 && problems.count == 2)
        #expect(problems[0].contains("0-broken.json: invalid JSON at line 3, column 3"), "\(problems)")
        #expect(
            problems[1].contains("1-partial.json: not a ledger entry") && problems[1].contains("missing"), "\(problems)"
        )
        let cli = try reprise(["ledger", "--folder", folder.path])
        #expect(
            cli.code == 0 && cli.err.contains("0-broken.json") && cli.out.contains("probe [smoke] seed 1"), "\(cli)")
    }
}

import Foundation
import RepriseSuite
import Testing

/// Registration marks: a claim is registered for a run only when its exact text was committed
/// before the run's oldest trial was computed.
@Suite(.serialized) struct RegistrationTests {
    /// Runs git in `root` with a fixed identity; `date` sets the commit's time (seconds since 1970).
    @discardableResult
    func git(_ root: URL, _ args: [String], date: Date? = nil) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", root.path, "-c", "user.name=t", "-c", "user.email=t@example.org"] + args
        var env = ProcessInfo.processInfo.environment
        if let date {
            env["GIT_COMMITTER_DATE"] = "@\(Int(date.timeIntervalSince1970)) +0000"
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"]
        }
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "git \(args)")
        return String(decoding: data, as: UTF8.self)
    }

    func commitAll(_ root: URL, at date: Date) throws {
        try git(root, ["add", "-A", "Replications"])
        try git(root, ["commit", "-q", "-m", "claims"], date: date)
        ClaimHistory.reset()
    }

    func marks(_ suite: Suite, _ run: Int64) throws -> [String: Registration] {
        ClaimHistory.reset()
        let record = try #require(try suite.store.run(run))
        let data = try RunData(store: suite.store, record: record, replication: try suite.replication("probe"))
        return Dictionary(uniqueKeysWithValues: data.claims.map { ($0.id, $0.registration!) })
    }

    func repository() throws -> URL {
        let root = try probeRoot()
        try git(root, ["init", "-q"])
        return root
    }

    @Test func aClaimCommittedBeforeAFreshRunIsRegistered() throws {
        let root = try repository()
        try commitAll(root, at: Date().addingTimeInterval(-100))
        let suite = try probeSuite(root)
        let o = try suite.run("probe", profile: .smoke, quiet: true)
        #expect(o.claims.allSatisfy { $0.registration == Registration(.registered) })
        #expect(try marks(suite, o.runID)["final-big"] == Registration(.registered))
        #expect(Verdict.tally(o.claims).hasSuffix("; 0 post hoc"))
    }

    @Test func aClaimEditedAfterTheRunIsPostHoc() throws {
        let root = try repository()
        try commitAll(root, at: Date().addingTimeInterval(-100))
        let suite = try probeSuite(root)
        let o = try suite.run("probe", profile: .smoke, quiet: true)
        let claims = root.appendingPathComponent("Replications/probe/claims.json")
        try (try String(contentsOf: claims, encoding: .utf8)).replacingOccurrences(
            of: #""value": [3]"#, with: #""value": [2]"#
        )
        .write(to: claims, atomically: true, encoding: .utf8)
        let uncommitted = try marks(suite, o.runID)
        #expect(uncommitted["final-big"] == Registration(.postHoc, "this claim text is not committed"))
        #expect(uncommitted["later"] == Registration(.registered))  // its text did not change
        try commitAll(root, at: Date().addingTimeInterval(100))
        let committed = try #require(try marks(suite, o.runID)["final-big"])
        #expect(committed.mark == .postHoc && committed.reason?.contains("after the run's oldest trial") == true)
    }

    @Test func aClaimCommittedAfterTheCachedTrialsOfARerunIsPostHoc() throws {
        let root = try repository()
        let suite = try probeSuite(root)
        let first = try suite.run("probe", profile: .smoke, quiet: true)  // nothing committed yet
        #expect(first.claims.allSatisfy { $0.registration?.mark == .postHoc })
        try commitAll(root, at: Date().addingTimeInterval(100))
        let rerun = try suite.run("probe", profile: .smoke, quiet: true)  // every trial from the cache
        #expect(rerun.trialsComputed == 0)
        #expect(
            rerun.claims.allSatisfy {
                $0.registration?.mark == .postHoc
                    && $0.registration?.reason?.contains("after the run's oldest trial") == true
            })
        // Recomputed: its trials are still older than the commit time.
        let fresh = try suite.run("probe", profile: .smoke, fresh: true, quiet: true)
        #expect(fresh.claims.allSatisfy { $0.registration?.mark == .postHoc })
    }

    @Test func aDeclaredRevisionIsPostHocWithItsReasonAndNoGitIsUnknown() throws {
        let root = try repository()
        let claims = root.appendingPathComponent("Replications/probe/claims.json")
        try (try String(contentsOf: claims, encoding: .utf8))
            .replacingOccurrences(
                of: #""id": "final-big","#,
                with: #""id": "final-big", "revised_after_results": "threshold 3 set after run 1","#
            )
            .write(to: claims, atomically: true, encoding: .utf8)
        try commitAll(root, at: Date().addingTimeInterval(-100))
        let suite = try probeSuite(root)
        let o = try suite.run("probe", profile: .smoke, quiet: true)
        #expect(
            o.claims[0].registration
                == Registration(.postHoc, "revised after seeing results: threshold 3 set after run 1"))
        #expect(o.claims[1].registration == Registration(.registered))
        #expect(Verdict.tally(o.claims).hasSuffix("; 1 post hoc"))
        // A checkout without git history: never "registered".
        let plain = try probeRoot()
        let unversioned = try probeSuite(plain)
        let u = try unversioned.run("probe", profile: .smoke, quiet: true)
        #expect(u.claims.allSatisfy { $0.registration?.mark == .unknown })
        #expect(Verdict.tally(u.claims).hasSuffix("; 0 post hoc, 2 registration unknown"))
    }
}

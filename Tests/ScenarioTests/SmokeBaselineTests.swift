import Foundation
import RepriseScenarios
import RepriseSuite
import Testing

/// Every registered scenario's smoke profile, run as `reprise run <id> --profile smoke`
/// into a scratch store, must match its committed baseline: same claim verdicts,
/// key metrics within tolerance, same config. A missing baseline fails.
@Suite(.serialized) struct SmokeBaselineTests {
    static let ids = allScenarios.map { $0.id }

    @Test(arguments: ids)
    func smokeRunMatchesCommittedBaseline(_ id: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-smoke-\(UUID().uuidString)")
        let suite = Suite(store: try Store(path: dir.appendingPathComponent("smoke.sqlite").path), scenarios: allScenarios,
                          codeID: try CodeIdentity.current())
        let url = Baseline.url(root: suite.root, scenario: id, profile: "smoke")
        let baseline = try #require(try Baseline.load(url), "missing baseline \(url.path): run `reprise run \(id) --profile smoke` then `reprise baseline \(id)`")
        let outcome = try suite.run(id, profile: "smoke", seed: baseline.seeds.first, quiet: true)   // the newest run: its verdicts are the baseline's
        #expect(outcome.status == "ok")
        #expect(!outcome.claims.isEmpty && !baseline.metrics.isEmpty)
        // The JSON names only metrics the Swift records: a misspelt name would make a claim n/a forever.
        let rep = try suite.replication(id), recorded = Set(outcome.metrics.keys)
        for c in rep.claims {
            for check in c.checks { #expect(recorded.contains(check.metric), "\(id) claim \(c.id) reads '\(check.metric)', which no run records") }
        }
        for m in rep.info.keyMetrics { #expect(recorded.contains(m), "\(id) key metric '\(m)' is not recorded") }
        let record = try #require(try suite.store.run(outcome.runID))
        let problems = baseline.regressions(in: try RunData(store: suite.store, record: record))
        #expect(problems.isEmpty, "\(id) smoke run \(outcome.runID) vs \(url.lastPathComponent):\n\(problems.joined(separator: "\n"))")
    }

    @Test func everyScenarioHasItsReplicationFolder() throws {
        for id in Self.ids {
            let rep = try Replication(id: id)
            #expect(rep.info.id == id)
            #expect(FileManager.default.fileExists(atPath: rep.folder.appendingPathComponent("README.md").path), "\(id) has no README")
            #expect(!rep.claims.isEmpty && !rep.info.keyMetrics.isEmpty)
            for c in rep.claims { #expect(c.paper?.source.isEmpty == false, "claim \(c.id) of \(id) cites no source") }
        }
    }
}

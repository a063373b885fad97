import Foundation
import RepriseScenarios
import RepriseSuite
import Testing

/// Every registered scenario's smoke profile, run as `reprise run <id> --profile smoke` into a
/// scratch store, against its committed baseline, twice:
/// - the baseline's golden seed must reproduce the golden key metrics bit for bit (on the OpenBLAS
///   kernel they were taken on; `make test` pins one) and the baseline's verdicts: determinism;
/// - as many seeds again that are not among the baseline's samples must not regress from them (a
///   rank test over seeds has power from 5 and 5): a test the baseline's own runs cannot pass by construction.
@Suite(.serialized) struct SmokeBaselineTests {
    static let ids = allScenarios.map { $0.id }

    /// The built `reprise` beside this test bundle runs the trials, two at a time, as `reprise run` does.
    static let binary = URL(
        fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    )
    .deletingLastPathComponent().appendingPathComponent("reprise").path

    func scratchSuite() throws -> Suite {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-smoke-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return Suite(
            store: try Store(path: dir.appendingPathComponent("smoke.sqlite").path), scenarios: allScenarios,
            execution: .workers(executable: Self.binary, jobs: 2), codeID: try CodeIdentity.of(executable: Self.binary))
    }

    func baseline(_ suite: Suite, _ id: String) throws -> Baseline {
        let url = Baseline.url(root: suite.root, scenario: id, profile: .smoke)
        return try #require(
            try Baseline.load(url), "missing baseline \(url.path): run smoke seeds, then `reprise baseline \(id)`")
    }

    func stored(_ suite: Suite, _ id: String, _ outcome: RunOutcome) throws -> RunData {
        try RunData(
            store: suite.store, record: try #require(try suite.store.run(outcome.runID)),
            replication: try suite.replication(id))
    }

    @Test(arguments: ids)
    func goldenSeedReproducesExactly(_ id: String) throws {
        let suite = try scratchSuite(), baseline = try baseline(suite, id)
        let outcome = try suite.run(id, profile: .smoke, seed: baseline.golden.seed, quiet: true)
        #expect(outcome.status == .ok && !outcome.claims.isEmpty)
        // The JSON names only metrics the Swift records: a misspelt name would make a claim n/a forever.
        let rep = try suite.replication(id), recorded = Set(outcome.metrics.keys)
        for c in rep.claims {
            for check in c.checks {
                #expect(
                    recorded.contains(check.metric), "\(id) claim \(c.id) reads '\(check.metric)', which no run records"
                )
            }
        }
        for m in rep.info.keyMetrics { #expect(recorded.contains(m), "\(id) key metric '\(m)' is not recorded") }
        let data = try stored(suite, id, outcome)
        if let mismatches = baseline.goldenMismatches(in: data) {
            let differences = mismatches.joined(separator: "\n")
            #expect(
                mismatches.isEmpty, "\(id) seed \(baseline.golden.seed) differs from its golden values:\n\(differences)"
            )
        } else {
            print(
                "note: \(id) golden values were taken on \(baseline.golden.openblas); "
                    + "this run used \(data.openblas): exact comparison skipped"
            )
        }
        let problems = baseline.regressions(in: [data])
        #expect(
            problems.isEmpty, "\(id) smoke run of seed \(baseline.golden.seed):\n\(problems.joined(separator: "\n"))")
        try drawsEveryFigure(suite, id, data)
    }

    /// Every figure the scenario defines is drawn from its smoke run, each with at least one curve: a figure
    /// left with no data (every series misnamed or unrecorded) is not drawn, and would fail here.
    func drawsEveryFigure(_ suite: Suite, _ id: String, _ data: RunData) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("figures-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let defined = try #require(allScenarios.first { $0.id == id }).init().figures(data)
        let drawn = try suite.plot(id, profile: .smoke, runID: data.record.id, into: dir)
        #expect(
            !defined.isEmpty && drawn.count == defined.count,
            "\(id): \(defined.count) figures defined, \(drawn.count) drawn")
        for f in defined {
            let empty = f.series.filter { $0.points.isEmpty }.map(\.label)
            if !empty.isEmpty { print("note: \(id) figure \(f.name) at smoke: empty series left out: \(empty)") }
        }
    }

    @Test(arguments: ids)
    func unseenSeedsDoNotRegress(_ id: String) throws {
        let suite = try scratchSuite(), baseline = try baseline(suite, id)
        let first = (baseline.seeds.max() ?? 0) + 1
        let seeds = (first..<first + UInt64(baseline.seeds.count)).map { $0 }
        #expect(baseline.seeds.count >= 5 && Set(seeds).isDisjoint(with: baseline.seeds))
        let runs = try seeds.map { try stored(suite, id, try suite.run(id, profile: .smoke, seed: $0, quiet: true)) }
        let problems = baseline.regressions(in: runs)
        let listed = problems.joined(separator: "\n")
        #expect(
            problems.isEmpty,
            "\(id) smoke runs of unseen seeds \(seeds) vs its baseline (seeds \(baseline.seeds)):\n\(listed)")
    }

    @Test func everyScenarioHasItsReplicationFolder() throws {
        for id in Self.ids {
            let rep = try Replication(id: id)
            #expect(rep.info.id == id)
            #expect(
                FileManager.default.fileExists(atPath: rep.folder.appendingPathComponent("README.md").path),
                "\(id) has no README")
            #expect(!rep.claims.isEmpty && !rep.info.keyMetrics.isEmpty)
            for c in rep.claims { #expect(c.paper?.source.isEmpty == false, "claim \(c.id) of \(id) cites no source") }
        }
    }
}

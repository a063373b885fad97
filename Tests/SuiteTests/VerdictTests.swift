import Foundation
import RepriseEngine
import RepriseSuite
import Testing

/// Verdicts that say what they mean: numbers that show their side of a threshold, kinds and reasons,
/// the one tally, per-metric tolerances, and claims files checked field by field at load.
@Suite struct VerdictTests {
    @Test func numbersShowTheirSideOfTheThreshold() {
        #expect(fmt(1.0996) == "1.1")  // 4 significant digits alone hide the side
        #expect(fmt(1.0996, against: [1.10]) == "1.0996")
        #expect(fmt(1.1004, against: [1.10]) == "1.1004")
        #expect(fmt(1.143, against: [1.10]) == "1.143")  // no more digits than needed
        #expect(fmt(1.1, against: [1.1]) == "1.1")  // on the threshold: as it is
        #expect(fmt(0.999949, against: [0.99995, 1.00005]) == "0.9999")  // below the band, and printed below it
        #expect(fmt(0.049996, against: [0.05]) == "0.049996")  // "0.05" would sit on the threshold
        #expect(fmt(0.999951, against: [0.99995, 1.00005]) == "1")  // inside the band, and printed inside it
        let e = Estimate(1.143, interval: 1.0996...1.179, units: 3, method: .logT)
        #expect(e.description(against: [1.10]) == "1.143 [1.0996, 1.179], n = 3, Student t on logs")
        let claim = ClaimSpec(
            id: "c", statement: "s", checks: [.init(metric: "r", op: .greaterOrEqual, value: [1.10])],
            paper: nil, profiles: nil)
        let result = claim.evaluate(metrics: ["r": e], profile: .quick)
        #expect(result.measured.contains("[1.0996, 1.179]") && result.verdict == .inconclusive)
        #expect(result.reason == "r: the interval straddles 1.1")
    }

    @Test func reasonsKindsAndTheTally() {
        let finding = ClaimSpec(
            id: "f", statement: "s", checks: [.init(metric: "a", op: .greater, value: [0])],
            paper: nil, profiles: nil)
        let later = ClaimSpec(
            id: "l", statement: "s", checks: [.init(metric: "a", op: .greater, value: [0])],
            paper: nil, profiles: [.quick])
        let sanity = ClaimSpec(
            id: "s", kind: .sanity, statement: "s", checks: [.init(metric: "b", op: .less, value: [1])],
            paper: nil, profiles: nil)
        let needsFive = ClaimSpec(
            id: "m", statement: "s", checks: [.init(metric: "a", op: .greater, value: [0])],
            paper: nil, profiles: nil, minimumUnits: 5)
        let three = Estimate(0.5, interval: 0.2...0.8, units: 3, method: .pairedT)
        func judge(_ c: ClaimSpec, _ m: [String: Estimate], _ profile: Profile = .smoke) -> ClaimResult {
            c.evaluate(metrics: m, profile: profile)
        }
        #expect(judge(finding, ["a": three]).verdict == .pass && judge(finding, ["a": three]).reason == nil)
        #expect(judge(later, ["a": three]).reason == "decided at quick, not at smoke")
        #expect(judge(finding, [:]).reason == "a not measured by this run")
        #expect(judge(needsFive, ["a": three]).reason == "a: too few units (3, the claim needs 5)")
        let median = Estimate(0.5, interval: 0.2...0.8, units: 3, method: .orderStatistic)
        #expect(judge(finding, ["a": median]).reason == "a: too few units (3, order statistics (binomial) needs 6)")
        // The worst of the units: it decides from one unit up, and a claim's min_units asks for more.
        let worstOfTwo = Estimate(0.5, interval: 0.5...0.5, units: 2, method: .everyUnit)
        #expect(judge(finding, ["a": worstOfTwo]).verdict == .pass)
        #expect(judge(needsFive, ["a": worstOfTwo]).reason == "a: too few units (2, the claim needs 5)")
        #expect(
            judge(finding, ["a": Estimate(-0.1, interval: -0.1...(-0.1), units: 3, method: .everyUnit)]).verdict
                == .fail)
        #expect(judge(finding, ["a": Estimate(.nan, units: 3, method: .everyUnit)]).verdict == .fail)
        let boot = Estimate(0.5, interval: 0.2...0.8, units: 40, method: .bootstrap)
        #expect(judge(finding, ["a": boot]).verdict == .inconclusive)
        #expect(judge(finding, ["a": boot]).reason?.contains("never decides") == true)
        let two = ClaimSpec(
            id: "t", statement: "s",
            checks: [.init(metric: "a", op: .greater, value: [0]), .init(metric: "b", op: .greater, value: [0])],
            paper: nil, profiles: nil)
        #expect(judge(two, ["a": boot, "b": boot]).reason == "a, b: " + IntervalMethod.bootstrap.summary)
        let all = [
            judge(finding, ["a": three]), judge(later, ["a": three]), judge(sanity, ["b": Estimate(2)]),
            judge(needsFive, ["a": three]),
        ]
        #expect(Verdict.tally(all) == "findings: 1 pass, 0 fail, 1 inconclusive, 1 n/a; sanity: 0 of 1 hold")
        #expect(Verdict.tally([judge(finding, ["a": three])]) == "findings: 1 pass, 0 fail, 0 inconclusive, 0 n/a")
        let unsure = judge(sanity, ["b": Estimate(0.5, interval: 0.2...0.8, units: 5, method: .bootstrap)])
        #expect(
            Verdict.tally([unsure, judge(sanity, ["b": Estimate(0)])])
                == "findings: 0 pass, 0 fail, 0 inconclusive, 0 n/a; sanity: 1 of 2 hold (1 inconclusive)")
    }

    @Test func aPerMetricToleranceChangesARegressionDecision() throws {
        let root = try probeRoot()
        let scenario = root.appendingPathComponent("Replications/probe/scenario.json")
        let suite = try probeSuite(root)
        let base = try suite.run("probe", profile: .smoke, quiet: true)  // final = 4
        let moved = try suite.run("probe", profile: .smoke, overrides: ["scale=2.5"], quiet: true)  // final = 5
        func regression(_ tolerance: Replication.Tolerance?) throws -> String? {
            let rep = try suite.replication("probe")
            let runs = try [base.runID].map {
                try RunData(store: suite.store, record: try #require(try suite.store.run($0)), replication: rep)
            }
            let b = try Baseline.make(
                scenario: "probe", profile: .smoke, keyMetrics: ["final"], runs: runs, goldenSeed: 1,
                tolerance: { _ in tolerance ?? rep.info.tolerance("final") })
            return b.regression("final", in: [(seed: moved.seed, value: 5)])
        }
        let standard = try regression(nil)  // 10% of 4 = 0.4 < 1: a regression
        #expect(standard?.contains("tolerance 10% of the median, at least 0.02") == true, "\(standard ?? "nil")")
        // The metric's own tolerance in scenario.json: an absolute 2 lets a move of 1 pass.
        var text = try String(contentsOf: scenario, encoding: .utf8)
        text = text.replacingOccurrences(
            of: #""paper_numbers": []"#, with: #""paper_numbers": [], "tolerances": {"final": {"absolute": 2}}"#)
        try text.write(to: scenario, atomically: true, encoding: .utf8)
        #expect(
            try suite.replication("probe").info.tolerance("final") == Replication.Tolerance(relative: nil, absolute: 2))
        #expect(try regression(nil) == nil)
        // The baseline records which tolerance judged it.
        let rep = try suite.replication("probe")
        let data = try RunData(
            store: suite.store, record: try #require(try suite.store.run(base.runID)), replication: rep)
        let b = try Baseline.make(
            scenario: "probe", profile: .smoke, keyMetrics: ["final"], runs: [data], goldenSeed: 1,
            tolerance: rep.info.tolerance)
        #expect(
            b.metrics["final"]?.rule == Replication.Tolerance(relative: nil, absolute: 2)
                && b.metrics["final"]?.tolerance == 2)
    }

    /// Each bad claims or scenario file is refused at load, naming the file, the claim and the field,
    /// and nothing is run or stored.
    @Test func badReplicationFilesAreRefusedAtLoadWithNothingStored() throws {
        let good =
            #"{"id": "c", "kind": "finding", "statement": "s", "#
            + #""checks": [{"metric": "final", "op": ">=", "value": [3]}]}"#
        let cases: [(String, String)] = [
            (good.replacingOccurrences(of: #""kind": "finding", "#, with: ""), "claim 'c', field 'kind': required"),
            (
                good.replacingOccurrences(of: #""finding""#, with: #""findng""#),
                "claim 'c', field 'kind': unknown kind 'findng'"
            ),
            (
                good.replacingOccurrences(of: #"">=""#, with: #""=>""#),
                "claim 'c', field 'checks[0].op': unknown operator '=>'"
            ),
            (
                good.replacingOccurrences(of: #"">=", "value": [3]"#, with: #""between", "value": [3]"#),
                "claim 'c', field 'checks[0].value': 'between' takes 2 values, got 1"
            ),
            (
                good.replacingOccurrences(of: #""value": [3]"#, with: #""value": [3, 4]"#),
                "claim 'c', field 'checks[0].value': '>=' takes 1 value, got 2"
            ),
            (
                good.replacingOccurrences(of: "}]}", with: #"}], "min_units": 0}"#),
                "claim 'c', field 'min_units': a positive integer"
            ),
            (
                good.replacingOccurrences(of: "}]}", with: #"}], "min_units": 2.5}"#),
                "claim 'c', field 'min_units': a positive integer"
            ),
            (
                good.replacingOccurrences(of: "}]}", with: #"}], "min_units": true}"#),
                "claim 'c', field 'min_units': a positive integer"
            ),
            (good.replacingOccurrences(of: #""metric": "final""#, with: #""metric": "finale""#), "finale"),
            (
                "\n" + good.replacingOccurrences(of: #""s","#, with: #""s""#),
                "claims.json: invalid JSON at line 2, column"
            ),
        ]
        for (claims, message) in cases {
            let root = try probeRoot()
            try "[\(claims)]".write(
                to: root.appendingPathComponent("Replications/probe/claims.json"), atomically: true, encoding: .utf8)
            let suite = try probeSuite(root)
            #expect { try suite.replication("probe") } throws: {
                "\($0)".contains(message) && "\($0)".contains("claims.json")
            }
            #expect(throws: SuiteError.self) { try suite.run("probe", profile: .smoke, quiet: true) }
            #expect(
                try suite.store.runs(scenario: "probe").isEmpty && (try suite.store.trials(scenario: "probe")).isEmpty)
        }
        // A negative tolerance, or one for a metric that is not a key metric.
        for (tolerances, message) in [
            (#"{"final": {"relative": -0.1}}"#, "field 'relative': a tolerance must be a finite number >= 0"),
            (#"{"draws": {"absolute": 1}}"#, "metric 'draws': not a key metric"),
        ] {
            let root = try probeRoot()
            let url = root.appendingPathComponent("Replications/probe/scenario.json")
            try (try String(contentsOf: url, encoding: .utf8))
                .replacingOccurrences(
                    of: #""paper_numbers": []"#, with: #""paper_numbers": [], "tolerances": \#(tolerances)"#
                )
                .write(to: url, atomically: true, encoding: .utf8)
            let suite = try probeSuite(root)
            #expect { try suite.run("probe", profile: .smoke, quiet: true) } throws: { "\($0)".contains(message) }
            #expect(try suite.store.runs(scenario: "probe").isEmpty)
        }
        // Paper numbers drawn on a figure: [x, y] pairs of finite numbers, each set with its source.
        for (points, message) in [
            (#"[{"figure": "f", "label": "l", "source": "Table 1", "points": [[1]]}]"#, "finite [x, y] pairs"),
            (#"[{"figure": "f", "label": "l", "source": "", "points": [[1, 2]]}]"#, "needs a source"),
            (#"[{"figure": "f", "label": "l", "points": [[1, 2]]}]"#, "paper_points[0].source: missing"),
        ] {
            let root = try probeRoot()
            let url = root.appendingPathComponent("Replications/probe/scenario.json")
            try (try String(contentsOf: url, encoding: .utf8))
                .replacingOccurrences(
                    of: #""paper_numbers": []"#, with: #""paper_numbers": [], "paper_points": \#(points)"#
                )
                .write(to: url, atomically: true, encoding: .utf8)
            let suite = try probeSuite(root)
            #expect { try suite.run("probe", profile: .smoke, quiet: true) } throws: { "\($0)".contains(message) }
            #expect(try suite.store.runs(scenario: "probe").isEmpty)
        }
    }

    @Test func aStoreInAFolderThatDoesNotExistIsAnError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-folder-\(UUID().uuidString)")
        #expect { try Store(path: dir.appendingPathComponent("r.sqlite").path) } throws: {
            "\($0)".contains("no folder")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }
}

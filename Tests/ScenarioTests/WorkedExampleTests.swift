import Foundation
import RepriseSuite
import Testing

/// README's worked example (`WorkedExample/`), run as a user runs a scenario: its folder is loaded and checked
/// against its declarations, its smoke profile runs into a scratch store, its claim is judged and its figure
/// drawn. If the contract the README describes changes, this stops compiling or fails.
@Suite struct WorkedExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "WorkedExample")

    @Test func theWorkedExampleRunsJudgesAndDraws() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reprise-example-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let suite = Suite(
            store: try Store(path: dir.appendingPathComponent("example.sqlite").path),
            scenarios: [SampleMean.self], root: Self.root, codeID: "worked-example")
        let outcome = try suite.run("sample-mean", profile: .smoke, quiet: true)
        #expect(outcome.status == .ok && outcome.trialsTotal == 20)
        let exponent = try #require(outcome.metrics["rmse_exponent"])
        #expect(abs(exponent.value + 0.5) < 0.05 && exponent.interval != nil && exponent.units == 5)
        #expect(outcome.claims.map(\.verdict) == [.pass])
        let drawn = try suite.plot(
            "sample-mean", profile: .smoke, runID: outcome.runID,
            into: dir.appendingPathComponent("figures"))
        #expect(drawn.count == 1)
    }

    /// A profile value outside its key's declared range is refused when the folder is loaded, before a run.
    @Test func aValueOutsideItsDeclaredRangeIsRefused() throws {
        let suite = Suite(
            store: try Store(path: ":memory:"), scenarios: [SampleMean.self], root: Self.root,
            codeID: "worked-example")
        #expect(throws: SuiteError.self) {
            _ = try suite.run("sample-mean", profile: .smoke, overrides: ["seeds=1"], quiet: true)
        }
    }
}

import ArgumentParser
import Foundation
import RepriseSuite

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a stored run's series, metrics (with intervals) and claims, judged now, as CSV or JSON.")
    @Argument(help: "Run id (see the output of `reprise run`).") var runID: Int64
    @Option(help: "The output's format.") var format: Format = .csv
    @OptionGroup var store: StoreOptions

    enum Format: String, CaseIterable, ExpressibleByArgument { case csv, json }

    struct Point: Encodable { let series: String, x: Double, y: Double }
    struct Dump: Encodable {
        let run: Int64, scenario: String, profile: Profile, seed: UInt64, status: Store.RunStatus, config: String
        let tally: String, metrics: [String: Estimate], claims: [ClaimResult], claimsHash: String, points: [Point]
    }

    func run() throws {
        let suite = try store.readingSuite()
        guard let record = try suite.store.run(runID) else { throw SuiteError.noRuns("no run \(runID) in \(store.db)") }
        let data = try RunData(store: suite.store, record: record, replication: try suite.replication(record.scenario))
        let points = data.series.keys.sorted().flatMap { name in
            data.series[name]!.map { Point(series: name, x: $0.x, y: $0.y) }
        }
        if format == .json {
            try printJSON(
                Dump(
                    run: runID, scenario: record.scenario, profile: record.profile, seed: record.seed,
                    status: record.status,
                    config: record.configJSON, tally: Verdict.tally(data.claims), metrics: data.metrics,
                    claims: data.claims,
                    claimsHash: data.claimsHash,
                    points: points))
            return
        }
        print("kind,name,x,value,low,high,units,method,reason")
        print("tally,,,\(csv(Verdict.tally(data.claims))),,,,,")
        for p in points { print("series,\(csv(p.series)),\(p.x),\(p.y),,,,,") }
        for name in data.metrics.keys.sorted() {
            let e = data.metrics[name]!
            print(
                "metric,\(csv(name)),,\(e.value),\(e.interval.map { "\($0.lowerBound),\($0.upperBound)" } ?? ","),"
                    + "\(e.units.map(String.init) ?? ""),\(e.method?.rawValue ?? ""),")
        }
        for c in data.claims {
            let why = [c.reason, c.registration?.description].compactMap { $0 }.joined(separator: "; ")
            print("claim,\(csv(c.id)),,\(c.verdict.rawValue),,,,\(c.kind.rawValue),\(csv(why))")
        }
    }

    func csv(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

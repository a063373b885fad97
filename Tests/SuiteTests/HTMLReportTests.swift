import Foundation
import RepriseSuite
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `reprise report --html`: one file that parses, links only inside itself, and shows every claim (issue 30).
@Suite(.serialized) struct HTMLReportTests {
    /// Every `id` and every `href` of the page, read by an XML parser (the page is written as XHTML).
    final class Links: NSObject, XMLParserDelegate {
        var ids: Set<String> = [], hrefs: [String] = [], sources: [String] = []
        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            if let id = attributes["id"] { ids.insert(id) }
            if let href = attributes["href"] { hrefs.append(href) }
            if let src = attributes["src"] { sources.append(src) }
        }
    }

    func parse(_ url: URL) throws -> Links {
        let parser = try #require(XMLParser(contentsOf: url))
        let links = Links()
        parser.delegate = links
        #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "?")")
        return links
    }

    /// On the probe scenario (cheap: a debug build runs it in well under a second), two runs of the profile's
    /// own config, the newest one's figures drawn.
    @Test func aPageIsSelfContainedAndShowsEveryClaimFigureAndComparison() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try suite.run("probe", profile: .smoke, quiet: true)
        let second = try suite.run("probe", profile: .smoke, quiet: true)  // the selected run: the newest
        _ = try suite.plot("probe", profile: .smoke)
        let page = try suite.writeHTMLReport(profile: .smoke, to: root.appendingPathComponent("results/r.html"))
        let links = try parse(page)
        for href in links.hrefs {
            #expect(href.hasPrefix("#"), "a link leaves the page: \(href)")
            #expect(links.ids.contains(String(href.dropFirst())), "a link to a missing anchor: \(href)")
        }
        #expect(!links.sources.isEmpty)
        for src in links.sources { #expect(src.hasPrefix("data:image/svg+xml;base64,"), "\(src.prefix(60))") }
        #expect(
            links.ids.isSuperset(of: [
                "claim-probe-final-big", "claim-probe-later", "fig-probe-loss",
                "run-\(second.runID)", "compare-\(second.runID)",
            ]))
        let text = try String(contentsOf: page, encoding: .utf8)
        #expect(text.contains("drawn from run \(second.runID) (profile smoke), the run above"))
        #expect(text.contains("0 config keys differ"))  // the same profile config as the first run
        #expect(
            text.contains(
                Verdict.tally(
                    try RunData(
                        store: suite.store,
                        record: try #require(
                            try suite.store.run(second.runID)), replication: try suite.replication("probe")
                    ).claims)))
    }

    /// The history beside the committed baseline: an entry whose key metric moved beyond the tolerance is flagged
    /// in its cell and in the page's list of regressions; the same metric unmoved is not; the selected run is
    /// compared with the baseline by the rule of `reprise check`.
    @Test func theHistoryFlagsARegressedEntryAgainstTheBaseline() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        defer { try? FileManager.default.removeItem(at: root) }
        let run = try suite.run("probe", profile: .smoke, quiet: true)
        let record = try #require(try suite.store.run(run.runID))
        let data = try RunData(store: suite.store, record: record, replication: try suite.replication("probe"))
        let baseline = try Baseline.make(
            scenario: "probe", profile: .smoke, keyMetrics: ["final", "diverged"],
            runs: [data], goldenSeed: record.seed)
        try baseline.write(Baseline.url(root: root, scenario: "probe", profile: .smoke))
        // Two ledger entries of the same run: as measured, and with `final` moved from 4 to 40.
        let ledger = Ledger.folder(root: root), entry = try suite.ledgerEntry(run: run.runID)
        try Ledger.append(entry, to: ledger)
        let encoded = try JSONFile.encoder().encode(entry)
        var json = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        var metrics = try #require(json["metrics"] as? [String: Any])
        var final = try #require(metrics["final"] as? [String: Any])
        #expect(final["value"] as? Double == 4)
        final["value"] = 40.0
        metrics["final"] = final
        (json["metrics"], json["id"], json["startedAt"]) = (metrics, entry.id + "-moved", "2999-01-01T00:00:00Z")
        let moved = try JSONFile.decoder().decode(LedgerEntry.self, from: JSONSerialization.data(withJSONObject: json))
        try Ledger.append(moved, to: ledger)

        let page = try suite.writeHTMLReport(profile: .smoke, to: root.appendingPathComponent("results/r.html"))
        _ = try parse(page)
        let text = try String(contentsOf: page, encoding: .utf8)
        #expect(text.components(separatedBy: "class=\"flagged\"").count - 1 == 1)
        let list = try #require(
            text.components(separatedBy: "id=\"regressions\"").last?
                .components(separatedBy: "</ul>").first)
        #expect(list.contains("final: seed \(record.seed) gives 40, its baseline sample 4"))
        #expect(!list.contains("diverged"))
        #expect(text.contains("id=\"baseline-\(run.runID)\"") && text.contains("no regression"))
        #expect(text.contains("4 ± 0.4, 1 seed"))
    }

    /// `reprise compare`: only the config keys that differ, both values of every metric, an unknown run refused.
    @Test func compareShowsTheDifferingKeyAndRefusesAnUnknownRun() throws {
        let root = try probeRoot(), suite = try probeSuite(root)
        defer { try? FileManager.default.removeItem(at: root) }
        let a = try suite.run("probe", profile: .smoke, quiet: true)
        let b = try suite.run("probe", profile: .smoke, overrides: ["scale=2.5"], quiet: true)
        let c = try suite.compare(a.runID, b.runID)
        #expect(c.config.map(\.key) == ["scale"] && c.config[0].b == "2.5")
        let final = try #require(c.metrics.first { $0.name == "final" })
        #expect(final.a?.value == 4 && final.b?.value == 5)
        #expect(c.text.contains("scale: ") && c.text.contains("final: 4 | 5 | 1"))
        #expect { try suite.compare(a.runID, 9999) } throws: { "\($0)".contains("no run 9999") }
        #expect(try suite.runsTable().contains("probe"))
    }

    @Test func anEmptyStoreSaysSoPerScenario() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("report.html"), db = dir.appendingPathComponent("e.sqlite").path
        _ = try Store(path: db)  // a store with its tables and no runs
        let r = try reprise(["report", "--profile", "smoke", "--db", db, "--out", page.path])
        #expect(r.code == 0, "\(r.err)")
        let text = try String(contentsOf: page, encoding: .utf8)
        #expect(text.components(separatedBy: "No finished <b>smoke</b> run").count - 1 == 6)
        _ = try parse(page)
    }
}

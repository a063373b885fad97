import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import RepriseSuite
import Testing

/// `reprise report --html`: one file that parses, links only inside itself, and shows every claim (issue 30).
@Suite(.serialized) struct HTMLReportTests {
    /// Every `id` and every `href` of the page, read by an XML parser (the page is written as XHTML).
    final class Links: NSObject, XMLParserDelegate {
        var ids: Set<String> = [], hrefs: [String] = [], sources: [String] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
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

    @Test func aSmokeRunsPageIsSelfContainedAndShowsEveryClaim() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("s.sqlite").path, page = dir.appendingPathComponent("report.html")
        let run = try reprise(["run", "double-descent", "--profile", "smoke", "--db", db, "--quiet"])
        #expect(run.code == 0, "\(run.err)")
        let report = try reprise(["report", "--profile", "smoke", "--db", db, "--out", page.path])
        #expect(report.code == 0, "\(report.err)")
        let links = try parse(page)
        for href in links.hrefs {
            #expect(href.hasPrefix("#"), "a link leaves the page: \(href)")
            #expect(links.ids.contains(String(href.dropFirst())), "a link to a missing anchor: \(href)")
        }
        for src in links.sources { #expect(src.hasPrefix("data:"), "a resource outside the page: \(src.prefix(60))") }
        let text = try String(contentsOf: page, encoding: .utf8)
        let claims = try JSONSerialization.jsonObject(
            with: Data(contentsOf: repositoryRoot.appendingPathComponent("Replications/double-descent/claims.json")))
        for claim in try #require(claims as? [[String: Any]]) {
            let id = try #require(claim["id"] as? String)
            #expect(links.ids.contains("claim-double-descent-\(id)"), "claim \(id) is missing")
        }
        // The at-a-glance line of the scenario that ran carries its tally; the others say they have no run.
        #expect(text.contains("findings: "))
        #expect(text.contains("no finished smoke run"))
    }

    @Test func anEmptyStoreSaysSoPerScenario() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("report.html"), db = dir.appendingPathComponent("e.sqlite").path
        _ = try Store(path: db)    // a store with its tables and no runs
        let r = try reprise(["report", "--profile", "smoke", "--db", db, "--out", page.path])
        #expect(r.code == 0, "\(r.err)")
        let text = try String(contentsOf: page, encoding: .utf8)
        #expect(text.components(separatedBy: "No finished <b>smoke</b> run").count - 1 == 6)
        _ = try parse(page)
    }
}

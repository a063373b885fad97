import Foundation
import RepriseSuite
import Testing

/// The catalog parses and checks a replication folder once per process, and again only when its bytes change.
@Suite struct CatalogTests {
    @Test func aFolderIsParsedOnceAndAgainWhenAFileChanges() throws {
        let root = try probeRoot(), catalog = Catalog()
        let first = try catalog.replication(Probe.self, root: root)
        let again = try catalog.replication(Probe.self, root: root)
        #expect(catalog.parses == 1 && first.claimsHash == again.claimsHash)
        // A revised claims file is read from then on (a verdict is judged against the file of its moment).
        let claims = root.appendingPathComponent("Replications/probe/claims.json")
        let text = try String(contentsOf: claims, encoding: .utf8)
        try text.replacingOccurrences(of: #""value": [3]"#, with: #""value": [4]"#)
            .write(to: claims, atomically: true, encoding: .utf8)
        let revised = try catalog.replication(Probe.self, root: root)
        #expect(catalog.parses == 2 && revised.claimsHash != first.claimsHash)
        // A malformed file is refused on every request, never served from what was parsed before.
        try "[".write(to: claims, atomically: true, encoding: .utf8)
        #expect(throws: SuiteError.self) { try catalog.replication(Probe.self, root: root) }
        #expect(throws: SuiteError.self) { try catalog.replication(Probe.self, root: root) }
    }
}

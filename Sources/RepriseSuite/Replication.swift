import Foundation
import RepriseEngine

/// The declarative half of a scenario, read from `Replications/<id>/`:
/// `scenario.json` (the paper, the paper's numbers with their sources, the key
/// metrics that baselines track), `claims.json` and `profiles.json`.
public struct Replication: Sendable {
    public struct Paper: Codable, Sendable {
        public let title: String, authors: String, year: Int, arxiv: String
    }
    public struct PaperNumber: Codable, Sendable {
        public let quantity: String, value: String, source: String
    }
    public struct Info: Codable, Sendable {
        public let id: String
        public let title: String
        public let paper: Paper
        public let related: [Paper]?
        public let keyMetrics: [String]
        public let paperNumbers: [PaperNumber]
        enum CodingKeys: String, CodingKey {
            case id, title, paper, related, keyMetrics = "key_metrics", paperNumbers = "paper_numbers"
        }
    }

    public let info: Info
    public let claims: [ClaimSpec]
    /// FNV-1a of `claims.json` as read: shown beside every verdict, so a reader can tell which
    /// thresholds judged it, and kept in baselines, so a changed claims file is not taken for a regression.
    public let claimsHash: String
    public let profiles: [String: Config]
    public let folder: URL

    public static let profileOrder = ["smoke", "quick", "paper"]

    public init(id: String, root: URL = Replication.root) throws {
        let folder = root.appendingPathComponent("Replications/\(id)")
        func read(_ name: String) throws -> Data {
            let url = folder.appendingPathComponent(name)
            guard let d = FileManager.default.contents(atPath: url.path) else {
                throw SuiteError.replicationFiles("missing \(url.path): every scenario needs Replications/\(id)/\(name)")
            }
            return d
        }
        func decode<D: Decodable>(_ type: D.Type, _ name: String) throws -> D {
            do { return try JSONDecoder().decode(type, from: read(name)) } catch let e as DecodingError {
                throw SuiteError.replicationFiles("Replications/\(id)/\(name): \(e)")
            }
        }
        // Keys starting with "_" are comments.
        guard let raw = try JSONSerialization.jsonObject(with: read("profiles.json")) as? [String: Any] else {
            throw SuiteError.replicationFiles("Replications/\(id)/profiles.json must be a JSON object of profiles")
        }
        var profiles: [String: Config] = [:]
        for (name, entry) in raw where !name.hasPrefix("_") {
            guard let values = entry as? [String: Any] else {
                throw SuiteError.replicationFiles("Replications/\(id)/profiles.json: profile '\(name)' must be an object")
            }
            var parsed: [String: ConfigValue] = [:]
            for (k, v) in values where !k.hasPrefix("_") { parsed[k] = try ConfigValue(json: v, key: "\(name).\(k)") }
            profiles[name] = Config(parsed)
        }
        for p in Self.profileOrder where profiles[p] == nil {
            throw SuiteError.replicationFiles("Replications/\(id)/profiles.json lacks the '\(p)' profile")
        }
        self.folder = folder
        self.info = try decode(Info.self, "scenario.json")
        self.claims = try decode([ClaimSpec].self, "claims.json")
        var h = FNV1a()
        h.add(try read("claims.json"))
        self.claimsHash = h.hex
        self.profiles = profiles
    }

    public func config(profile: String) throws -> Config {
        guard let c = profiles[profile] else {
            throw SuiteError.unknownProfile(profile, scenario: info.id, known: profiles.keys.sorted())
        }
        return c
    }

    /// The repository root: $REPRISE_ROOT, else the nearest folder above the
    /// working directory holding `Replications/`, else the checkout this binary was built from.
    public static var root: URL {
        if let env = ProcessInfo.processInfo.environment["REPRISE_ROOT"] { return URL(fileURLWithPath: env) }
        var dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Replications").path) { return dir }
            dir.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

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
    /// Numbers the paper gives (or that papers.md computes from its text) that a figure draws as markers
    /// beside the measurement: `points` are (x, y) pairs in the figure's own axes, `source` says where
    /// they come from (it goes into the key).
    public struct PaperPoints: Codable, Sendable {
        public let figure: String, label: String, source: String
        public let points: [[Double]]
    }
    /// A key metric's own regression tolerance: a move counts when it exceeds `relative` of the
    /// baseline median's magnitude and `absolute` (either may be left out: then 0).
    public struct Tolerance: Codable, Sendable, Equatable {
        public let relative: Double?, absolute: Double?
        public init(relative: Double?, absolute: Double?) { (self.relative, self.absolute) = (relative, absolute) }
        /// The suite's default for a metric that names none: 10% of the median, at least 0.02.
        public static let standard = Tolerance(relative: 0.10, absolute: 0.02)
        /// The smallest move of a median `m` that counts.
        public func band(around m: Double) -> Double {
            m.isFinite ? max((relative ?? 0) * abs(m), absolute ?? 0) : absolute ?? 0
        }
        public var description: String {
            [relative.map { "\(fmt($0 * 100))% of the median" }, absolute.map { "at least \(fmt($0))" }]
                .compactMap { $0 }.joined(separator: ", ")
        }
    }
    public struct Info: Codable, Sendable {
        public let id: String
        public let title: String
        public let paper: Paper
        public let related: [Paper]?
        public let keyMetrics: [String]
        public let paperNumbers: [PaperNumber]
        /// Per-metric regression tolerances for key metrics whose unit the default does not suit.
        public let tolerances: [String: Tolerance]?
        /// Paper numbers drawn on figures, by figure name.
        public let paperPoints: [PaperPoints]?
        enum CodingKeys: String, CodingKey {
            case id, title, paper, related, tolerances, keyMetrics = "key_metrics", paperNumbers = "paper_numbers"
            case paperPoints = "paper_points"
        }

        /// The tolerance that judges `metric`'s regressions.
        public func tolerance(_ metric: String) -> Tolerance { tolerances?[metric] ?? .standard }
    }

    public let info: Info
    public let claims: [ClaimSpec]
    /// FNV-1a of `claims.json` as read: shown beside every verdict, so a reader can tell which
    /// thresholds judged it, and kept in baselines, so a changed claims file is not taken for a regression.
    public let claimsHash: String
    public let profiles: [Profile: Config]
    public let folder: URL
    /// The repository root the folder was read from (git history of the claims is read there).
    public let root: URL

    public init(id: String, root: URL = Replication.root) throws {
        let folder = root.appendingPathComponent("Replications/\(id)")
        func read(_ name: String) throws -> Data {
            let url = folder.appendingPathComponent(name)
            guard let d = FileManager.default.contents(atPath: url.path) else {
                throw SuiteError.replicationFiles(
                    "missing \(url.path): every scenario needs Replications/\(id)/\(name)")
            }
            return d
        }
        func decode<D: Decodable>(_ type: D.Type, _ name: String) throws -> D {
            let data = try read(name)
            _ = try JSONFile.parse(data, file: "Replications/\(id)/\(name)")  // syntax, with line and column
            do { return try JSONDecoder().decode(type, from: data) } catch let e as DecodingError {
                throw SuiteError.replicationFiles("Replications/\(id)/\(name): \(Self.explain(e))")
            }
        }
        // Keys starting with "_" are comments.
        let profilesFile = "Replications/\(id)/profiles.json"
        guard let raw = try JSONFile.parse(read("profiles.json"), file: profilesFile) as? [String: Any] else {
            throw SuiteError.replicationFiles("Replications/\(id)/profiles.json must be a JSON object of profiles")
        }
        var profiles: [Profile: Config] = [:]
        for (name, entry) in raw where !name.hasPrefix("_") {
            guard let profile = Profile(rawValue: name) else {
                throw SuiteError.replicationFiles(
                    "Replications/\(id)/profiles.json: unknown profile '\(name)' (profiles: \(Profile.names))")
            }
            guard let values = entry as? [String: Any] else {
                throw SuiteError.replicationFiles(
                    "Replications/\(id)/profiles.json: profile '\(name)' must be an object")
            }
            var parsed: [String: ConfigValue] = [:]
            for (k, v) in values where !k.hasPrefix("_") { parsed[k] = try ConfigValue(json: v, key: "\(name).\(k)") }
            profiles[profile] = Config(parsed)
        }
        for p in Profile.allCases where profiles[p] == nil {
            throw SuiteError.replicationFiles("Replications/\(id)/profiles.json lacks the '\(p)' profile")
        }
        self.folder = folder
        self.root = root
        self.info = try decode(Info.self, "scenario.json")
        for (metric, t) in (info.tolerances ?? [:]).sorted(by: { $0.key < $1.key }) {
            let file = "Replications/\(id)/scenario.json, tolerances, metric '\(metric)'"
            guard info.keyMetrics.contains(metric) else {
                throw SuiteError.replicationFiles("\(file): not a key metric (tolerances apply to key_metrics only)")
            }
            guard t.relative != nil || t.absolute != nil else {
                throw SuiteError.replicationFiles("\(file): give 'relative', 'absolute' or both")
            }
            for (field, v) in [("relative", t.relative), ("absolute", t.absolute)] {
                if let v, !(v >= 0 && v.isFinite) {
                    throw SuiteError.replicationFiles(
                        "\(file), field '\(field)': a tolerance must be a finite number >= 0, got \(fmt(v))")
                }
            }
        }
        for (i, p) in (info.paperPoints ?? []).enumerated() {
            let file = "Replications/\(id)/scenario.json, paper_points[\(i)] ('\(p.label)')"
            guard !p.points.isEmpty, p.points.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isFinite) }) else {
                throw SuiteError.replicationFiles("\(file): points must be a non-empty list of finite [x, y] pairs")
            }
            guard !p.source.isEmpty else {
                throw SuiteError.replicationFiles("\(file): every paper number needs a source")
            }
        }
        self.claims = try ClaimSpec.load(read("claims.json"), file: "Replications/\(id)/claims.json")
        var h = FNV1a()
        h.add(try read("claims.json"))
        self.claimsHash = h.hex
        self.profiles = profiles
    }

    /// A decoding error as a path and a reason: "paper_numbers[2].source: missing" rather than Foundation's dump.
    static func explain(_ e: DecodingError) -> String {
        func path(_ c: [CodingKey]) -> String {
            c.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
        }
        switch e {
        case let .keyNotFound(key, ctx): return "\(path(ctx.codingPath + [key])): missing"
        case let .typeMismatch(type, ctx): return "\(path(ctx.codingPath)): expected \(type)"
        case let .valueNotFound(type, ctx): return "\(path(ctx.codingPath)): expected \(type), found null"
        case let .dataCorrupted(ctx): return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default: return "\(e)"
        }
    }

    /// The profile's values (the load checked that the file defines every profile).
    public func config(profile: Profile) -> Config { profiles[profile]! }

    /// The repository root: $REPRISE_ROOT, else the nearest folder above the
    /// working directory holding `Replications/`, else the checkout this binary was built from.
    public static var root: URL {
        if let env = ProcessInfo.processInfo.environment["REPRISE_ROOT"] { return URL(fileURLWithPath: env) }
        var dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Replications").path) { return dir }
            dir.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
}

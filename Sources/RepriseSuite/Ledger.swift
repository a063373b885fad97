import Foundation

/// The committed record of finished runs: `results/ledger/`, one JSON file per run of a profile's own
/// config, written when the run finishes and never rewritten. The store (`results/reprise.sqlite`)
/// stays on the machine that made it; the ledger goes into git, so a fresh clone still knows every
/// run's provenance, metrics with their intervals, verdicts with their reasons and registration marks.
/// Entries are keyed by a globally unique id (start time, scenario, profile, seed and a random
/// suffix), so ledgers from two machines merge by copying their files into one folder.
public struct LedgerEntry: Codable, Sendable, Equatable {
    public struct Claim: Codable, Sendable, Equatable {
        public let id: String, kind: ClaimSpec.Kind
        /// FNV-1a of the claim's exact text when the run was judged.
        public let hash: String
        public let verdict: Verdict
        public let reason: String?
        public let registration: Registration?
    }
    public let id: String
    /// The run's id in the store that made it (local to that machine's store).
    public let run: Int64
    public let scenario: String, profile: Profile, seed: UInt64
    public let configHash: String
    public let gitCommit: String, gitDirty: Bool
    /// OpenBLAS's build string and the kernel set its trials ran ("mixed: a | b" if they differ).
    public let openblas: String
    /// The kernel set alone ("Haswell"), the part of `openblas` that decides the bits.
    public let kernel: String
    public let startedAt: String, endedAt: String?
    public let wallSeconds: Double?, cpuSeconds: Double?
    /// When the run's oldest and newest trials were computed (older than the run when the cache served them).
    public let oldestTrial: String?, newestTrial: String?
    public let claimsHash: String
    public let tally: String
    public let metrics: [String: Estimate]
    public let claims: [Claim]
}

public enum Ledger {
    /// Where the ledger of a repository lives.
    public static func folder(root: URL) -> URL { root.appendingPathComponent("results/ledger") }

    /// Writes the entry of a finished run into `folder`, never over an existing file.
    @discardableResult
    public static func append(_ entry: LedgerEntry, to folder: URL) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("\(entry.id).json")
        guard !FileManager.default.fileExists(atPath: url.path) else {
            throw SuiteError.store("ledger entry \(url.path) exists already; entries are never rewritten")
        }
        try (JSONFile.encoder().encode(entry) + Data("\n".utf8)).write(to: url, options: .withoutOverwriting)
        return url
    }

    /// Every entry in `folder`, oldest first, and a message for each file that does not parse
    /// (its path and, for invalid JSON, line and column): readers skip those, never silently.
    public static func read(_ folder: URL) -> (entries: [LedgerEntry], problems: [String]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
            $0.hasSuffix(".json")
        }
        let dec = JSONFile.decoder()
        var entries: [LedgerEntry] = []
        var problems: [String] = []
        for name in names.sorted() {
            let url = folder.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                problems.append("\(url.path): cannot be read; skipped")
                continue
            }
            do {
                _ = try JSONFile.parse(data, file: url.path)
                entries.append(try dec.decode(LedgerEntry.self, from: data))
            } catch let e as DecodingError {
                problems.append("\(url.path): not a ledger entry (\(Replication.explain(e))); skipped")
            } catch {
                problems.append("\(error); skipped")
            }
        }
        return (entries.sorted { ($0.startedAt, $0.run, $0.id) < ($1.startedAt, $1.run, $1.id) }, problems)
    }

    /// The kernel set named in OpenBLAS's build string (the word before MAX_THREADS), or the string itself.
    public static func kernel(of config: String) -> String {
        if config.hasPrefix("mixed") { return config }
        let words = config.split(separator: " ")
        guard let i = words.firstIndex(where: { $0.hasPrefix("MAX_THREADS") }), i > 0 else { return config }
        return String(words[i - 1])
    }

    /// A globally unique, sortable id: "20261204T184122Z-ntk-regime-quick-s0-3f9a1c2b".
    static func newID(startedAt: String, scenario: String, profile: Profile, seed: UInt64) -> String {
        let stamp = startedAt.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        let suffix = String(format: "%08x", UInt32.random(in: 0...UInt32.max))
        return "\(stamp)-\(scenario)-\(profile)-s\(seed)-\(suffix)"
    }
}

extension Suite {
    /// The ledger entry of a stored, finished run: everything `RunData` shows, as judged now.
    public func ledgerEntry(run runID: Int64) throws -> LedgerEntry {
        guard let record = try store.run(runID) else { throw SuiteError.noRuns("no run \(runID) in \(store.path)") }
        let rep = try replication(record.scenario)
        let data = try RunData(store: store, record: record, replication: rep)
        let specs = Dictionary(uniqueKeysWithValues: rep.claims.map { ($0.id, $0) })
        let (oldest, newest) = try store.trialTimes(ofRun: runID)
        return LedgerEntry(
            id: Ledger.newID(
                startedAt: record.startedAt, scenario: record.scenario, profile: record.profile, seed: record.seed),
            run: runID, scenario: record.scenario, profile: record.profile, seed: record.seed,
            configHash: record.configHash,
            gitCommit: record.gitCommit ?? "unknown", gitDirty: record.gitDirty, openblas: data.openblas,
            kernel: Ledger.kernel(of: data.openblas),
            startedAt: record.startedAt, endedAt: record.endedAt, wallSeconds: record.wallSeconds,
            cpuSeconds: record.cpuSeconds,
            oldestTrial: oldest, newestTrial: newest, claimsHash: data.claimsHash, tally: Verdict.tally(data.claims),
            metrics: data.metrics,
            claims: data.claims.map {
                LedgerEntry.Claim(
                    id: $0.id, kind: $0.kind, hash: specs[$0.id]?.hash ?? "", verdict: $0.verdict, reason: $0.reason,
                    registration: $0.registration)
            })
    }
}

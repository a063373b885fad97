import Foundation

/// Whether a claim was fixed before the evidence that judges it existed.
///
/// A claim is **registered** for a run when its exact text (the whole object in `claims.json`:
/// statement, kind, checks, thresholds, profiles) was committed in git before the run's oldest trial
/// was computed. Otherwise its verdict is **post hoc**, with the reason: the text is not committed,
/// it was first committed after the trials were computed (an edit after the run, or trials the cache
/// kept from before the claim), or the claim itself declares `revised_after_results`. Without git
/// history the mark is "registration unknown", never "registered".
public struct Registration: Codable, Sendable, Equatable {
    public enum Mark: String, Codable, Sendable {
        case registered
        case postHoc = "post hoc"
        case unknown = "registration unknown"
    }
    public let mark: Mark
    /// Why a verdict is post hoc or unknown; nil when registered.
    public let reason: String?

    public init(_ mark: Mark, _ reason: String? = nil) { (self.mark, self.reason) = (mark, reason) }

    public var description: String { reason.map { "\(mark.rawValue): \($0)" } ?? mark.rawValue }
}

/// When each exact claim text of a scenario first appeared in git, read once per scenario and process.
public final class ClaimHistory: @unchecked Sendable {
    /// Claim hash -> the committer time of the first commit whose claims.json holds that exact claim.
    let firstCommitted: [String: Date]
    /// The hashes of the claims in HEAD's claims.json (a claim not among them is uncommitted).
    let atHead: Set<String>
    /// False when the folder is not in a git checkout (or git cannot run): registration is then unknown.
    let available: Bool

    init(firstCommitted: [String: Date], atHead: Set<String>, available: Bool) {
        (self.firstCommitted, self.atHead, self.available) = (firstCommitted, atHead, available)
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var cache: [String: ClaimHistory] = [:]

    /// The history of `Replications/<id>/claims.json` under `root`, from `git log` (every commit that
    /// touched the file, oldest first) and `git show` of each version.
    public static func of(scenario id: String, root: URL) -> ClaimHistory {
        let key = root.path + "\u{0}" + id
        lock.lock()
        defer { lock.unlock() }
        if let h = cache[key] { return h }
        let path = "Replications/\(id)/claims.json"
        let git = ["git", "-C", root.path]
        guard shell(git + ["rev-parse", "--is-inside-work-tree"]) == "true" else {
            let h = ClaimHistory(firstCommitted: [:], atHead: [], available: false)
            cache[key] = h
            return h
        }
        let log = shell(git + ["log", "--reverse", "--format=%H %ct", "--", path]) ?? ""  // no commits yet: empty
        var first: [String: Date] = [:]
        for line in log.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let seconds = TimeInterval(parts[1]),
                let text = shell(git + ["show", "\(parts[0]):\(path)"])
            else { continue }
            for hash in ClaimSpec.hashes(of: Data(text.utf8)) where first[hash] == nil {
                first[hash] = Date(timeIntervalSince1970: seconds)
            }
        }
        let head = shell(git + ["show", "HEAD:\(path)"]).map { Set(ClaimSpec.hashes(of: Data($0.utf8))) } ?? []
        let h = ClaimHistory(firstCommitted: first, atHead: head, available: true)
        cache[key] = h
        return h
    }

    /// Forgets what was read (tests that commit between runs in one process).
    public static func reset() {
        lock.lock()
        cache = [:]
        lock.unlock()
    }

    /// The mark of `claim` for a run whose oldest trial was computed at `oldestTrial`.
    public func registration(of claim: ClaimSpec, oldestTrial: Date?) -> Registration {
        if let why = claim.revisedAfterResults { return Registration(.postHoc, "revised after seeing results: \(why)") }
        guard available else { return Registration(.unknown, "no git history here") }
        guard atHead.contains(claim.hash), let committed = firstCommitted[claim.hash] else {
            return Registration(.postHoc, "this claim text is not committed")
        }
        guard let oldestTrial else { return Registration(.unknown, "the run's trials have no times") }
        if committed > oldestTrial {
            return Registration(
                .postHoc,
                "committed \(Provenance.timestamp(committed)), after the run's oldest trial "
                    + "(\(Provenance.timestamp(oldestTrial)))")
        }
        return Registration(.registered)
    }
}

extension Replication {
    /// Every claim judged from a run's metrics, each with its registration mark for a run whose
    /// oldest trial was computed at `oldestTrial`: what every verb that shows verdicts shows.
    public func judge(_ metrics: [String: Estimate], profile: Profile, oldestTrial: Date?) -> [ClaimResult] {
        let history = ClaimHistory.of(scenario: info.id, root: root)
        return claims.map {
            $0.evaluate(metrics: metrics, profile: profile)
                .marked(history.registration(of: $0, oldestTrial: oldestTrial))
        }
    }
}

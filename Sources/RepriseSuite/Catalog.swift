import Foundation

/// The replication folders, each parsed and checked against its scenario's declarations once per process and
/// shared by every verb that reads one (`list`, `describe`, the pre-flight check of `run` and `slurm`, `run`
/// itself, the reports). A request still reads the folder's three small files and compares their bytes with
/// what was parsed: a claims file revised while a process runs is judged from then on, as before the catalog.
public final class Catalog: @unchecked Sendable {
    public static let shared = Catalog()

    /// The files `Replication` parses; their bytes decide whether a parsed folder is still current.
    static let files = ["scenario.json", "claims.json", "profiles.json"]

    private let lock = NSLock()
    private var loaded: [String: (bytes: [Data?], replication: Replication)] = [:]
    /// How many times a folder was parsed and checked in this process (the test reads it).
    public private(set) var parses = 0

    public init() {}

    /// `type`'s folder under `root`, checked against its parameters and metrics.
    public func replication(_ type: any Scenario.Type, root: URL = Replication.root) throws -> Replication {
        let folder = root.appendingPathComponent("Replications/\(type.id)").standardizedFileURL
        let bytes = Self.files.map { FileManager.default.contents(atPath: folder.appendingPathComponent($0).path) }
        lock.lock()
        defer { lock.unlock() }
        if let entry = loaded[folder.path], entry.bytes == bytes { return entry.replication }
        let replication = try Replication(id: type.id, root: root)
        try replication.check(parameters: type.parameters, metrics: type.metrics)
        parses += 1
        loaded[folder.path] = (bytes, replication)
        return replication
    }
}

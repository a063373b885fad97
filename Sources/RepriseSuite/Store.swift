import CSQLite
import Foundation
import RepriseEngine

/// The results store: one SQLite file holding every run with its provenance,
/// the series its figures are drawn from, its metrics (with their intervals),
/// and every finished trial with its values (the trial cache).
///
/// WAL journaling and a busy timeout let several `reprise` processes write one
/// store at once; each run's data is written in one transaction, so an
/// interrupted run never leaves half a run or touches earlier ones. The schema
/// version is SQLite's `user_version`; README documents the tables.
public final class Store {
    public static let schemaVersion = 4
    public let path: String
    let busyTimeout: Double
    private(set) var db: OpaquePointer?
    private var lastErrorWasBusy = false

    /// `busyTimeout`: how long a write waits for another process's transaction, in seconds.
    /// `readOnly`: an existing store of this schema version, opened without creating, upgrading or writing anything.
    public init(path: String, busyTimeout: Double = 15, readOnly: Bool = false) throws {
        self.path = path
        self.busyTimeout = busyTimeout
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else { throw SuiteError.store("no store at \(path)") }
            guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nil) == SQLITE_OK else {
                let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
                sqlite3_close(db)
                throw SuiteError.store("cannot open \(path): \(msg)")
            }
            sqlite3_busy_timeout(db, Int32(busyTimeout * 1000))
            do {
                let version = try userVersion()
                guard version == Self.schemaVersion else {
                    throw SuiteError.store(
                        "\(path) has schema version \(version); this reprise reads version \(Self.schemaVersion)"
                            + (version < Self.schemaVersion && version > 0
                                ? " (any `reprise run ... --db` on it upgrades it in place)" : ""))
                }
            } catch {
                sqlite3_close(db)
                throw error
            }
            return
        }
        // A store in a folder that does not exist is a typo, not a request for a new tree of folders.
        let dir = (path as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        let folderExists = FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue
        if path != ":memory:" && !dir.isEmpty && !folderExists {
            throw SuiteError.store("no folder \(dir) for the store \(path): create it first, or name another --db")
        }
        guard
            sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil)
                == SQLITE_OK
        else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw SuiteError.store("cannot open \(path): \(msg)")
        }
        sqlite3_busy_timeout(db, Int32(busyTimeout * 1000))
        do {
            // Switching a fresh file to WAL and creating the schema take locks for which SQLite
            // does not always call the busy handler: when another process opens the same new
            // store at that moment, wait for it here, within the same timeout.
            let deadline = Date().addingTimeInterval(busyTimeout)
            while true {
                do {
                    try exec("PRAGMA journal_mode=WAL")
                    try migrate()
                    break
                } catch  where lastErrorWasBusy && Date() < deadline {
                    lastErrorWasBusy = false
                    usleep(20_000)
                }
            }
            try exec("PRAGMA foreign_keys=ON")
            try markCrashedRuns()
        } catch {
            sqlite3_close(db)
            throw error
        }
    }

    deinit { sqlite3_close(db) }

    // MARK: Schema

    /// Creates or upgrades the schema. An old version is read again inside the write
    /// transaction, so two processes opening a fresh store at once cannot both create it;
    /// a current store is opened without taking the write lock.
    private func migrate() throws {
        if try userVersion() == Self.schemaVersion { return }
        try transaction {
            let version = try userVersion()
            if version > Self.schemaVersion {
                throw SuiteError.store(
                    "\(path) has schema version \(version), newer than this reprise (\(Self.schemaVersion)); upgrade "
                        + "reprise"
                )
            }
            if version < 1 { try exec(Self.schemaV1) }
            if version < 2 { try exec(Self.schemaV2) }
            if version < 3 { try exec(Self.schemaV3) }
            if version < 4 { try exec(Self.schemaV4) }
        }
    }

    private func userVersion() throws -> Int {
        try query("PRAGMA user_version") { Int(sqlite3_column_int64($0, 0)) }.first ?? 0
    }

    private static let schemaV1 = """
        CREATE TABLE runs(
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          scenario TEXT NOT NULL, profile TEXT NOT NULL,
          config_json TEXT NOT NULL, config_hash TEXT NOT NULL, seed INTEGER NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('running','ok','failed','interrupted','crashed')),
          error TEXT,
          started_at TEXT NOT NULL, ended_at TEXT,
          wall_seconds REAL, cpu_seconds REAL, peak_rss_mb REAL, pid INTEGER,
          git_commit TEXT, git_dirty INTEGER,
          swift_version TEXT, openblas TEXT, blas_threads INTEGER, cpu_model TEXT, cores INTEGER, os TEXT);
        CREATE INDEX runs_by_scenario ON runs(scenario, profile, id);
        CREATE TABLE points(
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          series TEXT NOT NULL, seq INTEGER NOT NULL, x REAL NOT NULL,
          y REAL, nonfinite TEXT CHECK (nonfinite IN ('nan','inf','-inf')),
          PRIMARY KEY (run_id, series, seq));
        CREATE TABLE metrics(
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          name TEXT NOT NULL, value REAL, nonfinite TEXT CHECK (nonfinite IN ('nan','inf','-inf')),
          PRIMARY KEY (run_id, name));
        CREATE TABLE claims(
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          claim_id TEXT NOT NULL, statement TEXT NOT NULL, measured TEXT NOT NULL, threshold TEXT NOT NULL,
          paper_value TEXT, paper_source TEXT,
          verdict TEXT NOT NULL CHECK (verdict IN ('pass','fail','n/a')),
          PRIMARY KEY (run_id, claim_id));
        PRAGMA user_version = 1;
        """

    /// Version 2: the trial cache. A trial is found by its cache key (scenario, trial key,
    /// the trial's config hash, seed, code identity); its values are exact float64 bits.
    private static let schemaV2 = """
        ALTER TABLE runs ADD COLUMN code_id TEXT;
        ALTER TABLE runs ADD COLUMN trials_total INTEGER;
        ALTER TABLE runs ADD COLUMN trials_computed INTEGER;
        CREATE TABLE trials(
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          scenario TEXT NOT NULL, trial_key TEXT NOT NULL,
          config_json TEXT NOT NULL, config_hash TEXT NOT NULL, seed INTEGER NOT NULL, code_id TEXT NOT NULL,
          values_digest TEXT NOT NULL,
          started_at TEXT NOT NULL, wall_seconds REAL NOT NULL, cpu_seconds REAL NOT NULL, peak_rss_mb REAL NOT NULL,
          blas_threads INTEGER NOT NULL, openblas TEXT NOT NULL, pid INTEGER NOT NULL);
        CREATE INDEX trials_by_cache_key ON trials(scenario, trial_key, config_hash, seed, code_id, id);
        CREATE TABLE trial_values(
          trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
          name TEXT NOT NULL, data BLOB NOT NULL,
          PRIMARY KEY (trial_id, name));
        CREATE TABLE run_trials(
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          trial_id INTEGER NOT NULL REFERENCES trials(id),
          PRIMARY KEY (run_id, trial_id));
        PRAGMA user_version = 2;
        """

    /// Version 3: a metric that aggregates independent units carries its 95% interval and their
    /// number. Verdicts are no longer stored: they are judged when shown, from the metrics and the
    /// claims file as it is then, so the table of frozen verdicts goes.
    private static let schemaV3 = """
        ALTER TABLE metrics ADD COLUMN low REAL;
        ALTER TABLE metrics ADD COLUMN high REAL;
        ALTER TABLE metrics ADD COLUMN units INTEGER;
        DROP TABLE claims;
        PRAGMA user_version = 3;
        """

    /// Version 4: the method that computed a metric's interval (its coverage decides whether the
    /// interval may judge a claim) and the number of groups its units came in. Metrics stored before
    /// have NULL: an interval without a method was a percentile bootstrap.
    private static let schemaV4 = """
        ALTER TABLE metrics ADD COLUMN method TEXT;
        ALTER TABLE metrics ADD COLUMN groups INTEGER;
        PRAGMA user_version = 4;
        """

    /// Runs left 'running' by a process that no longer exists died without saying so (kill -9, power loss).
    private func markCrashedRuns() throws {
        let stale = try query("SELECT id, pid FROM runs WHERE status = 'running'") {
            (sqlite3_column_int64($0, 0), Int32(sqlite3_column_int64($0, 1)))
        }
        for (id, pid) in stale where kill(pid, 0) != 0 && errno == ESRCH {
            try exec(
                "UPDATE runs SET status = 'crashed', error = 'process ended without finishing the run' WHERE id = ?",
                [.int(id)])
        }
    }

    // MARK: Writing runs

    public func beginRun(
        scenario: String, profile: Profile, config: Config, seed: UInt64, codeID: String,
        provenance: Provenance
    ) throws -> Int64 {
        try exec(
            """
            INSERT INTO runs(scenario, profile, config_json, config_hash, seed, status, started_at, pid,
                             git_commit, git_dirty, swift_version, openblas, blas_threads, cpu_model, cores, os, \
                             code_id)
            VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(scenario), .text(profile.rawValue), .text(config.canonicalJSON), .text(config.hash),
                .int(Int64(bitPattern: seed)),
                .text(Provenance.timestamp()), .int(Int64(getpid())), .text(provenance.gitCommit),
                .int(provenance.gitDirty ? 1 : 0),
                .text(provenance.swiftVersion), .text(provenance.openblas), .int(Int64(provenance.blasThreads)),
                .text(provenance.cpuModel), .int(Int64(provenance.cores)), .text(provenance.os), .text(codeID),
            ])
        return sqlite3_last_insert_rowid(db)
    }

    /// Writes a run's data, the trials it was aggregated from, and its final status in one transaction.
    public func finishRun(
        _ id: Int64, status: RunStatus, error: String?, usage: Provenance.Usage,
        trials: (ids: [Int64], computed: Int)? = nil,
        series: [String: [(x: Double, y: Double)]], metrics: [String: Estimate]
    ) throws {
        try transaction {
            if let trials {
                for t in trials.ids {
                    try exec("INSERT OR IGNORE INTO run_trials(run_id, trial_id) VALUES (?, ?)", [.int(id), .int(t)])
                }
                try exec(
                    "UPDATE runs SET trials_total = ?, trials_computed = ? WHERE id = ?",
                    [.int(Int64(trials.ids.count)), .int(Int64(trials.computed)), .int(id)])
            }
            let insertPoint = try prepare(
                "INSERT INTO points(run_id, series, seq, x, y, nonfinite) VALUES (?, ?, ?, ?, ?, ?)")
            defer { sqlite3_finalize(insertPoint) }
            for name in series.keys.sorted() {
                for (i, p) in series[name]!.enumerated() {
                    try run(
                        insertPoint,
                        [.int(id), .text(name), .int(Int64(i)), .real(p.x), Value.finite(p.y), Value.nonfinite(p.y)])
                }
            }
            for (name, e) in metrics {
                try exec(
                    """
                    INSERT INTO metrics(run_id, name, value, nonfinite, low, high, units, method, groups)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .int(id), .text(name), Value.finite(e.value), Value.nonfinite(e.value),
                        e.interval.map { .real($0.lowerBound) } ?? .null,
                        e.interval.map { .real($0.upperBound) } ?? .null,
                        e.units.map { .int(Int64($0)) } ?? .null, e.method.map { .text($0.rawValue) } ?? .null,
                        e.groups.map { .int(Int64($0)) } ?? .null,
                    ])
            }
            try exec(
                """
                UPDATE runs SET status = ?, error = ?, ended_at = ?, wall_seconds = ?, cpu_seconds = ?, peak_rss_mb = \
                ? WHERE id = ?
                """,
                [
                    .text(status.rawValue), error.map(Value.text) ?? .null, .text(Provenance.timestamp()),
                    .real(usage.wallSeconds),
                    .real(usage.cpuSeconds), .real(usage.peakRSSMegabytes), .int(id),
                ])
        }
    }

    public func deleteRun(_ id: Int64) throws { try exec("DELETE FROM runs WHERE id = ?", [.int(id)]) }

    // MARK: The trial cache

    /// What identifies a trial's result: the same key never holds different science.
    /// What a cached trial must match to be reused. The OpenBLAS build and kernel set is part of it:
    /// kernels round differently, so a trial computed on another kernel is not the same result (a
    /// baseline's golden values must come from trials of the kernel it records).
    public struct TrialKey: Sendable, Hashable {
        public let scenario: String, trial: String, configHash: String, seed: UInt64, codeID: String
        public let openblas: String
        public init(
            scenario: String, trial: String, configHash: String, seed: UInt64, codeID: String,
            openblas: String = BLASInfo.config.trimmingCharacters(in: .whitespaces)
        ) {
            (self.scenario, self.trial, self.configHash, self.seed, self.codeID) = (
                scenario, trial, configHash, seed, codeID
            )
            self.openblas = openblas
        }
        var values: [Value] {
            [
                .text(scenario), .text(trial), .text(configHash), .int(Int64(bitPattern: seed)), .text(codeID),
                .text(openblas),
            ]
        }
    }

    /// The newest stored trial with this cache key, if any.
    public func cachedTrial(_ key: TrialKey) throws -> Int64? {
        try query(
            """
            SELECT id FROM trials WHERE scenario = ? AND trial_key = ? AND config_hash = ? AND seed = ? AND code_id = ?
              AND openblas = ?
            ORDER BY id DESC LIMIT 1
            """, key.values
        ) { sqlite3_column_int64($0, 0) }.first
    }

    /// Stores a finished trial and its values in one transaction and returns its id. Unless
    /// `replacing`, a trial already stored under the same key (another process finished it
    /// first) is kept and its id returned: a trial is never counted twice.
    @discardableResult
    public func storeTrial(
        _ key: TrialKey, configJSON: String, values: TrialValues, usage: Provenance.Usage, startedAt: String,
        blasThreads: Int, pid: Int32, replacing: Bool = false
    ) throws -> Int64 {
        var id: Int64 = 0
        try transaction {
            if !replacing, let existing = try cachedTrial(key) { id = existing; return }
            try exec(
                """
                INSERT INTO trials(scenario, trial_key, config_json, config_hash, seed, code_id, values_digest,
                                   started_at, wall_seconds, cpu_seconds, peak_rss_mb, blas_threads, openblas, pid)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(key.scenario), .text(key.trial), .text(configJSON), .text(key.configHash),
                    .int(Int64(bitPattern: key.seed)),
                    .text(key.codeID), .text(values.digest), .text(startedAt), .real(usage.wallSeconds),
                    .real(usage.cpuSeconds),
                    .real(usage.peakRSSMegabytes), .int(Int64(blasThreads)), .text(key.openblas), .int(Int64(pid)),
                ])
            id = sqlite3_last_insert_rowid(db)
            let insert = try prepare("INSERT INTO trial_values(trial_id, name, data) VALUES (?, ?, ?)")
            defer { sqlite3_finalize(insert) }
            for name in values.values.keys.sorted() {
                try run(insert, [.int(id), .text(name), .blob(Self.encode(values.values[name]!))])
            }
        }
        return id
    }

    public func trialValues(_ id: Int64) throws -> TrialValues {
        TrialValues(
            Dictionary(
                uniqueKeysWithValues: try query("SELECT name, data FROM trial_values WHERE trial_id = ?", [.int(id)]) {
                    s in
                    (String(cString: sqlite3_column_text(s, 0)), Self.decode(s, column: 1))
                }))
    }

    public struct TrialRecord: Sendable {
        public let id: Int64, key: TrialKey, wallSeconds: Double, cpuSeconds: Double, peakRSSMegabytes: Double,
            blasThreads: Int
    }

    /// Stored trials of a scenario, oldest first.
    public func trials(scenario: String? = nil) throws -> [TrialRecord] {
        try query(
            """
            SELECT id, scenario, trial_key, config_hash, seed, code_id, wall_seconds, cpu_seconds, peak_rss_mb,
                   blas_threads, openblas
            FROM trials WHERE (?1 IS NULL OR scenario = ?1) ORDER BY id
            """, [scenario.map(Value.text) ?? .null]
        ) { s in
            TrialRecord(
                id: sqlite3_column_int64(s, 0),
                key: Self.trialKey(s, openblas: 10),
                wallSeconds: sqlite3_column_double(s, 6), cpuSeconds: sqlite3_column_double(s, 7),
                peakRSSMegabytes: sqlite3_column_double(s, 8), blasThreads: Int(sqlite3_column_int64(s, 9)))
        }
    }

    /// The largest peak resident set among these trials (0 for none): a run's share of its workers' memory.
    public func peakRSSMegabytes(ofTrials ids: [Int64]) throws -> Double {
        guard !ids.isEmpty else { return 0 }
        return try query(
            "SELECT max(peak_rss_mb) FROM trials WHERE id IN (\(ids.map(String.init).joined(separator: ",")))"
        ) {
            sqlite3_column_double($0, 0)
        }.first ?? 0
    }

    /// Float64 values as their little-endian bit patterns: exact, NaN and infinities included.
    static func encode(_ xs: [Double]) -> Data {
        var d = Data(capacity: 8 * xs.count)
        for x in xs { withUnsafeBytes(of: x.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        return d
    }

    /// A trial's cache key from a row whose columns 1-5 are scenario, trial key, config hash, seed and code
    /// identity, and `openblas` the column of the kernel.
    static func trialKey(_ s: OpaquePointer, openblas: Int32) -> TrialKey {
        TrialKey(
            scenario: String(cString: sqlite3_column_text(s, 1)), trial: String(cString: sqlite3_column_text(s, 2)),
            configHash: String(cString: sqlite3_column_text(s, 3)),
            seed: UInt64(bitPattern: sqlite3_column_int64(s, 4)), codeID: String(cString: sqlite3_column_text(s, 5)),
            openblas: String(cString: sqlite3_column_text(s, openblas)))
    }

    private static func decode(_ s: OpaquePointer, column: Int32) -> [Double] {
        let n = Int(sqlite3_column_bytes(s, column)) / 8
        guard n > 0, let p = sqlite3_column_blob(s, column) else { return [] }
        let raw = UnsafeRawBufferPointer(start: p, count: 8 * n)
        return (0..<n).map {
            Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))
        }
    }

    // MARK: Reading runs

    /// Where a run stands, as the `runs.status` column holds it (its CHECK constraint lists the same values).
    public enum RunStatus: String, Codable, Sendable {
        /// Started and not finished: its process is alive, or it ended without saying (then it becomes `crashed`
        /// when the store is next opened).
        case running
        case ok, failed, interrupted, crashed
    }

    public struct RunRecord: Sendable {
        public let id: Int64, scenario: String, profile: Profile, seed: UInt64, status: RunStatus
        public let configJSON: String, configHash: String
        public let startedAt: String, endedAt: String?
        public let wallSeconds: Double?, cpuSeconds: Double?, peakRSSMegabytes: Double?
        public let gitCommit: String?, gitDirty: Bool
        public let swiftVersion: String?, openblas: String?, blasThreads: Int, cpuModel: String?, cores: Int
        public let error: String?
        /// The code identity the run's trials were computed with, and how many of them this run computed (the rest came
        /// from the cache).
        public let codeID: String?, trialsTotal: Int?, trialsComputed: Int?
    }

    private static let runColumns = """
        id, scenario, profile, seed, status, config_json, config_hash, started_at, ended_at, wall_seconds, cpu_seconds,
        peak_rss_mb, git_commit, git_dirty, swift_version, openblas, blas_threads, cpu_model, cores, error,
        code_id, trials_total, trials_computed
        """

    /// A run's row. A profile or status this code does not know (a store written by other code) is an error that
    /// names the run, not a crash.
    private static func record(_ s: OpaquePointer) throws -> RunRecord {
        func text(_ i: Int32) -> String? {
            sqlite3_column_type(s, i) == SQLITE_NULL ? nil : String(cString: sqlite3_column_text(s, i))
        }
        func real(_ i: Int32) -> Double? {
            sqlite3_column_type(s, i) == SQLITE_NULL ? nil : sqlite3_column_double(s, i)
        }
        let id = sqlite3_column_int64(s, 0)
        guard let profile = Profile(rawValue: text(2)!), let status = RunStatus(rawValue: text(4)!) else {
            throw SuiteError.store(
                "run \(id) has profile '\(text(2)!)' and status '\(text(4)!)', not one of this code's")
        }
        return RunRecord(
            id: id, scenario: text(1)!, profile: profile,
            seed: UInt64(bitPattern: sqlite3_column_int64(s, 3)), status: status,
            configJSON: text(5)!,
            configHash: text(6)!, startedAt: text(7)!, endedAt: text(8), wallSeconds: real(9), cpuSeconds: real(10),
            peakRSSMegabytes: real(11), gitCommit: text(12), gitDirty: sqlite3_column_int64(s, 13) != 0,
            swiftVersion: text(14), openblas: text(15), blasThreads: Int(sqlite3_column_int64(s, 16)),
            cpuModel: text(17), cores: Int(sqlite3_column_int64(s, 18)), error: text(19),
            codeID: text(20), trialsTotal: real(21).map { Int($0) }, trialsComputed: real(22).map { Int($0) })
    }

    public func run(_ id: Int64) throws -> RunRecord? {
        try query("SELECT \(Self.runColumns) FROM runs WHERE id = ?", [.int(id)], Self.record).first
    }

    /// Runs of a scenario (and profile), newest first.
    public func runs(
        scenario: String? = nil, profile: Profile? = nil, status: RunStatus? = nil, limit: Int = 1000
    ) throws -> [RunRecord] {
        try query(
            """
            SELECT \(Self.runColumns) FROM runs
            WHERE (?1 IS NULL OR scenario = ?1) AND (?2 IS NULL OR profile = ?2) AND (?3 IS NULL OR status = ?3)
            ORDER BY id DESC LIMIT ?4
            """,
            [
                scenario.map(Value.text) ?? .null, profile.map { .text($0.rawValue) } ?? .null,
                status.map { .text($0.rawValue) } ?? .null,
                .int(Int64(limit)),
            ],
            Self.record)
    }

    public func latestRun(scenario: String, profile: Profile) throws -> RunRecord? {
        try runs(scenario: scenario, profile: profile, status: .ok, limit: 1).first
    }

    /// A run's series, with non-finite values restored from their flag.
    public func series(_ runID: Int64) throws -> [String: [(x: Double, y: Double)]] {
        var out: [String: [(x: Double, y: Double)]] = [:]
        let rows = try query(
            "SELECT series, x, y, nonfinite FROM points WHERE run_id = ? ORDER BY series, seq", [.int(runID)]
        ) { s in
            (
                String(cString: sqlite3_column_text(s, 0)), sqlite3_column_double(s, 1),
                Self.restore(s, value: 2, flag: 3)
            )
        }
        for (name, x, y) in rows { out[name, default: []].append((x, y)) }
        return out
    }

    /// The distinct OpenBLAS builds and kernels a run's trials computed with.
    public func openblasKernels(ofRun runID: Int64) throws -> [String] {
        try query(
            """
            SELECT DISTINCT t.openblas FROM run_trials r JOIN trials t ON t.id = r.trial_id WHERE r.run_id = ? ORDER \
            BY t.openblas
            """, [.int(runID)]
        ) { String(cString: sqlite3_column_text($0, 0)) }
    }

    /// When the oldest trial a run was aggregated from was computed (registration compares claims with it).
    public func oldestTrialTime(ofRun runID: Int64) throws -> Date? {
        try trialTimes(ofRun: runID).oldest.flatMap { ISO8601DateFormatter().date(from: $0) }
    }

    /// When the oldest and the newest trial of a run were computed (ISO 8601, UTC), nil without trials.
    public func trialTimes(ofRun runID: Int64) throws -> (oldest: String?, newest: String?) {
        let sql = """
            SELECT min(t.started_at), max(t.started_at)
            FROM run_trials r JOIN trials t ON t.id = r.trial_id WHERE r.run_id = ?
            """
        return try query(sql, [.int(runID)]) { s in
            func text(_ i: Int32) -> String? {
                sqlite3_column_type(s, i) == SQLITE_NULL ? nil : String(cString: sqlite3_column_text(s, i))
            }
            return (text(0), text(1))
        }.first ?? (nil, nil)
    }

    /// A run's metrics, with non-finite values restored from their flag. Interval bounds are stored
    /// as they are: SQLite keeps an infinite REAL (an interval the units could not bound).
    public func metrics(_ runID: Int64) throws -> [String: Estimate] {
        let sql = "SELECT name, value, nonfinite, low, high, units, method, groups FROM metrics WHERE run_id = ?"
        return Dictionary(
            uniqueKeysWithValues: try query(sql, [.int(runID)]) { s in
                let interval =
                    sqlite3_column_type(s, 3) == SQLITE_NULL
                    ? nil : sqlite3_column_double(s, 3)...sqlite3_column_double(s, 4)
                func int(_ i: Int32) -> Int? {
                    sqlite3_column_type(s, i) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(s, i))
                }
                let method =
                    sqlite3_column_type(s, 6) == SQLITE_NULL
                    ? nil
                    : IntervalMethod(rawValue: String(cString: sqlite3_column_text(s, 6)))
                return (
                    String(cString: sqlite3_column_text(s, 0)),
                    Estimate(
                        Self.restore(s, value: 1, flag: 2), interval: interval, units: int(5), method: method,
                        groups: int(7))
                )
            })
    }

    private static func restore(_ s: OpaquePointer, value: Int32, flag: Int32) -> Double {
        guard sqlite3_column_type(s, flag) != SQLITE_NULL else { return sqlite3_column_double(s, value) }
        switch String(cString: sqlite3_column_text(s, flag)) {
        case "inf": return .infinity
        case "-inf": return -.infinity
        default: return .nan
        }
    }

    // MARK: SQLite plumbing

    enum Value {
        case int(Int64), real(Double), text(String), blob(Data), null
        /// SQLite would store NaN as NULL silently: non-finite values go to NULL with an explicit flag.
        static func finite(_ x: Double) -> Value { x.isFinite ? .real(x) : .null }
        static func nonfinite(_ x: Double) -> Value {
            x.isNaN ? .text("nan") : x.isInfinite ? .text(x > 0 ? "inf" : "-inf") : .null
        }
    }

    func error(_ what: String) -> SuiteError {
        let code = sqlite3_errcode(db), msg = String(cString: sqlite3_errmsg(db))
        switch code {
        case SQLITE_BUSY, SQLITE_LOCKED:
            lastErrorWasBusy = true
            return .store("\(path) is locked by another process (waited \(fmt(busyTimeout)) s): \(msg)")
        case SQLITE_NOTADB, SQLITE_CORRUPT:
            return .store(
                "\(path) is not a valid reprise database (\(msg)); it was left untouched: move it away or pass --db")
        case SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM:
            return .store("\(path) cannot be written (\(msg))")
        default:
            return .store("\(what): \(msg)")
        }
    }

    func prepare(_ sql: String) throws -> OpaquePointer {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else { throw error("prepare") }
        return stmt
    }

    func bind(_ stmt: OpaquePointer, _ values: [Value]) {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)  // SQLITE_TRANSIENT: SQLite copies the text
        for (i, v) in values.enumerated() {
            let k = Int32(i + 1)
            switch v {
            case let .int(x): sqlite3_bind_int64(stmt, k, x)
            case let .real(x): sqlite3_bind_double(stmt, k, x)
            case let .text(x): sqlite3_bind_text(stmt, k, x, -1, transient)
            case let .blob(x) where x.isEmpty: sqlite3_bind_zeroblob(stmt, k, 0)
            case let .blob(x):
                _ = x.withUnsafeBytes { sqlite3_bind_blob(stmt, k, $0.baseAddress, Int32($0.count), transient) }
            case .null: sqlite3_bind_null(stmt, k)
            }
        }
    }

    func run(_ stmt: OpaquePointer, _ values: [Value]) throws {
        bind(stmt, values)
        guard sqlite3_step(stmt) == SQLITE_DONE else { throw error("write") }
    }

    /// Executes one or more statements; with values, a single parameterized statement.
    func exec(_ sql: String, _ values: [Value] = []) throws {
        if values.isEmpty {
            guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw error("exec") }
            return
        }
        let stmt = try prepare(sql)
        defer { sqlite3_finalize(stmt) }
        try run(stmt, values)
    }

    func query<R>(_ sql: String, _ values: [Value] = [], _ row: (OpaquePointer) throws -> R) throws -> [R] {
        let stmt = try prepare(sql)
        defer { sqlite3_finalize(stmt) }
        bind(stmt, values)
        var out: [R] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_ROW {
                out.append(try row(stmt))
                continue
            }
            if rc == SQLITE_DONE { return out }
            throw error("read")
        }
    }

    /// BEGIN IMMEDIATE takes the write lock up front, so a busy store waits at the start instead of failing mid-run.
    func transaction(_ body: () throws -> Void) throws {
        try exec("BEGIN IMMEDIATE")
        do {
            try body()
            try exec("COMMIT")
        } catch {
            _ = sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }
}

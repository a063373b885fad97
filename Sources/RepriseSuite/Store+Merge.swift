import CSQLite
import Foundation

extension Store {
    /// What a merge did. A conflict is a trial stored in both stores under the same cache key
    /// with different values (the same binary on another CPU model runs other OpenBLAS kernels,
    /// which can round differently; each trial records its kernel in `openblas`): the
    /// target's trial is kept and the conflict is reported, never silently resolved.
    public struct MergeReport: Sendable {
        public var trialsAdded = 0, trialsKnown = 0, runsAdded = 0, runsKnown = 0
        public var conflicts: [String] = []
    }

    /// Copies another store's trials and finished runs (with their series, metrics and
    /// trial links) into this one, in one transaction. Idempotent: a trial already here with the
    /// same key and values, or a run already here (same scenario, profile, config, seed, start
    /// time and pid), is not copied again. The source is validated first and never written.
    public func merge(from sourcePath: String) throws -> MergeReport {
        _ = try Store(path: sourcePath, readOnly: true)  // schema version and readability, before anything is written
        try exec("ATTACH DATABASE ? AS src", [.text(sourcePath)])
        defer { _ = sqlite3_exec(db, "DETACH DATABASE src", nil, nil, nil) }
        var report = MergeReport()
        try transaction {
            var trialIDs: [Int64: Int64] = [:]  // source id → id here
            let trials = try query(
                """
                SELECT id, scenario, trial_key, config_hash, seed, code_id, values_digest, openblas
                FROM src.trials ORDER BY id
                """
            ) { s in
                (
                    id: sqlite3_column_int64(s, 0),
                    key: Store.trialKey(s, openblas: 7),
                    digest: String(cString: sqlite3_column_text(s, 6))
                )
            }
            for t in trials {
                let here = try query(
                    """
                    SELECT id, values_digest FROM main.trials
                    WHERE scenario = ? AND trial_key = ? AND config_hash = ? AND seed = ? AND code_id = ? AND \
                    openblas = ?
                    ORDER BY id
                    """, t.key.values
                ) { (id: sqlite3_column_int64($0, 0), digest: String(cString: sqlite3_column_text($0, 1))) }
                if let same = here.first(where: { $0.digest == t.digest }) {
                    trialIDs[t.id] = same.id
                    report.trialsKnown += 1
                } else if let other = here.first {
                    report.conflicts.append(
                        "\(t.key.scenario) trial \(t.key.trial) (seed \(t.key.seed), code \(t.key.codeID)): "
                            + "values \(t.digest) in \(sourcePath), \(other.digest) here; kept this store's")
                } else {
                    try exec(
                        """
                        INSERT INTO main.trials(scenario, trial_key, config_json, config_hash, seed, code_id, \
                        values_digest,
                                                started_at, wall_seconds, cpu_seconds, peak_rss_mb, blas_threads, \
                                                openblas, pid)
                        SELECT scenario, trial_key, config_json, config_hash, seed, code_id, values_digest,
                               started_at, wall_seconds, cpu_seconds, peak_rss_mb, blas_threads, openblas, pid FROM \
                               src.trials WHERE id = ?
                        """, [.int(t.id)])
                    let id = sqlite3_last_insert_rowid(db)
                    try exec(
                        "INSERT INTO main.trial_values(trial_id, name, data) SELECT ?, name, data FROM "
                            + "src.trial_values WHERE trial_id = ?",
                        [.int(id), .int(t.id)])
                    trialIDs[t.id] = id
                    report.trialsAdded += 1
                }
            }
            let runColumns = """
                scenario, profile, config_json, config_hash, seed, status, error, started_at, ended_at, wall_seconds, \
                cpu_seconds,
                peak_rss_mb, pid, git_commit, git_dirty, swift_version, openblas, blas_threads, cpu_model, cores, os,
                code_id, trials_total, trials_computed
                """
            let runs = try query("SELECT id FROM src.runs WHERE status != 'running' ORDER BY id") {
                sqlite3_column_int64($0, 0)
            }
            for run in runs {
                let known =
                    try query(
                        """
                        SELECT count(*) FROM main.runs m JOIN src.runs s ON s.id = ? AND m.scenario = s.scenario AND \
                        m.profile = s.profile
                          AND m.config_hash = s.config_hash AND m.seed = s.seed AND m.started_at = s.started_at AND \
                          m.pid IS s.pid
                        """, [.int(run)]
                    ) { sqlite3_column_int64($0, 0) }.first ?? 0
                if known > 0 { report.runsKnown += 1; continue }
                try exec(
                    "INSERT INTO main.runs(\(runColumns)) SELECT \(runColumns) FROM src.runs WHERE id = ?", [.int(run)])
                let id = sqlite3_last_insert_rowid(db)
                try exec(
                    "INSERT INTO main.points SELECT ?, series, seq, x, y, nonfinite FROM src.points WHERE run_id = ?",
                    [.int(id), .int(run)])
                try exec(
                    """
                    INSERT INTO main.metrics SELECT ?, name, value, nonfinite, low, high, units, method, groups
                      FROM src.metrics WHERE run_id = ?
                    """, [.int(id), .int(run)])
                for t in try query(
                    "SELECT trial_id FROM src.run_trials WHERE run_id = ?", [.int(run)], { sqlite3_column_int64($0, 0) }
                ) {
                    if let here = trialIDs[t] {
                        try exec("INSERT OR IGNORE INTO main.run_trials VALUES (?, ?)", [.int(id), .int(here)])
                    }
                }
                report.runsAdded += 1
            }
        }
        return report
    }
}

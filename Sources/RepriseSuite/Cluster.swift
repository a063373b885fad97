import Foundation

/// One of n parts of a sweep: `--shard i/n`, i counted from 0 like a Slurm array task id.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int, count: Int

    public init(_ text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw SuiteError.badConfig("--shard \(text): expected i/n, e.g. 0/4")
        }
        guard n >= 1, (0..<n).contains(i) else {
            throw SuiteError.badConfig(
                "--shard \(text): need n >= 1 and 0 <= i < n (i counts from 0, like $SLURM_ARRAY_TASK_ID)")
        }
        (index, count) = (i, n)
    }

    public var description: String { "\(index)/\(count)" }

    /// Assigns trials to `count` shards: longest processing time first (greedy on the cost
    /// estimates, ties by key, so every array task computes the same assignment), each
    /// scenario's costs normalized to its total, loads carried across scenarios so that
    /// `--all` spreads every scenario's largest trials over different shards.
    public static func assign(_ scenarios: [(id: String, trials: [Trial])], count: Int) -> [String: [Int: Set<String>]]
    {
        var load = [Double](repeating: 0, count: count)
        var out: [String: [Int: Set<String>]] = [:]
        for (id, trials) in scenarios {
            let total = max(trials.reduce(0) { $0 + $1.cost }, .leastNormalMagnitude)
            for t in trials.sorted(by: { ($0.cost, $1.key) > ($1.cost, $0.key) }) {
                let shard = load.indices.min { (load[$0], $0) < (load[$1], $1) }!
                load[shard] += t.cost / total
                out[id, default: [:]][shard, default: []].insert(t.key)
            }
        }
        return out
    }
}

/// A Slurm job array for a sweep: one shard per array task, each into its own store file
/// (one SQLite file on a network filesystem must not take concurrent writers), and a job
/// that starts after every task succeeded (`afterok`) to merge the shard stores and
/// aggregate. Plain sbatch scripts, written to `directory` and readable before submission.
public struct SlurmJob: Sendable {
    public let scenarios: [String]  // one id, or every id for `--all`
    public let all: Bool
    public let profile: Profile, seed: UInt64?, overrides: [String]
    public let tasks: Int, cpusPerTask: Int
    public let partition: String?, time: String?
    public let directory: URL, target: String, executable: String, root: URL

    public init(
        scenarios: [String], all: Bool, profile: Profile, seed: UInt64?, overrides: [String], tasks: Int,
        cpusPerTask: Int,
        partition: String?, time: String?, directory: URL, target: String, executable: String, root: URL
    ) {
        (self.scenarios, self.all, self.profile, self.seed, self.overrides) = (scenarios, all, profile, seed, overrides)
        (self.tasks, self.cpusPerTask, self.partition, self.time) = (tasks, cpusPerTask, partition, time)
        (self.directory, self.target, self.executable, self.root) = (directory, target, executable, root)
    }

    var shardStore: String { directory.appendingPathComponent("shard-${SLURM_ARRAY_TASK_ID}.sqlite").path }

    /// The arguments that select the work: the same for the shards and the aggregate.
    var selection: [String] {
        (all ? ["--all"] : [scenarios[0]]) + ["--profile", profile.rawValue]
            + (seed.map { ["--seed", String($0)] } ?? [])
            + overrides.flatMap { ["--set", $0] }
    }

    /// sbatch reads #SBATCH lines only up to the first command: every directive goes here.
    func header(_ name: String, output: String, extra: [String] = []) -> [String] {
        [
            "#!/bin/bash", "#SBATCH --job-name=\(name)", "#SBATCH --output=\(output)",
            "#SBATCH --cpus-per-task=\(cpusPerTask)",
        ]
            + (partition.map { ["#SBATCH --partition=\($0)"] } ?? []) + (time.map { ["#SBATCH --time=\($0)"] } ?? [])
            + extra.map { "#SBATCH \($0)" }
            + ["set -euo pipefail", "export REPRISE_ROOT=\(quote(root.path))", "cd \"$REPRISE_ROOT\""]
    }

    public var shardsScript: String {
        (header(
            "reprise-\(all ? "all" : scenarios[0])-shards",
            output: directory.appendingPathComponent("logs/shard-%a.out").path,
            extra: ["--array=0-\(tasks - 1)"])
            + [
                "# Array task i computes shard i of \(tasks) (the trials the cache does not hold yet) into its own "
                    + "store.",
                ([executable, "run"] + selection + [
                    "--shard", "${SLURM_ARRAY_TASK_ID}/\(tasks)", "--jobs", "${SLURM_CPUS_PER_TASK:-1}",
                    "--quiet", "--db",
                ]).map(quote).joined(separator: " ") + " " + quote(shardStore),
            ])
            .joined(separator: "\n") + "\n"
    }

    public var mergeScript: String {
        let shards = (0..<tasks).map { quote(directory.appendingPathComponent("shard-\($0).sqlite").path) }.joined(
            separator: " ")
        return
            (header(
                "reprise-\(all ? "all" : scenarios[0])-merge",
                output: directory.appendingPathComponent("logs/merge.out").path)
            + [
                "# After every shard succeeded: merge their stores, then aggregate (every trial is cached: nothing "
                    + "is recomputed).",
                ([executable, "merge"].map(quote) + [shards] + ["--into", quote(target)]).joined(separator: " "),
                ([executable, "run"] + selection + ["--jobs", "1", "--db", target]).map(quote).joined(separator: " "),
            ])
            .joined(separator: "\n") + "\n"
    }

    public var submitScript: String {
        """
        #!/bin/bash
        # Submits the shard array, then the merge job once every array task has succeeded.
        set -euo pipefail
        array=$(sbatch --parsable \(quote(directory.appendingPathComponent("shards.sbatch").path)))
        merge=$(sbatch --parsable --dependency=afterok:${array%%;*} \
        \(quote(directory.appendingPathComponent("merge.sbatch").path)))
        echo "$array $merge"

        """
    }

    /// Writes shards.sbatch, merge.sbatch and submit.sh into `directory`; returns their paths.
    public func write() throws -> [URL] {
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("logs"), withIntermediateDirectories: true)
        return try [("shards.sbatch", shardsScript), ("merge.sbatch", mergeScript), ("submit.sh", submitScript)].map {
            name, text in
            let url = directory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
            return url
        }
    }

    /// Submits through `sbatch` (found on PATH) and returns the array's and the merge job's ids.
    public func submit() throws -> (array: String, merge: String) {
        _ = try write()
        guard let out = shell(["bash", directory.appendingPathComponent("submit.sh").path]) else {
            throw SuiteError.tool(
                "sbatch failed or is not installed (Debian: slurm-client); the scripts are in \(directory.path)")
        }
        let ids = out.split(separator: " ").map(String.init)
        guard ids.count == 2 else { throw SuiteError.tool("unexpected sbatch output: \(out)") }
        return (ids[0], ids[1])
    }

    /// Single-quoted for bash, except the `${...}` expansions the array task needs.
    private func quote(_ s: String) -> String {
        s.contains("${")
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\""
            : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

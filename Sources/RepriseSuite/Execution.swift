import Foundation
import RepriseEngine

/// How a run's missing trials are computed. Results never depend on the choice:
/// a trial is a pure function of its key, config and seed.
public enum Execution: Sendable {
    /// One after another in this process: for tests and for the suite used as a library.
    case inProcess
    /// On worker processes of `executable` (the `reprise` binary, verb `worker`) using at most
    /// `jobs` cores: small nets train side by side, a trial declaring n threads takes n.
    case workers(executable: String, jobs: Int)

    /// The CLI's default: this process's own image, one worker per core. By pid, not by path:
    /// a rebuild that replaces the binary while a run is in progress cannot hand the workers
    /// other code than the run's code identity describes.
    public static func workers(jobs: Int) -> Execution {
        .workers(executable: "/proc/\(getpid())/exe", jobs: jobs)
    }
}

/// The identity of the code that computes trials: a digest of the executable that runs them.
///
/// A git commit would miss uncommitted edits, and commit + dirty flag would let two different
/// dirty trees share trials. The binary's bytes change with any change to the code that is
/// compiled in, the compiler or its flags, and nothing else (data files and Replications/ are in
/// the trials' configs instead), so a cached trial is reused exactly when the same program would run.
public enum CodeIdentity {
    public static func of(executable path: String) throws -> String {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw SuiteError.tool("cannot read \(path) to identify the code that computes trials")
        }
        var h = FNV1a()
        data.withUnsafeBytes { h.add($0) }
        return "bin-" + h.hex
    }

    /// The running process's own binary (its image, even if the file has been replaced since).
    public static func current() throws -> String { try of(executable: "/proc/self/exe") }
}

/// Per-trial and per-run resource use. CPU time is this process's since `start` plus that of
/// the children it reaped since; peak memory is reset at `start` (Linux clear_refs), so a long
/// `run --all` does not carry one scenario's peak into the next.
struct Meter {
    let start = Date()
    private let cpu0: Double

    init() {
        cpu0 = Self.cpu(RUSAGE_SELF) + Self.cpu(RUSAGE_CHILDREN)
        PeakMemory.reset()
    }

    /// `childPeakMB`: the largest peak of the trials computed by worker processes meanwhile.
    func usage(childPeakMB: Double = 0) -> Provenance.Usage {
        Provenance.Usage(
            wallSeconds: Date().timeIntervalSince(start),
            cpuSeconds: Self.cpu(RUSAGE_SELF) + Self.cpu(RUSAGE_CHILDREN) - cpu0,
            peakRSSMegabytes: max(Self.peakRSSMegabytes(), childPeakMB))
    }

    private static func cpu(_ who: __rusage_who) -> Double {
        var ru = rusage()
        getrusage(who.rawValue, &ru)
        return Double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + Double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6
    }

    /// VmHWM, else getrusage's lifetime peak.
    private static func peakRSSMegabytes() -> Double {
        if let bytes = PeakMemory.bytes() { return Double(bytes) / (1024 * 1024) }
        var ru = rusage()
        getrusage(RUSAGE_SELF.rawValue, &ru)
        return Double(ru.ru_maxrss) / 1024
    }
}

/// Runs trials on worker processes within `jobs` cores (a trial takes as many as its BLAS
/// threads), the most expensive first, each worker storing its trial in its own transaction
/// before it exits. On an interrupt it forwards SIGINT to the workers (a terminal's Ctrl-C
/// reaches them anyway), waits for them, and reports the interrupt; a failed trial stops
/// new launches, and its worker's last line of output becomes the run's error.
struct WorkerPool {
    let executable: String, jobs: Int

    struct Job { let trial: Trial; let arguments: [String] }

    /// Runs the jobs; the row id each worker reported storing, by trial key.
    func run(_ jobs: [Job], progress: TrialProgress) throws -> [String: Int64] {
        let logDir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "reprise-workers-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: logDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: logDir) }

        var queue = jobs.sorted { $0.trial.cost > $1.trial.cost }
        var running: [pid_t: (job: Job, log: String)] = [:]
        /// Cores a trial occupies; one wider than the budget runs alone.
        func cores(_ job: Job) -> Int { min(job.trial.blasThreads, self.jobs) }
        var failure: SuiteError?, forwarded = false, stored: [String: Int64] = [:]
        while true {
            let stopping = Interrupts.wasRequested || failure != nil
            if running.isEmpty && (stopping || queue.isEmpty) { break }
            if Interrupts.wasRequested && !forwarded {
                for pid in running.keys { kill(pid, SIGINT) }
                forwarded = true
            }
            // The most expensive trial that fits in the free cores.
            while !stopping,
                let next = queue.firstIndex(where: {
                    cores($0) <= self.jobs - running.values.reduce(0) { $0 + cores($1.job) }
                })
            {
                let job = queue.remove(at: next)
                let log = logDir.appendingPathComponent("\(UUID().uuidString).log").path
                running[try spawn(job.arguments, stdoutPath: log + ".out", stderrPath: log)] = (job, log)
                progress.started(job.trial)
            }
            var reaped = false
            for (pid, entry) in running {
                var status: Int32 = 0
                guard waitpid(pid, &status, WNOHANG) == pid else { continue }
                reaped = true
                running[pid] = nil
                let output = (try? String(contentsOfFile: entry.log, encoding: .utf8)) ?? ""
                let lines = output.split(separator: "\n").map(String.init)
                let exited = status & 0x7F == 0, code = (status >> 8) & 0xFF, signal = status & 0x7F
                let reported = ((try? String(contentsOfFile: entry.log + ".out", encoding: .utf8)) ?? "")
                    .split(separator: "\n").last { $0.hasPrefix(Execution.storedTrialPrefix) }
                    .flatMap { Int64($0.dropFirst(Execution.storedTrialPrefix.count)) }
                if exited && code == 0, let reported {
                    stored[entry.job.trial.key] = reported
                    progress.finished(entry.job.trial, notes: lines)
                } else if exited && code == 0 {
                    progress.abandoned(entry.job.trial, notes: lines)
                    failure =
                        failure
                        ?? .trialFailed(entry.job.trial.key, "its worker exited without reporting a stored trial")
                } else if Interrupts.wasRequested && ((exited && code == 130) || signal == SIGINT) {
                    progress.abandoned(entry.job.trial)
                } else {
                    progress.abandoned(entry.job.trial, notes: lines)
                    let how = exited ? "exit status \(code)" : "signal \(signal)"
                    let reason = Execution.failureReason(lines) ?? how
                    failure = failure ?? .trialFailed(entry.job.trial.key, reason)
                }
            }
            if !reaped { usleep(20_000); progress.tick() }
        }
        if Interrupts.wasRequested { throw SuiteError.interrupted }
        if let failure { throw failure }
        return stored
    }

    /// posix_spawn, so the worker is a fresh process of the same binary in our process group.
    private func spawn(_ arguments: [String], stdoutPath: String, stderrPath: String) throws -> pid_t {
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"  // OpenBLAS starts no idle threads; the trial sets the engine's own
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else {
            throw SuiteError.tool("cannot start worker \(executable): \(String(cString: strerror(rc)))")
        }
        return pid
    }
}

extension Execution {
    /// What a worker prints on standard output once its trial is stored: this, then the trial's row id.
    public static let storedTrialPrefix = "stored-trial "

    /// Why a worker failed, from its standard error: the message of its first fatal error (Swift prints
    /// "file:line: Fatal error: message", then a backtrace whose last line says how long it took), else
    /// the last line that is not part of a backtrace.
    public static func failureReason(_ lines: [String]) -> String? {
        if let fatal = lines.first(where: { $0.contains("Fatal error: ") }),
            let range = fatal.range(of: "Fatal error: ")
        {
            return String(fatal[range.upperBound...])
        }
        let backtrace = lines.firstIndex { $0.hasPrefix("*** ") || $0.hasPrefix("Thread ") }
        return Array(lines[..<(backtrace ?? lines.count)]).last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}

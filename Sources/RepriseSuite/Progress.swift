import Foundation
import Synchronization

/// Progress of a run's trials across all workers, on standard error: on a terminal
/// one live line (trials done, running, ETA from the trials' cost estimates),
/// otherwise one plain line per finished trial (logs, CI).
final class TrialProgress {
    private let label: String
    private let tty = isatty(STDERR_FILENO) != 0
    private let quiet: Bool
    private let start = Date()
    private let total: Int, cached: Int, totalCost: Double
    private var done = 0, doneCost = 0.0
    private var running: [String: Date] = [:]
    private var lastDraw = Date.distantPast

    init(label: String, pending: [Trial], cached: Int, quiet: Bool) {
        (self.label, self.quiet, self.cached) = (label, quiet, cached)
        total = pending.count
        totalCost = pending.reduce(0) { $0 + $1.cost }
        if !quiet && cached > 0 { say("\(cached) of \(cached + total) trials from the cache; computing \(total)") }
    }

    func started(_ trial: Trial) {
        running[trial.key] = Date()
        tick(force: true)
    }

    func finished(_ trial: Trial, notes: [String] = []) {
        let seconds = running.removeValue(forKey: trial.key).map { Date().timeIntervalSince($0) } ?? 0
        done += 1
        doneCost += trial.cost
        for n in notes { say("\(trial.key): \(n)", always: n.hasPrefix("warning")) }
        if !tty { say("trial \(trial.key) done in \(Self.duration(seconds)) (\(done)/\(total))") }
        tick(force: true)
    }

    /// A trial that ended without a result (interrupted or failed): its notes are shown, it is not counted.
    func abandoned(_ trial: Trial, notes: [String] = []) {
        running[trial.key] = nil
        for n in notes { say("\(trial.key): \(n)", always: true) }
    }

    func tick(force: Bool = false) {
        guard tty, !quiet, total > 0 else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) >= 0.5 else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let eta = doneCost > 0 ? Self.duration(elapsed * (totalCost / doneCost - 1)) : "?"
        let line =
            "[\(label)] trials \(done)/\(total), running \(running.keys.sorted().joined(separator: " ")); "
            + "elapsed \(Self.duration(elapsed)), ETA \(eta)"
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line.prefix(200)).utf8))
    }

    func finish() {
        if tty && !quiet { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func say(_ message: String, always: Bool = false) {
        guard !quiet || always else { return }
        FileHandle.standardError.write(Data(((tty ? "\r\u{1B}[K" : "") + "[\(label)] \(message)\n").utf8))
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}

/// Ctrl-C (SIGINT) and SIGTERM request a clean stop: the run in progress is
/// stored as 'interrupted' with what it measured so far. A second signal quits at once.
public enum Interrupts {
    private static let requested = Atomic<Bool>(false)

    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { sig in
            if Interrupts.requested.exchange(true, ordering: .relaxed) {
                signal(sig, SIG_DFL)
                raise(sig)
            }
            let msg = "\nreprise: interrupt received, saving what this run has measured (again to quit now)\n"
            _ = msg.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        // A parent may have started us with these blocked (the mask is inherited across exec): unblock them.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Throws `SuiteError.interrupted` once a stop was requested; long loops call it between steps.
    public static func checkpoint() throws {
        if requested.load(ordering: .relaxed) { throw SuiteError.interrupted }
    }

    public static var wasRequested: Bool { requested.load(ordering: .relaxed) }
}

import Foundation
import Synchronization

/// Live progress on a terminal (one rewritten line with an ETA), plain
/// periodic lines otherwise (logs, CI). Written to standard error.
final class Progress {
    private let label: String
    private let tty = isatty(STDERR_FILENO) != 0
    private let start = Date()
    private var lastPrint = Date.distantPast
    private let quiet: Bool

    init(label: String, quiet: Bool) { (self.label, self.quiet) = (label, quiet) }

    func update(_ done: Int, _ total: Int, _ what: String) {
        guard !quiet, total > 0 else { return }
        let now = Date(), elapsed = now.timeIntervalSince(start)
        let interval: TimeInterval = tty ? 0.2 : 15
        guard now.timeIntervalSince(lastPrint) >= interval || done == total else { return }
        lastPrint = now
        let frac = Double(done) / Double(total)
        let eta = done > 0 ? elapsed * (1 / frac - 1) : 0
        let line = String(format: "[%@] %@ %d/%d (%3.0f%%) elapsed %@ ETA %@", label, what, done, total, 100 * frac,
                          Self.duration(elapsed), Self.duration(eta))
        FileHandle.standardError.write(Data((tty ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    func note(_ message: String) {
        guard !quiet || message.hasPrefix("warning") else { return }
        FileHandle.standardError.write(Data(((tty ? "\r\u{1B}[K" : "") + "[\(label)] \(message)\n").utf8))
    }

    func finish() {
        if tty && !quiet { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
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
    }

    /// Throws `SuiteError.interrupted` once a stop was requested; long loops call it between steps.
    public static func checkpoint() throws {
        if requested.load(ordering: .relaxed) { throw SuiteError.interrupted }
    }

    public static var wasRequested: Bool { requested.load(ordering: .relaxed) }
}

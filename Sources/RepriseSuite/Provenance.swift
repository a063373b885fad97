import Foundation
import RepriseEngine

/// Where and with what a run was made: a machine fingerprint without the hostname.
public struct Provenance: Sendable {
    public let gitCommit: String, gitDirty: Bool
    public let swiftVersion: String, openblas: String, blasThreads: Int
    public let cpuModel: String, cores: Int, os: String

    public static func current(root: URL = Replication.root) -> Provenance {
        let commit = shell(["git", "-C", root.path, "rev-parse", "HEAD"]) ?? "unknown"
        let dirty = !(shell(["git", "-C", root.path, "status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown"
        return Provenance(
            gitCommit: commit, gitDirty: dirty, swiftVersion: compilerVersion,
            openblas: BLASInfo.config.trimmingCharacters(in: .whitespaces), blasThreads: Parallel.threads,
            cpuModel: cpu, cores: ProcessInfo.processInfo.activeProcessorCount,
            os: ProcessInfo.processInfo.operatingSystemVersionString)
    }

    /// The Swift compiler that built this binary.
    public static var compilerVersion: String {
        #if compiler(>=6.4)
            return "Swift >= 6.4"
        #elseif compiler(>=6.3)
            return "Swift 6.3"
        #elseif compiler(>=6.2)
            return "Swift 6.2"
        #elseif compiler(>=6.1)
            return "Swift 6.1"
        #else
            return "Swift 6.0"
        #endif
    }

    /// Wall and CPU time and the peak resident set of one trial or one run (measured by `Meter`).
    public struct Usage: Sendable {
        public let wallSeconds: Double, cpuSeconds: Double, peakRSSMegabytes: Double
        public init(wallSeconds: Double, cpuSeconds: Double, peakRSSMegabytes: Double) {
            (self.wallSeconds, self.cpuSeconds, self.peakRSSMegabytes) = (wallSeconds, cpuSeconds, peakRSSMegabytes)
        }
    }

    public static func timestamp(_ d: Date = Date()) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }
}

/// Runs a command and returns its trimmed standard output, or nil if it could not run or failed.
func shell(_ argv: [String], input: String? = nil) -> String? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

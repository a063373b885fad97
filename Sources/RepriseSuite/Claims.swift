import Foundation

/// A falsifiable statement from a paper, checked against measured metrics.
/// Its thresholds live in `claims.json` beside the paper's own value and source,
/// so the statement, the test and the citation are reviewed together.
public struct ClaimSpec: Codable, Sendable {
    public struct Check: Codable, Sendable {
        /// Metric name, as the scenario records it.
        public let metric: String
        /// One of <, <=, >, >=, between (value is [low, high], inclusive).
        public let op: String
        public let value: [Double]

        public init(metric: String, op: String, value: [Double]) { (self.metric, self.op, self.value) = (metric, op, value) }

        public func holds(_ x: Double) -> Bool {
            guard x.isFinite || op == ">" || op == ">=" else { return false }
            switch op {
            case "<": return x < value[0]
            case "<=": return x <= value[0]
            case ">": return x > value[0]
            case ">=": return x >= value[0]
            case "between": return x >= value[0] && x <= value[1]
            default: return false
            }
        }

        public var threshold: String {
            op == "between" ? "\(metric) in [\(fmt(value[0])), \(fmt(value[1]))]" : "\(metric) \(op) \(fmt(value[0]))"
        }
    }
    public struct PaperValue: Codable, Sendable {
        public let value: String, source: String
    }

    public let id: String
    public let statement: String
    public let checks: [Check]
    public let paper: PaperValue?
    /// Profiles at which the claim is expected to be decidable (default: all).
    public let profiles: [String]?

    public init(id: String, statement: String, checks: [Check], paper: PaperValue?, profiles: [String]?) {
        (self.id, self.statement, self.checks, self.paper, self.profiles) = (id, statement, checks, paper, profiles)
    }
}

public enum Verdict: String, Codable, Sendable {
    case pass, fail
    case notApplicable = "n/a"
}

/// A claim's outcome in one run.
public struct ClaimResult: Codable, Sendable {
    public let id: String, statement: String
    /// The measured values, "metric = value" joined by "; ".
    public let measured: String
    public let threshold: String
    public let paperValue: String?, paperSource: String?
    public let verdict: Verdict
}

extension ClaimSpec {
    /// Verdict from the metrics the run measured. Outside its profiles, or when the run did
    /// not measure one of its metrics (e.g. `--set variants=...` left a variant out), a claim is
    /// n/a: never a pass by default, and not a fail the run has no evidence for. A scenario that
    /// stops recording a metric still shows up, as a changed verdict against its baseline.
    public func evaluate(metrics: [String: Double], profile: String) -> ClaimResult {
        let measured = checks.map { c in "\(c.metric) = \(metrics[c.metric].map(fmt) ?? "not measured")" }.joined(separator: "; ")
        let threshold = checks.map(\.threshold).joined(separator: " and ")
        let values = checks.compactMap { metrics[$0.metric] }
        let verdict: Verdict
        if let ps = profiles, !ps.contains(profile) {
            verdict = .notApplicable
        } else if values.count < checks.count {
            verdict = .notApplicable
        } else {
            verdict = zip(checks, values).allSatisfy { $0.holds($1) } ? .pass : .fail
        }
        return ClaimResult(id: id, statement: statement, measured: measured, threshold: threshold,
                           paperValue: paper?.value, paperSource: paper?.source, verdict: verdict)
    }
}

/// Numbers in claims, reports and baselines: 4 significant digits.
public func fmt(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded() && abs(x) < 1e7 { return String(Int(x)) }
    return String(format: "%.4g", x)
}

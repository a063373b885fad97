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

public enum Verdict: String, Codable, Sendable, CaseIterable {
    case pass, fail, inconclusive
    case notApplicable = "n/a"

    /// "2 pass, 1 fail, 1 inconclusive of 4 claims", leaving out the verdicts nobody got.
    public static func tally(_ claims: [ClaimResult]) -> String {
        let parts = allCases.compactMap { v in
            let n = claims.filter { $0.verdict == v }.count
            return n > 0 ? "\(n) \(v.rawValue)" : nil
        }
        return parts.joined(separator: ", ") + " of \(claims.count) claims"
    }
}

/// A measured metric: its value and, when it aggregates independent units (seeds, nets,
/// cells), a 95% interval over them and their number. An exact quantity (a count, a value
/// computed in closed form, one trajectory's event) has no interval.
public struct Estimate: Codable, Sendable, Equatable {
    public let value: Double
    public let interval: ClosedRange<Double>?
    public let units: Int?

    public init(_ value: Double, interval: ClosedRange<Double>? = nil, units: Int? = nil) {
        (self.value, self.interval, self.units) = (value, interval, units)
    }

    public var description: String {
        guard let interval else { return fmt(value) }
        return "\(fmt(value)) [\(fmt(interval.lowerBound)), \(fmt(interval.upperBound))]" + (units.map { ", n = \($0)" } ?? "")
    }
}

extension ClaimSpec.Check {
    /// Pass when the whole interval lies on the claim's side of the threshold, fail when it lies
    /// wholly on the other side, inconclusive when it straddles. Without an interval the value decides.
    public func judge(_ e: Estimate) -> Verdict {
        guard let i = e.interval else { return holds(e.value) ? .pass : .fail }
        switch op {
        case "between":
            if holds(i.lowerBound) && holds(i.upperBound) { return .pass }
            return i.upperBound < value[0] || i.lowerBound > value[1] ? .fail : .inconclusive
        default:
            let (low, high) = (holds(i.lowerBound), holds(i.upperBound))
            if low && high { return .pass }
            return !low && !high ? .fail : .inconclusive
        }
    }
}

/// A claim's outcome for one run, judged when it is shown from the run's stored metrics and
/// the claims file as it is now (`claimsHash` names that file's content).
public struct ClaimResult: Codable, Sendable {
    public let id: String, statement: String
    /// The measured values, "metric = value [low, high], n = units" joined by "; ".
    public let measured: String
    public let threshold: String
    public let paperValue: String?, paperSource: String?
    public let verdict: Verdict
}

extension ClaimSpec {
    /// Verdict from the metrics the run measured. Outside its profiles, or when the run did
    /// not measure one of its metrics (e.g. `--set variants=...` left a variant out), a claim is
    /// n/a: never a pass by default, and not a fail the run has no evidence for. With several
    /// checks, any fail fails the claim and any inconclusive check leaves it inconclusive.
    public func evaluate(metrics: [String: Estimate], profile: String) -> ClaimResult {
        let measured = checks.map { c in "\(c.metric) = \(metrics[c.metric]?.description ?? "not measured")" }.joined(separator: "; ")
        let threshold = checks.map(\.threshold).joined(separator: " and ")
        let verdict: Verdict
        if let ps = profiles, !ps.contains(profile) {
            verdict = .notApplicable
        } else if checks.contains(where: { metrics[$0.metric] == nil }) {
            verdict = .notApplicable
        } else {
            let each = checks.map { $0.judge(metrics[$0.metric]!) }
            verdict = each.contains(.fail) ? .fail : each.contains(.inconclusive) ? .inconclusive : .pass
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

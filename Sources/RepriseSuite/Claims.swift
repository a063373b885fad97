import Foundation

/// A falsifiable statement from a paper, checked against measured metrics.
/// Its thresholds live in `claims.json` beside the paper's own value and source,
/// so the statement, the test and the citation are reviewed together (`ClaimsFile` reads and checks them).
public struct ClaimSpec: Sendable {
    /// What a claim is for. A finding is what the paper reports and can fail if it does not hold; a
    /// sanity claim validates the setup and can fail only on a bug or a broken protocol. Sanity
    /// claims are shown on their own line and never enter the findings' tally.
    public enum Kind: String, Codable, Sendable, CaseIterable { case finding, sanity }

    public enum Op: String, Codable, Sendable, CaseIterable {
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case between
        /// How many values the operator takes: `between` a [low, high] pair, the others one bound.
        public var arity: Int { self == .between ? 2 : 1 }
    }

    public struct Check: Sendable {
        /// Metric name, as the scenario records it.
        public let metric: String
        public let op: Op
        /// `op.arity` values, checked at load: [bound], or [low, high] with low <= high (inclusive).
        public let value: [Double]

        public init(metric: String, op: Op, value: [Double]) {
            precondition(value.count == op.arity, "\(op.rawValue) takes \(op.arity) values")
            (self.metric, self.op, self.value) = (metric, op, value)
        }

        public func holds(_ x: Double) -> Bool {
            guard x.isFinite || op == .greater || op == .greaterOrEqual else { return false }
            switch op {
            case .less: return x < value[0]
            case .lessOrEqual: return x <= value[0]
            case .greater: return x > value[0]
            case .greaterOrEqual: return x >= value[0]
            case .between: return x >= value[0] && x <= value[1]
            }
        }

        public var threshold: String {
            op == .between
                ? "\(metric) in [\(fmt(value[0])), \(fmt(value[1]))]" : "\(metric) \(op.rawValue) \(fmt(value[0]))"
        }
    }
    public struct PaperValue: Codable, Sendable {
        public let value: String, source: String
    }

    public let id: String
    public let kind: Kind
    public let statement: String
    public let checks: [Check]
    public let paper: PaperValue?
    /// Profiles at which the claim is expected to be decidable (default: all).
    public let profiles: [Profile]?
    /// The fewest units a check's interval needs before it may decide this claim, when the claim
    /// asks for more than its interval method's own minimum (`IntervalMethod.minimumUnits`).
    public let minimumUnits: Int?
    /// Set when the claim was revised after a result had been seen, saying what and why: its
    /// verdicts are then post hoc, honestly and forever (`Registration`).
    public let revisedAfterResults: String?
    /// FNV-1a of the claim's exact text (its JSON object, keys sorted): what registration looks up in git.
    public let hash: String

    public init(
        id: String, kind: Kind = .finding, statement: String, checks: [Check], paper: PaperValue?,
        profiles: [Profile]?, minimumUnits: Int? = nil, revisedAfterResults: String? = nil, hash: String = ""
    ) {
        (self.id, self.kind, self.statement, self.checks) = (id, kind, statement, checks)
        (self.paper, self.profiles, self.minimumUnits) = (paper, profiles, minimumUnits)
        (self.revisedAfterResults, self.hash) = (revisedAfterResults, hash)
    }
}

public enum Verdict: String, Codable, Sendable, CaseIterable {
    case pass, fail, inconclusive
    case notApplicable = "n/a"

    /// "findings: 2 pass, 1 fail, 1 inconclusive, 0 n/a; sanity: 1 of 2 hold (1 inconclusive); 1 post hoc":
    /// the one tally every verb prints. Sanity claims never count as findings; an n/a one is not counted
    /// as judged; post-hoc verdicts (of either kind) are counted apart when registration was checked.
    public static func tally(_ claims: [ClaimResult]) -> String {
        let findings = claims.filter { $0.kind == .finding }
        let sanity = claims.filter { $0.kind == .sanity }
        let counts = allCases.map { v in "\(findings.filter { $0.verdict == v }.count) \(v.rawValue)" }
        var s = "findings: " + counts.joined(separator: ", ")
        if !sanity.isEmpty {
            let judged = sanity.filter { $0.verdict != .notApplicable }
            s += "; sanity: \(judged.filter { $0.verdict == .pass }.count) of \(judged.count) hold"
            let open = [Verdict.inconclusive, .notApplicable].compactMap { v in
                let n = sanity.filter { $0.verdict == v }.count
                return n > 0 ? "\(n) \(v.rawValue)" : nil
            }
            if !open.isEmpty { s += " (\(open.joined(separator: ", ")))" }
        }
        let marks = claims.compactMap(\.registration?.mark)
        if !marks.isEmpty {
            let postHoc = marks.filter { $0 == .postHoc }.count, unknown = marks.filter { $0 == .unknown }.count
            s += "; \(postHoc) post hoc" + (unknown > 0 ? ", \(unknown) registration unknown" : "")
        }
        return s
    }
}

/// A measured metric: its value and, when it aggregates independent units (seeds, nets,
/// batches), a 95% interval over them, the method that gave it, and how many units it rests on
/// (`units` per group, in `groups` groups). An exact quantity (a count, a value computed in closed
/// form, one trajectory's event) has no interval.
public struct Estimate: Codable, Sendable, Equatable {
    public let value: Double
    public let interval: ClosedRange<Double>?
    /// Units per group (the smallest group's count when groups differ): what the method's coverage depends on.
    public let units: Int?
    public let method: IntervalMethod?
    public let groups: Int?

    public init(
        _ value: Double, interval: ClosedRange<Double>? = nil, units: Int? = nil,
        method: IntervalMethod? = nil, groups: Int? = nil
    ) {
        (self.value, self.interval, self.units) = (value, interval, units)
        self.method = interval == nil ? method ?? .exact : method ?? .bootstrap
        self.groups = groups.flatMap { $0 > 1 ? $0 : nil }
    }

    /// "1.143 [1.0996, 1.179], n = 3, Student t on logs", each number with enough digits to show
    /// its side of every threshold in `against`.
    public func description(against thresholds: [Double] = []) -> String {
        let v = fmt(value, against: thresholds)
        guard let interval else { return v }
        let n = units.map { ", n = \($0)" + (groups.map { " x \($0) groups" } ?? "") } ?? ""
        return
            "\(v) [\(fmt(interval.lowerBound, against: thresholds)), \(fmt(interval.upperBound, against: thresholds))]"
            + n + ", " + (method ?? .bootstrap).summary
    }

    public var description: String { description() }
}

extension ClaimSpec.Check {
    /// Pass when the whole interval lies on the claim's side of the threshold, fail when it lies
    /// wholly on the other side, inconclusive when it straddles, or when the interval rests on
    /// fewer units than its method (or the claim) needs. Without an interval the value decides.
    /// The reason (for inconclusive) does not name the metric: `evaluate` groups metrics by reason.
    public func judge(_ e: Estimate, minimumUnits claimMinimum: Int? = nil) -> (Verdict, String?) {
        guard let i = e.interval else { return holds(e.value) ? (.pass, nil) : (.fail, nil) }
        let method = e.method ?? .bootstrap
        guard let methodMinimum = method.minimumUnits else {
            return (.inconclusive, method.summary)
        }
        let needed = max(methodMinimum, claimMinimum ?? 0)
        let units = e.units ?? 0
        if units < needed {
            let whose = needed > methodMinimum ? "the claim needs" : "\(method.summary) needs"
            return (.inconclusive, "too few units (\(units), \(whose) \(needed))")
        }
        let ends = [i.lowerBound, i.upperBound]
        let straddles =
            "the interval straddles "
            + (op == .between
                ? "[\(fmt(value[0], against: ends)), \(fmt(value[1], against: ends))]" : fmt(value[0], against: ends))
        switch op {
        case .between:
            if holds(i.lowerBound) && holds(i.upperBound) { return (.pass, nil) }
            return i.upperBound < value[0] || i.lowerBound > value[1] ? (.fail, nil) : (.inconclusive, straddles)
        default:
            let (low, high) = (holds(i.lowerBound), holds(i.upperBound))
            if low && high { return (.pass, nil) }
            return !low && !high ? (.fail, nil) : (.inconclusive, straddles)
        }
    }
}

/// A claim's outcome for one run, judged when it is shown from the run's stored metrics and
/// the claims file as it is now (`claimsHash` names that file's content).
public struct ClaimResult: Codable, Sendable {
    public let id: String, statement: String
    public let kind: ClaimSpec.Kind
    /// The measured values, "metric = value [low, high], n = units, method" joined by "; ".
    public let measured: String
    public let threshold: String
    public let paperValue: String?, paperSource: String?
    public let verdict: Verdict
    /// Why a verdict is neither pass nor fail ("n/a: decided at quick", "inconclusive: ..."); nil for pass and fail.
    public let reason: String?
    /// Whether the claim's text was committed before the run's oldest trial; nil where not checked.
    public var registration: Registration?

    /// The same result with its registration mark.
    public func marked(_ r: Registration?) -> ClaimResult {
        var c = self
        c.registration = r
        return c
    }
}

extension ClaimSpec {
    /// Verdict from the metrics the run measured. Outside its profiles, or when the run did
    /// not measure one of its metrics (e.g. `--set variants=...` left a variant out), a claim is
    /// n/a: never a pass by default, and not a fail the run has no evidence for. With several
    /// checks, any fail fails the claim and any inconclusive check leaves it inconclusive.
    public func evaluate(metrics: [String: Estimate], profile: Profile) -> ClaimResult {
        let measured = checks.map { c in
            "\(c.metric) = \(metrics[c.metric]?.description(against: c.value) ?? "not measured")"
        }.joined(separator: "; ")
        let threshold = checks.map(\.threshold).joined(separator: " and ")
        let verdict: Verdict
        let reason: String?
        if let ps = profiles, !ps.contains(profile) {
            (verdict, reason) = (
                .notApplicable, "decided at \(ps.map(\.rawValue).joined(separator: " and ")), not at \(profile)"
            )
        } else if let missing = checks.first(where: { metrics[$0.metric] == nil }) {
            (verdict, reason) = (.notApplicable, "\(missing.metric) not measured by this run")
        } else {
            let each = checks.map { $0.judge(metrics[$0.metric]!, minimumUnits: minimumUnits) }
            if each.contains(where: { $0.0 == .fail }) {
                (verdict, reason) = (.fail, nil)
            } else if each.contains(where: { $0.0 == .inconclusive }) {
                // One reason per cause, naming the metrics it holds for: "a, b: percentile bootstrap (...)".
                var causes: [(why: String, metrics: [String])] = []
                for (check, judged) in zip(checks, each) {
                    guard let why = judged.1 else { continue }
                    if let i = causes.firstIndex(where: { $0.why == why }) {
                        causes[i].metrics.append(check.metric)
                    } else {
                        causes.append((why, [check.metric]))
                    }
                }
                (verdict, reason) = (
                    .inconclusive,
                    causes.map { "\($0.metrics.joined(separator: ", ")): \($0.why)" }
                        .joined(separator: "; ")
                )
            } else {
                (verdict, reason) = (.pass, nil)
            }
        }
        return ClaimResult(
            id: id, statement: statement, kind: kind, measured: measured, threshold: threshold,
            paperValue: paper?.value, paperSource: paper?.source, verdict: verdict, reason: reason)
    }
}

/// Numbers in claims, reports and baselines: 4 significant digits.
public func fmt(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded() && abs(x) < 1e7 { return String(Int(x)) }
    return String(format: "%.4g", x)
}

/// `x` with at least 4 significant digits, and more when fewer would print it on the other side of
/// (or equal to) one of `thresholds` that it is not equal to: 1.0996 next to 1.10 prints as
/// "1.0996", never as "1.1", so a printed interval end shows on which side it lies.
public func fmt(_ x: Double, against thresholds: [Double]) -> String {
    guard x.isFinite, thresholds.contains(where: { $0.isFinite && $0 != x }) else { return fmt(x) }
    func side(_ a: Double, _ t: Double) -> Int { a < t ? -1 : a > t ? 1 : 0 }
    var s = fmt(x)
    for digits in 5...17 {
        guard let shown = Double(s) else { break }
        if thresholds.allSatisfy({ !$0.isFinite || $0 == x || side(shown, $0) == side(x, $0) }) { return s }
        s = String(format: "%.\(digits)g", x)
    }
    return s
}

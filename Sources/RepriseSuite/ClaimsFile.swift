import Foundation
import RepriseEngine

extension ClaimSpec {
    /// FNV-1a of a claim's JSON object with sorted keys and without comment keys: its exact text,
    /// whatever the file's layout, so that registration can find when this text was first committed.
    static func hash(of object: [String: Any]) -> String {
        let kept = object.filter { !$0.key.hasPrefix("_") }
        let data = (try? JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys])) ?? Data()
        var h = FNV1a()
        h.add(data)
        return h.hex
    }

    /// The hashes of the claims in a version of a claims.json (none if it does not parse).
    static func hashes(of data: Data) -> [String] {
        guard let list = (try? JSONSerialization.jsonObject(with: data)) as? [Any] else { return [] }
        return list.compactMap { ($0 as? [String: Any]).map(hash(of:)) }
    }

    /// Every claim of a `claims.json`, each field checked: unknown keys, a missing or unknown
    /// `kind` or `op`, a check with the wrong number of values, a `between` whose low exceeds its
    /// high, and a `min_units` that is not a positive integer are errors naming the file, the claim
    /// and the field. Keys starting with "_" are comments.
    static func load(_ data: Data, file: String) throws -> [ClaimSpec] {
        guard let list = try JSONFile.parse(data, file: file) as? [Any] else {
            throw SuiteError.replicationFiles("\(file): must be a JSON array of claims")
        }
        var seen = Set<String>()
        return try list.enumerated().map { index, entry in
            guard let o = entry as? [String: Any] else {
                throw SuiteError.replicationFiles("\(file): claim \(index + 1) must be a JSON object")
            }
            let name = (o["id"] as? String).map { "claim '\($0)'" } ?? "claim \(index + 1)"
            func fail(_ field: String, _ why: String) -> SuiteError {
                SuiteError.replicationFiles("\(file), \(name), field '\(field)': \(why)")
            }
            let known: Set = [
                "id", "kind", "statement", "checks", "paper", "profiles", "min_units", "revised_after_results",
            ]
            if let extra = o.keys.sorted().first(where: { !$0.hasPrefix("_") && !known.contains($0) }) {
                throw fail(extra, "not a claim field (fields: \(known.sorted().joined(separator: ", ")))")
            }
            guard let id = o["id"] as? String, !id.isEmpty else { throw fail("id", "a non-empty string is required") }
            guard seen.insert(id).inserted else { throw fail("id", "another claim in the file has this id") }
            guard let kindText = o["kind"] as? String else {
                throw fail("kind", "required: \"finding\" (what the paper reports) or \"sanity\" (validates the setup)")
            }
            guard let kind = Kind(rawValue: kindText) else {
                throw fail("kind", "unknown kind '\(kindText)' (kinds: finding, sanity)")
            }
            guard let statement = o["statement"] as? String, !statement.isEmpty else {
                throw fail("statement", "a non-empty string is required")
            }
            guard let rawChecks = o["checks"] as? [Any], !rawChecks.isEmpty else {
                throw fail("checks", "a non-empty array of checks is required")
            }
            let checks = try rawChecks.enumerated().map { k, raw -> Check in
                let field = "checks[\(k)]"
                guard let c = raw as? [String: Any] else { throw fail(field, "must be an object") }
                guard let metric = c["metric"] as? String, !metric.isEmpty else {
                    throw fail("\(field).metric", "a metric name is required")
                }
                guard let opText = c["op"] as? String else { throw fail("\(field).op", "required") }
                guard let op = Op(rawValue: opText) else {
                    let ops = Op.allCases.map(\.rawValue).joined(separator: ", ")
                    throw fail("\(field).op", "unknown operator '\(opText)' (operators: \(ops))")
                }
                guard let values = c["value"] as? [Any], values.allSatisfy(JSONFile.isNumber) else {
                    throw fail("\(field).value", "an array of numbers is required")
                }
                let numbers = values.map { ($0 as! NSNumber).doubleValue }
                guard numbers.count == op.arity else {
                    throw fail(
                        "\(field).value",
                        "'\(op.rawValue)' takes \(op.arity) value\(op.arity == 1 ? "" : "s"), got \(numbers.count)")
                }
                guard numbers.allSatisfy(\.isFinite) else { throw fail("\(field).value", "values must be finite") }
                if op == .between && numbers[0] > numbers[1] {
                    throw fail("\(field).value", "between's low \(fmt(numbers[0])) exceeds its high \(fmt(numbers[1]))")
                }
                if let extra = c.keys.sorted().first(where: {
                    !$0.hasPrefix("_") && !["metric", "op", "value"].contains($0)
                }) {
                    throw fail("\(field).\(extra)", "not a check field (fields: metric, op, value)")
                }
                return Check(metric: metric, op: op, value: numbers)
            }
            var paper: PaperValue?
            if let p = o["paper"] {
                guard let p = p as? [String: Any], let value = p["value"] as? String,
                    let source = p["source"] as? String
                else {
                    throw fail("paper", "an object with string fields 'value' and 'source' is required")
                }
                paper = PaperValue(value: value, source: source)
            }
            var profiles: [Profile]?
            if let p = o["profiles"] {
                guard let list = p as? [String], !list.isEmpty else {
                    throw fail("profiles", "a non-empty array of profile names is required")
                }
                if let bad = list.first(where: { Profile(rawValue: $0) == nil }) {
                    throw fail(
                        "profiles",
                        "unknown profile '\(bad)' (profiles: \(Profile.names))")
                }
                profiles = list.compactMap(Profile.init(rawValue:))
            }
            var minimumUnits: Int?
            if let m = o["min_units"] {
                guard JSONFile.isNumber(m), let n = m as? NSNumber, n.doubleValue == n.doubleValue.rounded(),
                    n.doubleValue >= 1,
                    n.doubleValue <= 1e6
                else {
                    throw fail("min_units", "a positive integer is required, got \(m)")
                }
                minimumUnits = n.intValue
            }
            var revised: String?
            if let r = o["revised_after_results"] {
                guard let why = r as? String, !why.isEmpty else {
                    throw fail("revised_after_results", "a non-empty string saying what was revised after which result")
                }
                revised = why
            }
            return ClaimSpec(
                id: id, kind: kind, statement: statement, checks: checks, paper: paper, profiles: profiles,
                minimumUnits: minimumUnits, revisedAfterResults: revised, hash: Self.hash(of: o))
        }
    }
}

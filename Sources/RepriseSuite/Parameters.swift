import Foundation

/// One config key a scenario reads: its type and the values it accepts. A scenario
/// declares all of them; profiles are checked against the declarations when
/// `Replications/<id>/` is loaded, and `--set` values before anything runs or is stored.
public struct Parameter: Sendable {
    enum Kind: Sendable { case integer, real, flag, name, integers, reals, names }

    public let key: String
    let kind: Kind
    let range: ClosedRange<Double>
    let allowed: [String]

    public static func integer(_ key: String, _ r: ClosedRange<Int>) -> Parameter {
        .init(key, .integer, Double(r.lowerBound)...Double(r.upperBound))
    }
    public static func real(_ key: String, _ r: ClosedRange<Double>) -> Parameter { .init(key, .real, r) }
    public static func flag(_ key: String) -> Parameter { .init(key, .flag) }
    public static func name(_ key: String, in allowed: [String]) -> Parameter { .init(key, .name, allowed: allowed) }
    /// A non-empty list.
    public static func integers(_ key: String, _ r: ClosedRange<Int>) -> Parameter {
        .init(key, .integers, Double(r.lowerBound)...Double(r.upperBound))
    }
    public static func reals(_ key: String, _ r: ClosedRange<Double>) -> Parameter { .init(key, .reals, r) }
    public static func names(_ key: String, in allowed: [String]) -> Parameter { .init(key, .names, allowed: allowed) }

    private init(_ key: String, _ kind: Kind, _ range: ClosedRange<Double> = 0...0, allowed: [String] = []) {
        (self.key, self.kind, self.range, self.allowed) = (key, kind, range, allowed)
    }

    /// What the key accepts, as an error message says it.
    var expectation: String {
        let r = "[\(fmt(range.lowerBound)), \(fmt(range.upperBound))]"
        switch kind {
        case .integer: return "an integer in \(r)"
        case .real: return "a number in \(r)"
        case .flag: return "true or false"
        case .name: return "one of \(allowed.joined(separator: ", "))"
        case .integers: return "a non-empty list of integers in \(r)"
        case .reals: return "a non-empty list of numbers in \(r)"
        case .names: return "a non-empty list of names from \(allowed.joined(separator: ", "))"
        }
    }

    /// Throws unless `value` is of this key's type and within its range.
    func check(_ value: ConfigValue) throws {
        func number(_ d: Double, integral: Bool) -> Bool { range.contains(d) && (!integral || d == d.rounded()) }
        let ok: Bool
        switch (kind, value) {
        case let (.integer, .number(d)): ok = number(d, integral: true)
        case let (.real, .number(d)): ok = number(d, integral: false)
        case (.flag, .bool): ok = true
        case let (.name, .string(s)): ok = allowed.contains(s)
        case let (.integers, .number(d)): ok = number(d, integral: true)
        case let (.integers, .numbers(a)): ok = !a.isEmpty && a.allSatisfy { number($0, integral: true) }
        case let (.reals, .number(d)): ok = number(d, integral: false)
        case let (.reals, .numbers(a)): ok = !a.isEmpty && a.allSatisfy { number($0, integral: false) }
        case let (.names, .string(s)): ok = allowed.contains(s)
        case let (.names, .strings(a)): ok = !a.isEmpty && a.allSatisfy(allowed.contains)
        default: ok = false
        }
        guard ok else { throw SuiteError.badConfig("\(key) = \(value): expected \(expectation)") }
    }
}

extension Replication {
    /// The contract between `Replications/<id>/*.json` and the scenario's Swift, checked at load:
    /// every profile holds exactly the declared keys (plus `seed`) with valid values, and every
    /// metric that claims and baselines read is one the scenario records.
    func check(parameters: [Parameter], metrics: [String]) throws {
        let id = info.id, declared = Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, $0) })
        for (name, config) in profiles.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let file = "Replications/\(id)/profiles.json, profile '\(name)'"
            for (key, value) in config.values.sorted(by: { $0.key < $1.key }) where key != "seed" {
                guard let p = declared[key] else {
                    throw SuiteError.replicationFiles(
                        "\(file): '\(key)' is not a key \(id) reads; its keys: "
                            + "\(declared.keys.sorted().joined(separator: ", "))"
                    )
                }
                do { try p.check(value) } catch { throw SuiteError.replicationFiles("\(file): \(error)") }
            }
            if let missing = declared.keys.sorted().first(where: { config.values[$0] == nil }) {
                throw SuiteError.replicationFiles("\(file) lacks '\(missing)' (\(declared[missing]!.expectation))")
            }
            if let seed = config.values["seed"] { try Parameter.integer("seed", 0...Int(Int32.max)).check(seed) }
        }
        let known = Set(metrics)
        for claim in claims {
            for c in claim.checks where !known.contains(c.metric) {
                throw SuiteError.replicationFiles(
                    "Replications/\(id)/claims.json: claim '\(claim.id)' reads metric '\(c.metric)', which \(id) "
                        + "does not record"
                )
            }
        }
        if let bad = info.keyMetrics.first(where: { !known.contains($0) }) {
            throw SuiteError.replicationFiles(
                "Replications/\(id)/scenario.json: key metric '\(bad)' is not one \(id) records")
        }
    }
}

extension Config {
    /// Checks every value against the declarations: how `--set` values are refused before a run.
    public func check(_ parameters: [Parameter]) throws {
        for p in parameters { if let v = values[p.key] { try p.check(v) } }
    }
}

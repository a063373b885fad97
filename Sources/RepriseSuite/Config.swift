import Foundation
import RepriseEngine

/// One value of a scenario profile: what JSON can hold, minus objects.
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case bool(Bool)
    case string(String)
    case numbers([Double])
    case strings([String])

    init(json: Any, key: String) throws {
        switch json {
        case let b as Bool where type(of: json) == type(of: NSNumber(value: true)): self = .bool(b)
        case let n as NSNumber: self = .number(n.doubleValue)
        case let s as String: self = .string(s)
        case let a as [Any] where a.allSatisfy({ $0 is NSNumber }):
            self = .numbers(a.map { ($0 as! NSNumber).doubleValue })
        case let a as [String]: self = .strings(a)
        default: throw SuiteError.badConfig("key '\(key)': unsupported value \(json)")
        }
    }

    var json: Any {
        switch self {
        case let .number(d): return d
        case let .bool(b): return b
        case let .string(s): return s
        case let .numbers(a): return a
        case let .strings(a): return a
        }
    }

    public var description: String {
        switch self {
        case let .number(d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case let .bool(b): return String(b)
        case let .string(s): return s
        case let .numbers(a): return a.map { ConfigValue.number($0).description }.joined(separator: ",")
        case let .strings(a): return a.joined(separator: ",")
        }
    }

    /// Parses a command-line value as the same kind as `self` (the profile's value for the key).
    func parsing(_ text: String, key: String) throws -> ConfigValue {
        func bad(_ want: String) -> SuiteError { .badOverride("--set \(key)=\(text): expected \(want)") }
        func number(_ s: Substring) throws -> Double {
            guard let d = Double(s.trimmingCharacters(in: .whitespaces)), d.isFinite else { throw bad("a number") }
            return d
        }
        switch self {
        case .number: return .number(try number(Substring(text)))
        case .bool:
            switch text.lowercased() {
            case "true", "1", "yes": return .bool(true)
            case "false", "0", "no": return .bool(false)
            default: throw bad("true or false")
            }
        case .string: return .string(text)
        case .numbers:
            let parts = text.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).split(separator: ",")
            guard !parts.isEmpty else { throw bad("a comma-separated list of numbers") }
            return .numbers(try parts.map { try number($0) })
        case .strings:
            let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !parts.isEmpty, !parts.contains("") else { throw bad("a comma-separated list of names") }
            return .strings(parts)
        }
    }
}

/// A resolved scenario configuration: a profile with the command line's overrides applied.
public struct Config: Sendable, Equatable {
    public private(set) var values: [String: ConfigValue]

    public init(_ values: [String: ConfigValue]) { self.values = values }

    /// Parses canonical JSON (what `canonicalJSON` writes): how a worker receives its trial's config.
    public init(json: String) throws {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw SuiteError.badConfig("not a JSON object: \(json.prefix(80))")
        }
        var values: [String: ConfigValue] = [:]
        for (k, v) in obj { values[k] = try ConfigValue(json: v, key: k) }
        self.values = values
    }

    /// The values under `keys` only: what one trial reads of its run's config.
    public func selecting(_ keys: [String]) -> Config {
        Config(values.filter { keys.contains($0.key) })
    }

    /// Both configs' values; `other` wins where both have a key.
    public func merging(_ other: Config) -> Config { Config(values.merging(other.values) { $1 }) }

    /// This config with one more value (a trial's own coordinates: its width, its seed index).
    public func setting(_ key: String, _ value: Double) -> Config { setting(key, .number(value)) }
    public func setting(_ key: String, _ value: String) -> Config { setting(key, .string(value)) }
    public func setting(_ key: String, _ value: ConfigValue) -> Config {
        var out = self
        out.values[key] = value
        return out
    }

    public func removing(_ key: String) -> Config {
        var out = self
        out.values[key] = nil
        return out
    }

    /// Applies `key=value` overrides; unknown keys and malformed values are errors, never ignored.
    public func overriding(_ assignments: [String]) throws -> Config {
        var out = self
        for a in assignments {
            guard let eq = a.firstIndex(of: "="), eq != a.startIndex else {
                throw SuiteError.badOverride("'\(a)': expected key=value")
            }
            let key = String(a[..<eq]), text = String(a[a.index(after: eq)...])
            guard let current = values[key] else {
                throw SuiteError.badOverride(
                    "unknown key '\(key)'; this scenario's keys are: \(values.keys.sorted().joined(separator: ", "))")
            }
            out.values[key] = try current.parsing(text, key: key)
        }
        return out
    }

    func value(_ key: String) -> ConfigValue {
        guard let v = values[key] else {
            // In a worker this is a trial's config: the profiles may well define the key while the
            // scenario's trials(_:) left it out of the trial (c.selecting([...])).
            fatalError(
                "config lacks '\(key)' (it has: \(values.keys.sorted().joined(separator: ", "))): if the "
                    + "profiles define it, add it to the trial's config in the scenario's trials(_:), "
                    + "e.g. to c.selecting([...]); else add it to every profile")
        }
        return v
    }

    public func double(_ key: String) -> Double {
        guard case let .number(d) = value(key) else { fatalError("config key '\(key)' is not a number") }
        return d
    }
    public func int(_ key: String) -> Int { Int(double(key)) }
    public func bool(_ key: String) -> Bool {
        guard case let .bool(b) = value(key) else { fatalError("config key '\(key)' is not a bool") }
        return b
    }
    public func string(_ key: String) -> String {
        guard case let .string(s) = value(key) else { fatalError("config key '\(key)' is not a string") }
        return s
    }
    public func doubles(_ key: String) -> [Double] {
        switch value(key) {
        case let .numbers(a): return a
        case let .number(d): return [d]
        default: fatalError("config key '\(key)' is not a list of numbers")
        }
    }
    public func ints(_ key: String) -> [Int] { doubles(key).map { Int($0) } }
    public func strings(_ key: String) -> [String] {
        switch value(key) {
        case let .strings(a): return a
        case let .string(s): return [s]
        default: fatalError("config key '\(key)' is not a list of names")
        }
    }

    /// Canonical JSON (sorted keys): what the store keeps and the hash is taken of.
    public var canonicalJSON: String {
        let obj = values.mapValues(\.json)
        let data = try! JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// FNV-1a 64 of the canonical JSON, hex: equal configs, equal hash.
    public var hash: String {
        var h = FNV1a()
        h.add(canonicalJSON.utf8)
        return h.hex
    }
}

/// Errors the suite reports to the user: each says what is wrong and what to do.
public enum SuiteError: Error, CustomStringConvertible {
    case unknownScenario(String, known: [String])
    case badOverride(String)
    case badConfig(String)
    case replicationFiles(String)
    case store(String)
    case tool(String)
    case noRuns(String)
    case trialFailed(String, String)
    /// A scenario's code does not match what it declares (a metric recorded but not declared, say).
    case contract(String)
    case interrupted

    public var description: String {
        switch self {
        case let .unknownScenario(id, known): return "unknown scenario '\(id)'; known: \(known.joined(separator: ", "))"
        case let .badOverride(s): return "bad override \(s)"
        case let .badConfig(s): return "bad config: \(s)"
        case let .replicationFiles(s): return s
        case let .store(s): return "results store: \(s)"
        case let .tool(s): return s
        case let .noRuns(s): return s
        case let .trialFailed(key, message): return "trial \(key) failed: \(message)"
        case let .contract(s): return "scenario code: \(s)"
        case .interrupted: return "interrupted"
        }
    }
}

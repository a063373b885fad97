import Foundation

/// A config key declared once, as a value: its `Parameter` (type and valid values, which the profiles are
/// checked against when `Replications/<id>/` is loaded and `--set` values before a run) and its typed read,
/// so that declaring a key and reading it are one symbol the compiler checks (`c[Keys.width]`), and a
/// name-valued key reads as the scenario's enum, never as a string to match.
///
/// Trial-local keys (a trial's width, variant, seed index) are keys too: `trials(_:)` sets them with
/// `Config.setting(_:_:)` and `run(_:)` reads them the same way; they are declared, not listed in a
/// scenario's `parameters`, because no profile holds them.
public struct ConfigKey<Value>: AnyConfigKey, Sendable {
    public let parameter: Parameter
    let decode: @Sendable (ConfigValue) -> Value?
    let encode: @Sendable (Value) -> ConfigValue

    public var name: String { parameter.key }
}

/// What a list of keys of different value types shares: `Parameter.of(_:)` and `Config.selecting(_:)`.
public protocol AnyConfigKey: Sendable {
    var parameter: Parameter { get }
}

/// The constructors, one per kind of `Parameter`: `static let width = Key.integer("width", 1...4096)`.
public enum Key {
    public static func integer(_ name: String, _ range: ClosedRange<Int>) -> ConfigKey<Int> {
        ConfigKey(
            parameter: .integer(name, range),
            decode: { v in
                if case let .number(d) = v { Int(exactly: d) } else { nil }
            }, encode: { .number(Double($0)) })
    }

    public static func real(_ name: String, _ range: ClosedRange<Double>) -> ConfigKey<Double> {
        ConfigKey(
            parameter: .real(name, range),
            decode: { v in
                if case let .number(d) = v { d } else { nil }
            }, encode: { .number($0) })
    }

    public static func flag(_ name: String) -> ConfigKey<Bool> {
        ConfigKey(
            parameter: .flag(name), decode: { v in if case let .bool(b) = v { b } else { nil } },
            encode: { .bool($0) })
    }

    /// One of a list of names (a scenario's grid cells, say), as a string.
    public static func name(_ name: String, in allowed: [String]) -> ConfigKey<String> {
        ConfigKey(
            parameter: .name(name, in: allowed), decode: { v in if case let .string(s) = v { s } else { nil } },
            encode: { .string($0) })
    }

    /// A non-empty list of names from `allowed`, as strings.
    public static func names(_ name: String, in allowed: [String]) -> ConfigKey<[String]> {
        ConfigKey(
            parameter: .names(name, in: allowed),
            decode: { v in
                switch v {
                case let .strings(a): a
                case let .string(s): [s]
                default: nil
                }
            }, encode: { .strings($0) })
    }

    /// One of an enum's cases, by raw value: the allowed values are the enum's cases.
    public static func name<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _: E.Type
    )
        -> ConfigKey<E> where E.RawValue == String
    {
        ConfigKey(
            parameter: .name(name, in: E.allCases.map(\.rawValue)),
            decode: { v in
                if case let .string(s) = v { E(rawValue: s) } else { nil }
            }, encode: { .string($0.rawValue) })
    }

    /// A non-empty list of integers.
    public static func integers(_ name: String, _ range: ClosedRange<Int>) -> ConfigKey<[Int]> {
        ConfigKey(
            parameter: .integers(name, range),
            decode: { v in
                switch v {
                case let .numbers(a): a.allSatisfy { Int(exactly: $0) != nil } ? a.map { Int($0) } : nil
                case let .number(d): Int(exactly: d).map { [$0] }
                default: nil
                }
            }, encode: { .numbers($0.map(Double.init)) })
    }

    /// A non-empty list of numbers.
    public static func reals(_ name: String, _ range: ClosedRange<Double>) -> ConfigKey<[Double]> {
        ConfigKey(
            parameter: .reals(name, range),
            decode: { v in
                switch v {
                case let .numbers(a): a
                case let .number(d): [d]
                default: nil
                }
            }, encode: { .numbers($0) })
    }

    /// A non-empty list of an enum's cases, by raw value.
    public static func names<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _: E.Type
    )
        -> ConfigKey<[E]> where E.RawValue == String
    {
        ConfigKey(
            parameter: .names(name, in: E.allCases.map(\.rawValue)),
            decode: { v in
                let raw: [String]
                switch v {
                case let .strings(a): raw = a
                case let .string(s): raw = [s]
                default: return nil
                }
                let cases = raw.compactMap(E.init(rawValue:))
                return cases.count == raw.count ? cases : nil
            }, encode: { .strings($0.map(\.rawValue)) })
    }
}

extension Config {
    /// The key's value. A key the config lacks, or a value of another type, is a scenario bug (the profiles
    /// were checked against the declarations at load): it stops the trial with the fix, which the suite stores.
    public subscript<Value>(_ key: ConfigKey<Value>) -> Value {
        guard let value = key.decode(value(key.name)) else {
            fatalError("config key '\(key.name)' = \(value(key.name)) is not \(key.parameter.expectation)")
        }
        return value
    }

    /// The key's value, or nil where the config does not set it (trials of several kinds, told apart by
    /// which of their own keys they set).
    public func ifSet<Value>(_ key: ConfigKey<Value>) -> Value? { values[key.name] == nil ? nil : self[key] }

    /// This config with a key set (a trial's own coordinates: its width, its seed index).
    public func setting<Value>(_ key: ConfigKey<Value>, _ value: Value) -> Config {
        setting(key.name, key.encode(value))
    }

    /// The values under `keys` only: what one trial reads of its run's config.
    public func selecting(_ keys: [any AnyConfigKey]) -> Config { selecting(keys.map(\.parameter.key)) }

    /// This config without a key.
    public func removing(_ key: any AnyConfigKey) -> Config { removing(key.parameter.key) }
}

extension Parameter {
    /// The parameters of a scenario's keys, for its `parameters`.
    public static func of(_ keys: [any AnyConfigKey]) -> [Parameter] { keys.map(\.parameter) }
}

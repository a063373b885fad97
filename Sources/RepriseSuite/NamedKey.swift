/// A name declared once, as a value of its own type: a metric (`MetricKey`), a series of a run (`SeriesKey`)
/// or a vector a trial records (`ValueKey`). Recording, reading and listing a name go through the one symbol,
/// so a misspelt name is a compile error, not data stored under a name nothing reads; and the three kinds are
/// different types, so a trial value cannot be read where a series is meant.
public protocol NamedKey: Hashable, Sendable, CustomStringConvertible {
    var name: String { get }
    init(_ name: String)
}

extension NamedKey {
    public var description: String { name }
}

/// Names with a parameter (one per variant, per width and seed): `family[p]` names one, `family.all(ps)` lists
/// them. The name's shape is written once, in the family's declaration; code that reads a member asks for it by
/// its parameter (taken from the run's config), never by taking a stored name apart.
public struct KeyFamily<P: Sendable, Key: NamedKey>: Sendable {
    let name: @Sendable (P) -> String

    public init(_ name: @escaping @Sendable (P) -> String) { self.name = name }

    public subscript(_ p: P) -> Key { Key(name(p)) }

    public func all(_ parameters: some Sequence<P>) -> [Key] { parameters.map { self[$0] } }
}

public typealias MetricFamily<P: Sendable> = KeyFamily<P, MetricKey>
public typealias SeriesFamily<P: Sendable> = KeyFamily<P, SeriesKey>
public typealias ValueFamily<P: Sendable> = KeyFamily<P, ValueKey>

/// A series of a run (a curve of a figure, a row of a table), recorded by `aggregate` and drawn by `figures`.
public struct SeriesKey: NamedKey {
    public let name: String
    public init(_ name: String) { self.name = name }
}

/// A vector one trial records (`trial.record(Values.loss, x)`) and `aggregate` reads back from its result.
public struct ValueKey: NamedKey {
    public let name: String
    public init(_ name: String) { self.name = name }
}

extension RunContext {
    /// Appends a point to a series.
    public func record(_ key: SeriesKey, x: Double, y: Double) { record(key.name, x: x, y: y) }
}

extension RunData {
    /// A stored series, empty where the run recorded none under that name.
    public func series(_ key: SeriesKey) -> [(x: Double, y: Double)] { series(key.name) }
}

extension TrialContext {
    public func record(_ key: ValueKey, _ x: Double) { record(key.name, x) }
    public func record(_ key: ValueKey, _ xs: [Double]) { record(key.name, xs) }
}

extension TrialValues {
    public func vector(_ key: ValueKey) -> [Double] { vector(key.name) }
    public func scalar(_ key: ValueKey) -> Double { scalar(key.name) }
    public func has(_ key: ValueKey) -> Bool { has(key.name) }
}

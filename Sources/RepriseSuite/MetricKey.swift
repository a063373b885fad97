/// A metric's name declared once, as a value: `aggregate` records it (`run.metric(Metrics.ratio, x)`), the
/// scenario reads it back (`run.metricValue`, `data.metric`) and lists it in `metrics` by the same symbol, so
/// a misspelt name is a compile error, not a metric stored under a name no claim reads.
public struct MetricKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }
    public var description: String { name }
}

/// Metrics with a parameter (one per variant, per width): `family[v]` names one; `family.all` lists them
/// for `metrics`. The name's shape is written once, in the family's declaration.
public struct MetricFamily<P: Sendable>: Sendable {
    let name: @Sendable (P) -> String

    public init(_ name: @escaping @Sendable (P) -> String) { self.name = name }

    public subscript(_ p: P) -> MetricKey { MetricKey(name(p)) }

    public func all(_ parameters: some Sequence<P>) -> [MetricKey] { parameters.map { self[$0] } }
}

extension RunContext {
    public func metric(_ key: MetricKey, _ value: Double) { metric(key.name, value) }
    public func metricValue(_ key: MetricKey) -> Double { metricValue(key.name) }
    public func worstUnit(_ key: MetricKey, of values: [Double], largest: Bool) {
        worstUnit(key.name, of: values, largest: largest)
    }
}

extension RunData {
    public func metric(_ key: MetricKey) -> Double { metric(key.name) }
}

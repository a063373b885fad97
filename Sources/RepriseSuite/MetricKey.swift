/// A metric's name declared once, as a value: `aggregate` records it (`run.metric(Metrics.ratio, x)`), the
/// scenario reads it back (`run.metricValue`, `data.metric`) and lists it in `metrics` by the same symbol, so
/// a misspelt name is a compile error, not a metric stored under a name no claim reads. Families of them
/// (one per variant) are `MetricFamily` (NamedKey.swift).
public struct MetricKey: NamedKey {
    public let name: String
    public init(_ name: String) { self.name = name }
}

/// The recorders of `RunContext` by key: each the string-named method of the same name (Scenario.swift says
/// what each statistic is and which interval it carries).
extension RunContext {
    public func metric(_ key: MetricKey, _ value: Double) { metric(key.name, value) }
    public func metricValue(_ key: MetricKey) -> Double { metricValue(key.name) }
    public func meanDifference(_ key: MetricKey, of differences: [Double]) { meanDifference(key.name, of: differences) }
    public func mean(_ key: MetricKey, of values: [Double]) { mean(key.name, of: values) }
    public func geometricMean(_ key: MetricKey, ofLogs logs: [Double]) { geometricMean(key.name, ofLogs: logs) }
    public func pairedRatio(_ key: MetricKey, logs: [(a: Double, b: Double)]) { pairedRatio(key.name, logs: logs) }
    public func worstUnit(_ key: MetricKey, of values: [Double], largest: Bool) {
        worstUnit(key.name, of: values, largest: largest)
    }
    public func median(_ key: MetricKey, of values: [Double]) { median(key.name, of: values) }
    public func slope<Unit>(_ key: MetricKey, x: [Double], groups: [[Unit]], _ statistic: ([Unit]) -> Double) {
        slope(key.name, x: x, groups: groups, statistic)
    }
    public func maxAbsDeviation(_ key: MetricKey, _ coordinates: [Stats.Coordinate]) {
        maxAbsDeviation(key.name, coordinates)
    }
    public func maxAbsLogDeviation(_ key: MetricKey, values: [[Double]], reference: [Double]) {
        maxAbsLogDeviation(key.name, values: values, reference: reference)
    }
    public func minDeviation(_ key: MetricKey, _ coordinates: [Stats.Coordinate]) {
        minDeviation(key.name, coordinates)
    }
    public func tooFewUnits(_ key: MetricKey, method: IntervalMethod) { tooFewUnits(key.name, method: method) }
    public func bootstrap<Unit>(_ key: MetricKey, groups: [[Unit]], _ statistic: ([[Unit]]) -> Double) {
        bootstrap(key.name, groups: groups, statistic)
    }
    public func bootstrap<Unit>(_ key: MetricKey, units: [Unit], _ statistic: ([Unit]) -> Double) {
        bootstrap(key.name, units: units, statistic)
    }
    public func offset(_ key: MetricKey, from source: MetricKey, by delta: Double) {
        offset(key.name, from: source.name, by: delta)
    }
}

extension RunData {
    public func metric(_ key: MetricKey) -> Double { metric(key.name) }
}

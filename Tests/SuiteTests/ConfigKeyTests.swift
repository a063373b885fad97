import Foundation
import RepriseSuite
import Testing

/// Typed config keys and metric keys: one symbol declares, sets and reads a name.
@Suite struct ConfigKeyTests {
    enum Shape: String, CaseIterable, Sendable { case square, wide }
    static let width = Key.integer("width", 1...4096)
    static let lr = Key.real("lr", 1e-6...1)
    static let shape = Key.name("shape", Shape.self)
    static let shapes = Key.names("shapes", Shape.self)
    static let widths = Key.integers("widths", 1...4096)
    static let noise = Key.flag("noise")

    @Test func readsEachKindAsItsType() throws {
        let c = try Config(
            json: #"{"width": 64, "lr": 0.01, "shape": "wide", "shapes": ["square", "wide"], "#
                + #""widths": [8, 16], "noise": true}"#)
        #expect(c[Self.width] == 64 && c[Self.lr] == 0.01 && c[Self.noise])
        #expect(c[Self.shape] == .wide && c[Self.shapes] == [.square, .wide] && c[Self.widths] == [8, 16])
    }

    /// A key set through its declaration writes what the string-keyed setter wrote: trial configs, and so
    /// their cache keys, are unchanged by moving a scenario to typed keys.
    @Test func settingAKeyWritesTheSameCanonicalJSONAsTheStringSetter() {
        let typed = Config([:]).setting(Self.width, 64).setting(Self.shape, .square).setting(Self.noise, false)
        let strings = Config([:]).setting("width", 64).setting("shape", "square").setting("noise", .bool(false))
        #expect(typed.canonicalJSON == strings.canonicalJSON && typed.hash == strings.hash)
        #expect(typed.canonicalJSON == #"{"noise":false,"shape":"square","width":64}"#)
    }

    @Test func keysGiveTheParametersTheProfilesAreCheckedAgainst() throws {
        let parameters = Parameter.of([Self.width, Self.shape])
        #expect(parameters.map(\.key) == ["width", "shape"])
        let good = try Config(json: #"{"width": 64, "shape": "wide"}"#)
        try good.check(parameters)
        // An enum key accepts its cases only, by raw value; an integer key, integers in its range.
        #expect(throws: SuiteError.self) { try Config(json: #"{"shape": "tall"}"#).check(parameters) }
        #expect(throws: SuiteError.self) { try Config(json: #"{"width": 64.5}"#).check(parameters) }
        #expect(throws: SuiteError.self) { try Config(json: #"{"width": 0}"#).check(parameters) }
    }

    @Test func selectingAndRemovingByKey() throws {
        let c = try Config(json: #"{"width": 64, "lr": 0.01, "noise": true}"#)
        #expect(c.selecting([Self.width, Self.noise]).values.keys.sorted() == ["noise", "width"])
        #expect(c.removing(Self.lr).values.keys.sorted() == ["noise", "width"])
    }

    @Test func metricFamiliesNameOneMetricPerParameter() {
        let onset = MetricFamily<Shape> { "\($0.rawValue)_onset" }
        #expect(onset[.wide] == MetricKey("wide_onset"))
        #expect(onset.all(Shape.allCases).map(\.name) == ["square_onset", "wide_onset"])
    }
}

/// One coordinate of a trial: a trial-local key and its value (`Keys.width.is(64)`), or the key unset
/// (`Keys.batch.unset`). A trial's coordinates are the keys `trials(_:)` set in its config, so they travel
/// with the trial to any worker and into the store, and `aggregate` finds a result by them.
public struct Coordinate: Sendable, CustomStringConvertible {
    let key: String
    let value: ConfigValue?

    func matches(_ config: Config) -> Bool { config.values[key] == value }

    public var description: String { value.map { "\(key) = \($0)" } ?? "\(key) unset" }
}

extension ConfigKey {
    /// The coordinate `key = value`, matched against each trial's config exactly as `setting` wrote it.
    public func `is`(_ value: Value) -> Coordinate { Coordinate(key: name, value: encode(value)) }

    /// The coordinate "this key is not set" (the one trial of a kind that has no batch size, say).
    public var unset: Coordinate { Coordinate(key: name, value: nil) }
}

/// The results of a run's trials, handed to the scenario's aggregate step, found by their coordinates
/// (`results.one(Keys.part.is(.fig1), Keys.width.is(w), Keys.seedIndex.is(s))`), never by a key string
/// rebuilt to match the one `trials(_:)` wrote: a trial key is a label for people, not an address.
public struct TrialResults: Sendable {
    let trials: [(config: Config, values: TrialValues)]

    /// The trials' configs and values, in the order `trials(_:)` listed them.
    public init(_ trials: [(config: Config, values: TrialValues)]) { self.trials = trials }

    /// Every trial at these coordinates, in the order `trials(_:)` listed them.
    public func all(_ coordinates: Coordinate...) -> [TrialValues] { matching(coordinates).map(\.values) }

    /// The one trial at these coordinates. Trials with equal configs are one trial listed twice (a trial is a
    /// function of its config), so they count once. None, or two that differ, is a scenario bug (its aggregate
    /// asks for a trial `trials(_:)` never made, or for too few coordinates to tell two apart), reported as such.
    public func one(_ coordinates: Coordinate...) -> TrialValues { one(coordinates) }

    public func one(_ coordinates: [Coordinate]) -> TrialValues {
        let found = matching(coordinates)
        guard let first = found.first, found.allSatisfy({ $0.config == first.config }) else {
            let at = coordinates.map(\.description).joined(separator: ", ")
            fatalError("\(found.count) different trials at \(at); aggregate asks for exactly one")
        }
        return first.values
    }

    private func matching(_ coordinates: [Coordinate]) -> [(config: Config, values: TrialValues)] {
        trials.filter { t in coordinates.allSatisfy { $0.matches(t.config) } }
    }
}

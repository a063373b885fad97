/// The three sizes of every scenario's protocol, which each `Replications/<id>/profiles.json` defines (and no
/// other): `smoke` checks the code in seconds and holds the golden values, `quick` is the laptop replication of
/// minutes that `make replicate-all` runs, `paper` the paper's scale, hours, for a cluster.
public enum Profile: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case smoke, quick, paper

    public var description: String { rawValue }

    /// The names, for messages: "smoke, quick, paper".
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}

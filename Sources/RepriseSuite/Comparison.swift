import Foundation

/// Two stored runs side by side (issue 30): what differs in their configs, every metric with both
/// values and intervals and the difference, and every verdict that changed; and the list of stored runs.
public struct RunComparison {
    public struct ConfigChange { public let key: String, a: String?, b: String? }
    public struct MetricRow { public let name: String, a: Estimate?, b: Estimate? }
    public struct VerdictChange { public let claim: String, a: Verdict?, b: Verdict? }

    public let a: Store.RunRecord, b: Store.RunRecord
    public let config: [ConfigChange], metrics: [MetricRow], verdicts: [VerdictChange]

    /// The text `reprise compare` prints.
    public var text: String {
        let commit = { (r: Store.RunRecord) in r.gitCommit.map { String($0.prefix(7)) } ?? "—" }
        var out =
            "run \(a.id) vs run \(b.id): \(a.scenario), profiles \(a.profile) / \(b.profile), "
            + "seeds \(a.seed) / \(b.seed), commits \(commit(a)) / \(commit(b))\n"
        out += "\nconfig (only what differs):\n"
        out +=
            config.isEmpty
            ? "  (the same)\n"
            : config.map { "  \($0.key): \($0.a ?? "(absent)") -> \($0.b ?? "(absent)")\n" }.joined()
        out += "\nmetrics (a, b, b - a):\n"
        for m in metrics {
            let difference = (m.a?.value).flatMap { x in (m.b?.value).map { fmt($0 - x) } } ?? "—"
            out += "  \(m.name): \(m.a?.description ?? "—") | \(m.b?.description ?? "—") | \(difference)\n"
        }
        out += "\nverdicts that changed:\n"
        out +=
            verdicts.isEmpty
            ? "  (none)\n"
            : verdicts.map { "  \($0.claim): \($0.a?.rawValue ?? "—") -> \($0.b?.rawValue ?? "—")\n" }.joined()
        return out
    }
}

extension Suite {
    /// Runs `first` and `second` compared; an error names a missing run, or runs of different scenarios.
    public func compare(_ first: Int64, _ second: Int64) throws -> RunComparison {
        guard let a = try store.run(first) else { throw SuiteError.noRuns("no run \(first) in \(store.path)") }
        guard let b = try store.run(second) else { throw SuiteError.noRuns("no run \(second) in \(store.path)") }
        guard a.scenario == b.scenario else {
            throw SuiteError.badConfig(
                "runs \(first) and \(second) are of different scenarios (\(a.scenario), "
                    + "\(b.scenario)): their metrics and claims do not correspond")
        }
        let (ca, cb) = (Self.configValues(a.configJSON), Self.configValues(b.configJSON))
        let config = Set(ca.keys).union(cb.keys).sorted().compactMap { key in
            ca[key] == cb[key] ? nil : RunComparison.ConfigChange(key: key, a: ca[key], b: cb[key])
        }
        let (ma, mb) = (try store.metrics(a.id), try store.metrics(b.id))
        let metrics = Set(ma.keys).union(mb.keys).sorted().map {
            RunComparison.MetricRow(name: $0, a: ma[$0], b: mb[$0])
        }
        // Verdicts are judged now, from each run's metrics, against the claims file as it is; a scenario that
        // is no longer registered has no claims to judge.
        var verdicts: [RunComparison.VerdictChange] = []
        if let rep = try? replication(a.scenario) {
            let va = try RunData(store: store, record: a, replication: rep).verdicts
            let vb = try RunData(store: store, record: b, replication: rep).verdicts
            verdicts = Set(va.keys).union(vb.keys).sorted().compactMap { id in
                va[id] == vb[id] ? nil : RunComparison.VerdictChange(claim: id, a: va[id], b: vb[id])
            }
        }
        return RunComparison(a: a, b: b, config: config, metrics: metrics, verdicts: verdicts)
    }

    /// Each top-level key of a stored config with its value as canonical JSON text, so values compare exactly.
    static func configValues(_ json: String) -> [String: String] {
        let parsed = try? JSONSerialization.jsonObject(with: Data(json.utf8))
        guard let object = parsed as? [String: Any] else { return [:] }
        var out: [String: String] = [:]
        for (key, value) in object {
            let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .fragmentsAllowed])
            out[key] = data.map { String(decoding: $0, as: UTF8.self).dropFirst().dropLast() }.map(String.init) ?? "?"
        }
        return out
    }

    /// One line per stored run, newest first: id, scenario, profile, seed, status, start, and its tally
    /// judged now (a run of a scenario that is no longer registered is listed, marked so).
    public func runsTable(scenario: String? = nil, profile: Profile? = nil, limit: Int = 1000) throws -> String {
        let runs = try store.runs(scenario: scenario, profile: profile, limit: limit)
        guard !runs.isEmpty else { return "no runs in \(store.path)" + (scenario.map { " for \($0)" } ?? "") }
        var lines = ["id     scenario             profile  seed  status    started               tally"]
        for r in runs {
            let tally: String
            if r.status != .ok {
                tally = r.error.map { String($0.prefix(60)) } ?? "—"
            } else if let rep = try? replication(r.scenario) {
                tally = Verdict.tally(try RunData(store: store, record: r, replication: rep).claims)
            } else {
                tally = "(scenario no longer registered)"
            }
            let cells = [
                String(r.id).padding(toLength: 6, withPad: " ", startingAt: 0),
                r.scenario.padding(toLength: 20, withPad: " ", startingAt: 0),
                r.profile.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0),
                String(r.seed).padding(toLength: 5, withPad: " ", startingAt: 0),
                r.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0),
                String(r.startedAt.prefix(19)).padding(toLength: 21, withPad: " ", startingAt: 0), tally,
            ]
            lines.append(cells.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}

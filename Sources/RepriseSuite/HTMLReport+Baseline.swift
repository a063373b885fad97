import Foundation

/// The report's view of the committed baselines (issue 30, items 3 and 4): each key metric's band beside
/// its history, the ledger entries the regression check flags, and the selected run against the baseline.
/// Flags come from `Baseline.regression`, the same rule `reprise check` applies, so the page and the check
/// cannot disagree; an entry on another kernel or of another config is shown as not compared, never flagged.
extension Suite {
    /// Why a ledger entry's key metric is not compared with the baseline, or nil when it is.
    static func notComparable(_ entry: LedgerEntry, _ baseline: Baseline) -> String? {
        if entry.configHash != baseline.configHash {
            return "config \(entry.configHash), baseline's \(baseline.configHash)"
        }
        if entry.kernel != baseline.kernel { return "kernel \(entry.kernel), baseline's \(baseline.kernel)" }
        return nil
    }

    /// The flag of one history cell: the regression check's message, or nil.
    static func flag(_ key: String, _ entry: LedgerEntry, _ baseline: Baseline?) -> String? {
        guard let b = baseline, notComparable(entry, b) == nil, let e = entry.metrics[key] else { return nil }
        return b.regression(key, in: [(seed: entry.seed, value: e.value)])
    }

    /// "median [min, max] ± tolerance, n seeds": the baseline's band of one key metric.
    static func band(_ m: Baseline.Metric) -> String {
        let range = m.samples.count > 1 ? " [\(fmt(m.samples.min()!)), \(fmt(m.samples.max()!))]" : ""
        return "\(fmt(m.median))\(range) ± \(fmt(m.tolerance)), \(m.samples.count) seed"
            + (m.samples.count == 1 ? "" : "s")
    }

    /// Each key metric across the profile's committed ledger entries (the newest six, oldest first),
    /// beside the baseline's band; a cell the regression check flags is marked with its reason.
    static func historyTable(_ id: String, _ keys: [String], _ history: [LedgerEntry], baseline: Baseline?) -> String {
        let shown = Array(history.suffix(6))
        guard !shown.isEmpty else { return "<p>No ledger entries of this profile yet.</p>" }
        var html = "<h3>History of the key metrics (committed ledger)</h3>"
        if let b = baseline {
            html += "<p class=\"note\">Baseline: results/baselines/\(id).\(b.profile).json, \(b.seeds.count) "
            html += "seed(s) on \(HTML.escape(b.kernel)), commit <code>\(b.gitCommit.prefix(7))</code>. A cell marked "
            html += "<span class=\"flag\">regressed</span> is outside the baseline's tolerance by the rule of "
            html += "<code>reprise check</code>; an entry of another config or kernel is not compared (greyed).</p>"
        } else {
            html += "<p class=\"note\">No committed baseline for this profile: nothing is flagged.</p>"
        }
        html += "<table class=\"history\"><tr><th>metric</th>"
        if baseline != nil { html += "<th>baseline band</th>" }
        html +=
            shown.map { e in
                let off = baseline.flatMap { notComparable(e, $0) }
                let attr = off.map { " class=\"off\" title=\"not compared: \(HTML.escape($0))\"" } ?? ""
                return "<th\(attr)>\(e.startedAt.prefix(10)) <code>\(e.gitCommit.prefix(7))</code> \(e.kernel)</th>"
            }.joined() + "</tr>"
        for key in keys {
            html += "<tr><td><code>\(key)</code></td>"
            if let b = baseline { html += "<td>\(b.metrics[key].map(band) ?? "—")</td>" }
            html +=
                shown.map { e in
                    let cell = e.metrics[key].map(HTML.compact) ?? "—"
                    let off = baseline.flatMap { notComparable(e, $0) } != nil ? " class=\"off\"" : ""
                    guard let why = flag(key, e, baseline) else { return "<td\(off)>\(cell)</td>" }
                    return "<td class=\"flagged\" title=\"\(HTML.escape(why))\">\(cell) <span class=\"flag\">regressed"
                        + "</span></td>"
                }.joined() + "</tr>"
        }
        return html + "</table>"
    }

    /// Every flagged cell of the shown history, for the page-level list of regressions.
    static func regressions(_ id: String, _ keys: [String], _ history: [LedgerEntry], baseline: Baseline?) -> [String] {
        history.suffix(6).flatMap { e in
            keys.compactMap { key in
                flag(key, e, baseline).map {
                    "<li><a href=\"#\(id)\">\(id)</a>, ledger \(e.id.prefix(16)) (commit <code>\(e.gitCommit.prefix(7))"
                        + "</code>): \(HTML.escape($0))</li>"
                }
            }
        }
    }

    /// The selected run against the committed baseline: each key metric beside the baseline's band, the
    /// verdicts beside the baseline's for the same seed, and what `reprise check` would report for it.
    func comparisonWithBaseline(_ data: RunData, _ baseline: Baseline?, keys: [String]) -> String {
        let r = data.record
        guard let b = baseline else {
            return "<p>No committed baseline for the \(r.profile) profile to compare run \(r.id) with.</p>"
        }
        let problems = b.regressions(in: [data]), notes = b.notes(in: [data])
        var html = "<details id=\"baseline-\(r.id)\"><summary>Run \(r.id) against the committed baseline "
        html += "(\(b.seeds.count) seed(s), commit \(b.gitCommit.prefix(7))): "
        html += problems.isEmpty ? "no regression" : "\(problems.count) regression(s)"
        html += notes.isEmpty ? "" : ", \(notes.count) note(s)"
        html += "</summary><table><tr><th>key metric</th><th>baseline band</th><th>run \(r.id)</th></tr>"
        for key in keys {
            html += "<tr><td><code>\(key)</code></td><td>\(b.metrics[key].map(Self.band) ?? "—")</td>"
            html += "<td>\(data.metrics[key].map(HTML.compact) ?? "—")</td></tr>"
        }
        html += "</table>"
        if let expected = b.verdicts[String(r.seed)] {
            let measured = data.verdicts
            let changed = expected.keys.sorted().filter { measured[$0] != expected[$0] }
            html += "<p>Verdicts against the baseline's seed \(r.seed): "
            html +=
                changed.isEmpty
                ? "all \(expected.count) the same."
                : changed.map {
                    "<code>\($0)</code> \(expected[$0]!.rawValue) → \(measured[$0]?.rawValue ?? "missing")"
                }.joined(separator: "; ")
            html += "</p>"
        } else {
            html += "<p>The baseline has no run of seed \(r.seed): verdicts are not compared.</p>"
        }
        if !problems.isEmpty || !notes.isEmpty {
            html += "<ul>" + (problems + notes).map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>"
        }
        return html + "</details>"
    }
}

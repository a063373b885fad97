import Foundation

/// `results/report.html` (issue 30): one self-contained file (styles inline, figures as data URIs, no
/// script, nothing fetched) that opens from disk. At a glance: one line per scenario. Per scenario: a
/// forest plot of its checks, each claim opening to its evidence, the figures with the run that drew
/// them, the run's provenance with its config against the profile's, and the key metrics' history
/// from the committed ledger. Written as XHTML, so that an XML parser can check it.
extension Suite {
    @discardableResult
    public func writeHTMLReport(profile: Profile = .quick, to url: URL? = nil) throws -> URL {
        let out = url ?? reportFile(profile: profile, html: true)
        let ledger = Ledger.read(Ledger.folder(root: root)).entries.filter { $0.profile == profile }
        var glance: [String] = [], changes: [String] = [], flagged: [String] = [], sections: [String] = []
        for id in ids {
            let rep = try replication(id)
            let history = ledger.filter { $0.scenario == id }.sorted { $0.startedAt < $1.startedAt }
            let baseline = try Baseline.load(Baseline.url(root: root, scenario: id, profile: profile))
            changes += Self.verdictChanges(id, history)
            flagged += Self.regressions(id, rep.info.keyMetrics, history, baseline: baseline)
            guard let record = try selectedRun(id, profile: profile) else {
                glance.append(
                    "<tr><td><a href=\"#\(id)\">\(id)</a></td><td>—</td><td>no finished \(profile) run "
                        + "in the store</td></tr>")
                sections.append(
                    "<section id=\"\(id)\"><h2>\(id): \(HTML.escape(rep.info.title))</h2>"
                        + "<p>No finished <b>\(profile)</b> run of the profile's own config in the store.</p>"
                        + Self.historyTable(id, rep.info.keyMetrics, history, baseline: baseline)
                        + "</section>")
                continue
            }
            let data = try RunData(store: store, record: record, replication: rep)
            glance.append(
                "<tr><td><a href=\"#\(id)\">\(id)</a></td><td><a href=\"#run-\(record.id)\">run \(record.id)"
                    + "</a></td><td>\(HTML.escape(Verdict.tally(data.claims)))</td></tr>")
            sections.append(try scenarioSection(id, rep, record, data, history, baseline, profile: profile))
        }
        let generated = ISO8601DateFormatter().string(from: Date())
        let body = """
            <h1>reprise: replication report (\(profile))</h1>
            <p class="note">Generated \(generated) by <code>reprise report --html --profile \(profile)</code> from \
            \(HTML.escape(URL(fileURLWithPath: store.path).lastPathComponent)) and the committed ledger \
            (\(ledger.count) \(profile) entries). Verdicts are judged now from each run's stored metrics against the \
            claims files as they are. A <b>finding</b> is what the paper reports; a <b>sanity</b> claim checks the \
            setup \
            and is not counted among findings. <b>pass</b>: the 95% interval lies on the claim's side of the \
            threshold; \
            <b>fail</b>: on the other side; <b>inconclusive</b>: it straddles, rests on too few units, or comes from a \
            method without tested coverage; <b>n/a</b>: not decided at this profile. <b>post hoc</b>: the claim was \
            revised after its results were seen.</p>
            <h2 id="glance">At a glance</h2>
            <table><tr><th>scenario</th><th>run</th><th>tally</th></tr>\(glance.joined())</table>
            <h2 id="changes">Verdict changes between the last two ledger entries</h2>
            \(changes.isEmpty ? "<p>None.</p>" : "<ul>" + changes.joined() + "</ul>")
            <h2 id="regressions">Regressions the baseline check flags in the history</h2>
            \(flagged.isEmpty ? "<p>None among the entries shown.</p>" : "<ul>" + flagged.joined() + "</ul>")
            \(sections.joined(separator: "\n"))
            """
        let page = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="UTF-8"/>
            <title>reprise report (\(profile))</title><style>\(HTML.style)</style></head>
            <body>\(body)</body></html>

            """
        try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        try page.write(to: out, atomically: true, encoding: .utf8)
        return out
    }

    func scenarioSection(
        _ id: String, _ rep: Replication, _ record: Store.RunRecord, _ data: RunData,
        _ history: [LedgerEntry], _ baseline: Baseline?, profile: Profile
    ) throws -> String {
        let p = rep.info.paper
        var html = "<section id=\"\(id)\"><h2>\(id): \(HTML.escape(rep.info.title))</h2>"
        html += "<p>\(HTML.escape(p.authors)) (\(p.year)), <i>\(HTML.escape(p.title))</i>, arXiv:\(p.arxiv). "
        html += "Protocol and deviations: Replications/\(id)/README.md in the repository.</p>"
        html += "<p>Run <a href=\"#run-\(record.id)\">\(record.id)</a>, profile <b>\(record.profile)</b>: "
        html += "\(HTML.escape(Verdict.tally(data.claims)))</p>"
        html += HTML.forestPlot(rep.claims, data)
        let figures = figureEntries(id, profile: profile, selected: record.id)
        for kind in ClaimSpec.Kind.allCases {
            let claims = data.claims.filter { $0.kind == kind }
            guard !claims.isEmpty else { continue }
            html += kind == .finding ? "<h3>Findings</h3>" : "<h3>Sanity checks (not counted as findings)</h3>"
            for c in claims {
                let mark =
                    c.registration.map {
                        let kind = $0.description.hasPrefix("post hoc") ? "posthoc" : "registered"
                        return " <span class=\"\(kind)\">\(HTML.escape($0.description))</span>"
                    } ?? ""
                // A claim that did not pass opens by itself: its reason is what a reader looks for first.
                let open = c.verdict == .pass ? "" : " open=\"open\""
                html += "<details id=\"claim-\(id)-\(c.id)\"\(open)><summary>"
                html += "<span class=\"v \(HTML.verdictClass(c.verdict))\">"
                html += "\(c.verdict.rawValue)</span> <code>\(c.id)</code>\(mark)</summary><dl>"
                html += "<dt>statement</dt><dd>\(HTML.escape(c.statement))</dd>"
                let source = HTML.escape(c.paperSource ?? "no source")
                html += "<dt>paper</dt><dd>\(HTML.escape(c.paperValue ?? "—")) (\(source))</dd>"
                html += "<dt>threshold</dt><dd>\(HTML.escape(c.threshold))</dd>"
                html += "<dt>measured (95% interval, units, method)</dt><dd>\(HTML.escape(c.measured))</dd>"
                if let reason = c.reason { html += "<dt>why</dt><dd>\(HTML.escape(reason))</dd>" }
                html += "<dt>run</dt><dd><a href=\"#run-\(record.id)\">run \(record.id)</a>; figures: "
                html +=
                    figures.isEmpty
                    ? "none drawn for this profile"
                    : figures.map { "<a href=\"#fig-\(id)-\($0.name)\">\($0.name)</a>" }.joined(separator: ", ")
                html += "</dd></dl></details>"
            }
        }
        html += "<h3>Figures</h3>"
        if figures.isEmpty {
            html += "<p>No figures drawn for this profile: <code>reprise plot \(id) --profile \(profile)</code>.</p>"
        }
        for f in figures {
            html += "<figure id=\"fig-\(id)-\(f.name)\"><img alt=\"\(f.name)\" src=\"data:image/svg+xml;base64,"
            html += "\(f.svg.base64EncodedString())\"/><figcaption><code>\(f.name)</code>: \(HTML.escape(f.caption))"
            html += "</figcaption></figure>"
        }
        html += try provenance(record, rep)
        html += try comparisonWithPredecessor(record, keys: rep.info.keyMetrics)
        html += comparisonWithBaseline(data, baseline, keys: rep.info.keyMetrics)
        html += Self.historyTable(id, rep.info.keyMetrics, history, baseline: baseline)
        return html + "</section>"
    }

    /// The scenario's figures as drawn on disk, each with the run it was drawn from (`drawn-from.json`).
    func figureEntries(_ id: String, profile: Profile, selected: Int64) -> [(name: String, svg: Data, caption: String)]
    {
        let dir = figuresDirectory(id, profile: profile), caption = drawnFrom(dir, selected: selected)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".svg") }.sorted()
        return names.compactMap { file in
            (try? Data(contentsOf: dir.appendingPathComponent(file))).map { (String(file.dropLast(4)), $0, caption) }
        }
    }

    /// Which run a figures folder was drawn from (`drawn-from.json`), said against the run the report shows.
    func drawnFrom(_ dir: URL, selected: Int64) -> String {
        let drawn = (try? Data(contentsOf: dir.appendingPathComponent(Gnuplot.drawnFromFile)))
            .flatMap { try? JSONDecoder().decode(Gnuplot.DrawnFrom.self, from: $0) }
        switch drawn {
        case nil: return "drawn from a run the figures folder does not record"
        case let d? where d.run == selected: return "drawn from run \(d.run) (profile \(d.profile)), the run above"
        case let d?: return "drawn from run \(d.run) (profile \(d.profile)), NOT the run above (\(selected))"
        }
    }

    /// A run's provenance, and its config beside the profile's own (only the keys that differ).
    func provenance(_ r: Store.RunRecord, _ rep: Replication) throws -> String {
        let own = Self.configValues(rep.config(profile: r.profile).canonicalJSON)
        let ran = Self.configValues(r.configJSON)
        let diff = Set(own.keys).union(ran.keys).sorted().filter { own[$0] != ran[$0] }
        let rows: [(String, String)] = [
            ("started / ended", "\(r.startedAt) / \(r.endedAt ?? "—")"),
            ("seed, config hash", "\(r.seed), \(r.configHash)"),
            (
                "wall / CPU seconds",
                "\(r.wallSeconds.map { fmt($0) } ?? "—") / \(r.cpuSeconds.map { fmt($0) } ?? "—")"
            ),
            ("git commit", (r.gitCommit ?? "—") + (r.gitDirty ? " (with uncommitted changes)" : "")),
            (
                "trials (computed here)",
                "\(r.trialsTotal.map(String.init) ?? "—") (\(r.trialsComputed.map(String.init) ?? "—"))"
            ),
            ("toolchain, OpenBLAS", "\(r.swiftVersion ?? "—"), \(r.openblas ?? "—")"),
            ("machine", "\(r.cpuModel ?? "—"), \(r.cores) cores"),
            (
                "config against the \(r.profile) profile's",
                diff.isEmpty
                    ? "the profile's own"
                    : diff.map { "\($0): \(own[$0] ?? "(absent)") → \(ran[$0] ?? "(absent)")" }.joined(separator: "; ")
            ),
        ]
        return "<details id=\"run-\(r.id)\"><summary>Provenance of run \(r.id)</summary><table>"
            + rows.map { "<tr><th>\(HTML.escape($0.0))</th><td>\(HTML.escape($0.1))</td></tr>" }.joined()
            + "</table></details>"
    }

    /// The run against the previous finished run of its scenario and profile in the store (`reprise compare`):
    /// what differs in their configs, the key metrics side by side, and the verdicts that changed.
    func comparisonWithPredecessor(_ r: Store.RunRecord, keys: [String]) throws -> String {
        let earlier = try store.runs(scenario: r.scenario, profile: r.profile, status: .ok).first { $0.id < r.id }
        guard let previous = earlier else {
            return "<p>No earlier finished \(r.profile) run in the store to compare with.</p>"
        }
        let c = try compare(previous.id, r.id)
        var html = "<details id=\"compare-\(r.id)\"><summary>Run \(r.id) against the previous \(r.profile) run "
        html += "(\(previous.id)): seeds \(previous.seed) and \(r.seed), \(c.config.count) config keys differ, "
        html += "\(c.verdicts.count) verdicts changed</summary>"
        html += "<table><tr><th>config key</th><th>run \(previous.id)</th><th>run \(r.id)</th></tr>"
        html +=
            c.config.map {
                "<tr><td><code>\($0.key)</code></td><td>\(HTML.escape($0.a ?? "(absent)"))</td>"
                    + "<td>\(HTML.escape($0.b ?? "(absent)"))</td></tr>"
            }.joined() + "</table>"
        html += "<table><tr><th>key metric</th><th>run \(previous.id)</th><th>run \(r.id)</th></tr>"
        for m in c.metrics where keys.contains(m.name) {
            html += "<tr><td><code>\(m.name)</code></td><td>\(m.a.map(HTML.compact) ?? "—")</td>"
            html += "<td>\(m.b.map(HTML.compact) ?? "—")</td></tr>"
        }
        html +=
            "</table><ul>"
            + c.verdicts.map {
                "<li><code>\($0.claim)</code>: \($0.a?.rawValue ?? "—") → \($0.b?.rawValue ?? "—")</li>"
            }.joined() + "</ul></details>"
        return html
    }

    /// Claims whose verdict differs between the scenario's last two ledger entries of the profile.
    static func verdictChanges(_ id: String, _ history: [LedgerEntry]) -> [String] {
        guard history.count >= 2 else { return [] }
        let (old, new) = (history[history.count - 2], history[history.count - 1])
        let before = Dictionary(old.claims.map { ($0.id, $0.verdict) }, uniquingKeysWith: { a, _ in a })
        return new.claims.compactMap { c in
            let was = before[c.id]
            guard was != c.verdict else { return nil }
            return "<li><a href=\"#\(id)\">\(id)</a> <code>\(c.id)</code>: \(was?.rawValue ?? "new claim") → "
                + "\(c.verdict.rawValue) (ledger \(old.id.prefix(16)) → \(new.id.prefix(16)))</li>"
        }
    }
}

/// Escaping, the page's style, and the forest plot.
enum HTML {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// "value [low, high]": the history table's cell (the method is in the claim's evidence).
    static func compact(_ e: Estimate) -> String {
        fmt(e.value) + (e.interval.map { " [\(fmt($0.lowerBound)), \(fmt($0.upperBound))]" } ?? "")
    }

    static func verdictClass(_ v: Verdict) -> String {
        switch v {
        case .pass: "pass"
        case .fail: "fail"
        case .inconclusive: "inconclusive"
        default: "na"
        }
    }

    static let colors: [String: String] = [
        "pass": "#009E73", "fail": "#D55E00", "inconclusive": "#E69F00", "na": "#999999",
    ]

    static let style = """
        body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
        table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;\
        vertical-align:top}
        .v{display:inline-block;min-width:6.5em;padding:0 .4em;border-radius:3px;color:#fff;font-weight:600}
        .pass{background:#009E73}.fail{background:#D55E00}.inconclusive{background:#E69F00}.na{background:#999}
        .posthoc{font-style:italic;color:#a33}.registered{font-style:italic;color:#777}.note{color:#555;font-size:13px}
        details{margin:.3em 0}summary{cursor:pointer}dt{font-weight:600;margin-top:.3em}dd{margin-left:1.5em}
        figure{margin:1em 0}figure img{width:100%;border:1px solid #eee}figcaption{font-size:13px;color:#555}
        table.history td{font-size:12px}.off{color:#aaa}.flagged{background:#fbe3d6}
        .flag{color:#fff;background:#D55E00;border-radius:3px;padding:0 .3em;font-size:11px}
        """

    /// One row per check: its estimate (dot) and 95% interval (bar) against its threshold (the shaded
    /// side where the claim holds), each row on its own scale, coloured by the claim's verdict.
    static func forestPlot(_ specs: [ClaimSpec], _ data: RunData) -> String {
        let verdicts = data.verdicts
        var rows: [(label: String, e: Estimate, check: ClaimSpec.Check, color: String)] = []
        for spec in specs {
            for check in spec.checks {
                guard let e = data.metrics[check.metric], e.value.isFinite || e.interval != nil else { continue }
                let color = colors[verdicts[spec.id].map(verdictClass) ?? "na"]!
                rows.append(("\(spec.id): \(check.metric)", e, check, color))
            }
        }
        guard !rows.isEmpty else { return "" }
        let (height, left, width) = (34, 430, 640)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" viewBox=\"0 0 \(left + width + 10) "
        svg += "\(rows.count * height + 24)\" role=\"img\">"
        svg += "<text x=\"0\" y=\"14\" font-size=\"12\">Checks: estimate, 95% "
        svg += "interval, threshold (the shaded side holds the claim); each row on its own scale</text>"
        for (i, r) in rows.enumerated() {
            let y = 24 + i * height + height / 2
            var ends = r.check.value + [r.e.value]
            if let iv = r.e.interval { ends += [iv.lowerBound, iv.upperBound].filter(\.isFinite) }
            ends = ends.filter(\.isFinite)
            guard var lo = ends.min(), var hi = ends.max() else { continue }
            let pad = max((hi - lo) * 0.1, abs(hi) * 0.01, 1e-12)
            (lo, hi) = (lo - pad, hi + pad)
            func x(_ v: Double) -> Double { Double(left) + Double(width) * (min(max(v, lo), hi) - lo) / (hi - lo) }
            let side: (Double, Double)
            switch r.check.op {
            case .less, .lessOrEqual: side = (x(lo), x(r.check.value[0]))
            case .greater, .greaterOrEqual: side = (x(r.check.value[0]), x(hi))
            case .between: side = (x(r.check.value[0]), x(r.check.value[1]))
            }
            svg += "<text x=\"0\" y=\"\(y - 3)\" font-size=\"11\">\(escape(String(r.label.prefix(64))))</text>"
            svg += "<text x=\"0\" y=\"\(y + 11)\" font-size=\"10\" fill=\"#555\">"
            svg += "\(escape(String(r.e.description(against: r.check.value).prefix(80))))</text>"
            svg += "<rect x=\"\(fmt(side.0))\" y=\"\(y - 8)\" width=\"\(fmt(max(0, side.1 - side.0)))\" height=\"16\" "
            svg += "fill=\"#e8f4ee\"/>"
            for t in r.check.value {
                svg += "<line x1=\"\(fmt(x(t)))\" x2=\"\(fmt(x(t)))\" y1=\"\(y - 9)\" y2=\"\(y + 9)\" "
                svg += "stroke=\"#333\" stroke-width=\"1.5\"/>"
            }
            if let iv = r.e.interval {
                svg += "<line x1=\"\(fmt(x(iv.lowerBound)))\" x2=\"\(fmt(x(iv.upperBound)))\" y1=\"\(y)\" y2=\"\(y)\" "
                svg += "stroke=\"\(r.color)\" stroke-width=\"3\"/>"
            }
            if r.e.value.isFinite {
                svg += "<circle cx=\"\(fmt(x(r.e.value)))\" cy=\"\(y)\" r=\"4.5\" fill=\"\(r.color)\"/>"
            }
        }
        return svg + "</svg>"
    }
}

import CGnuplot
import Foundation

/// A 2-D figure described by data, rendered by the real gnuplot.
///
/// Rendering writes, beside each image, the data (`<name>.dat`) and the
/// script (`<name>.gp`) that draw it, so anyone can re-render it with
/// `gnuplot <name>.gp`. Styles are fixed per series index and nothing
/// time-dependent is emitted: the same data gives the same files byte for byte.
public struct Figure: Sendable {
    public enum Style: String, Sendable { case lines, points, linespoints, yerrorbars, heatmap }

    public struct Series: Sendable {
        public var label: String
        /// (x, y) or, for yerrorbars, (x, y, yLow, yHigh) in `bars`.
        public var points: [(x: Double, y: Double)]
        public var bars: [(low: Double, high: Double)]?
        /// For a heat map: the value of each (x, y) cell, drawn as a filled square in the palette's colour.
        public var values: [Double]?
        public var style: Style
        public var color: Int?
        /// Dashed line, for a second curve of the same colour (e.g. train beside test).
        public var dashed: Bool
        public init(
            _ label: String, _ points: [(x: Double, y: Double)], style: Style = .linespoints,
            bars: [(low: Double, high: Double)]? = nil,
            color: Int? = nil, dashed: Bool = false
        ) {
            (self.label, self.points, self.style, self.bars, self.color, self.dashed) = (
                label, points, style, bars, color, dashed
            )
        }

        /// A heat map: one square per (x, y) cell coloured by `values` (non-finite values are left blank).
        public static func heatmap(_ label: String, cells: [(x: Double, y: Double, value: Double)]) -> Series {
            var s = Series(label, cells.map { ($0.x, $0.y) }, style: .heatmap)
            s.values = cells.map(\.value)
            return s
        }
    }

    public var name: String
    public var title: String
    public var xLabel: String, yLabel: String
    public var logX = false, logY = false
    public var series: [Series]
    /// Extra gnuplot lines (e.g. a reference line `set arrow …`), emitted verbatim before `plot`.
    public var extra: [String] = []
    public var keyPosition = "top right"

    public init(
        name: String, title: String, xLabel: String, yLabel: String, logX: Bool = false, logY: Bool = false,
        series: [Series], extra: [String] = [], keyPosition: String = "top right"
    ) {
        (self.name, self.title, self.xLabel, self.yLabel, self.logX, self.logY) = (
            name, title, xLabel, yLabel, logX, logY
        )
        (self.series, self.extra, self.keyPosition) = (series, extra, keyPosition)
    }
}

public enum Gnuplot {
    /// Colour-blind-safe palette (Okabe & Ito 2008), in a fixed order.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    /// Beside a scenario's figures: the run they were drawn from, so that a report shows a figure only
    /// under that run (kept out of the images, so that the same data still gives the same bytes).
    public static let drawnFromFile = "drawn-from.json"
    public struct DrawnFrom: Codable, Equatable {
        public let scenario: String, run: Int64, profile: Profile, configHash: String
    }

    public static func recordDrawnFrom(_ drawn: DrawnFrom, into dir: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(drawn).write(to: dir.appendingPathComponent(drawnFromFile))
    }

    /// Writes `<dir>/<name>.{dat,gp,png,svg}` for each figure; returns the PNG paths.
    @discardableResult
    public static func render(_ figures: [Figure], into dir: URL) throws -> [URL] {
        guard shell(["which", "gnuplot"]) != nil else {
            throw SuiteError.tool(
                "gnuplot not found: install the Debian package 'gnuplot-nox' (apt-get install gnuplot-nox, or `make "
                    + "deps`)"
            )
        }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var out: [URL] = []
        for figure in figures {
            let f = drawable(figure)
            guard !f.series.isEmpty else {
                FileHandle.standardError.write(Data("note: figure \(f.name) has no data in this run: not drawn\n".utf8))
                continue
            }
            let data = dataFile(f), script = scriptFile(f)
            try data.write(to: dir.appendingPathComponent(f.name + ".dat"), atomically: true, encoding: .utf8)
            try script.write(to: dir.appendingPathComponent(f.name + ".gp"), atomically: true, encoding: .utf8)
            // Driven through gnuplot-iostream's pipe (CGnuplot): the script goes to gnuplot's standard input.
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gnuplot-\(UUID().uuidString)")
            let (errorFile, statusFile) = (scratch.path + ".err", scratch.path + ".status")
            defer { for path in [errorFile, statusFile] { try? FileManager.default.removeItem(atPath: path) } }
            let status = reprise_gnuplot_run(script, dir.path, errorFile, statusFile)
            guard status == 0 else {
                let errText = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
                throw SuiteError.tool("gnuplot failed on \(f.name) (exit \(status)): \(errText)")
            }
            out.append(dir.appendingPathComponent(f.name + ".png"))
        }
        return out
    }

    /// The figure without its empty series. gnuplot numbers data blocks by the blank lines between them,
    /// so an empty block (a series the run did not record, or a misspelt name) would shift every later
    /// `index` by one and draw each following curve under the previous one's legend entry.
    static func drawable(_ f: Figure) -> Figure {
        var g = f
        g.series = f.series.filter { !$0.points.isEmpty }
        return g
    }

    /// One gnuplot data block per series (selected by `index i`), non-finite values written as NaN (gnuplot skips
    /// them).
    static func dataFile(_ f: Figure) -> String {
        var s = "# \(f.title)\n"
        for (i, series) in f.series.enumerated() {
            s += "# index \(i): \(series.label)\n"
            for (k, p) in series.points.enumerated() {
                var cols = [num(p.x), num(p.y)]
                if let b = series.bars?[k] { cols += [num(b.low), num(b.high)] }
                if let v = series.values?[k] { cols.append(num(v)) }
                s += cols.joined(separator: " ") + "\n"
            }
            s += "\n\n"
        }
        return s
    }

    static func num(_ x: Double) -> String { x.isFinite ? String(format: "%.9g", x) : "NaN" }

    static func quote(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }

    static func scriptFile(_ f: Figure) -> String {
        let keyBelow = f.keyPosition == "below"
        // A key below the plot takes two columns when its labels fit half the canvas width (about 40
        // characters of the default font), one otherwise; the bottom margin is sized for its rows.
        let labels = f.series.map(\.label).filter { !$0.isEmpty }
        let columns = (labels.map(\.count).max() ?? 0) <= 40 ? 2 : 1
        var lines = [
            "# Rendered by reprise; re-render with: gnuplot \(f.name).gp",
            "set encoding utf8",
            "set title \(quote(f.title)) noenhanced",
            "set xlabel \(quote(f.xLabel)) noenhanced",
            "set ylabel \(quote(f.yLabel)) noenhanced",
            "set key \(f.keyPosition)\(keyBelow ? " maxcols \(columns)" : "") noenhanced box opaque",
            "set grid lc rgb \"#dddddd\"",
            "set border lw 1",
        ]
        // gnuplot does not leave room for a boxed key below the plot: its xlabel ends up under
        // the key. A fixed number of columns makes the key's height known, and the margin holds it.
        if keyBelow { lines.append("set bmargin \(4 + (labels.count + columns - 1) / columns)") }
        if f.logX { lines.append("set logscale x") }
        if f.logY { lines.append("set logscale y") }
        lines += f.extra
        let plots = f.series.enumerated().map { i, s -> String in
            let color = palette[(s.color ?? i) % palette.count]
            // unlabelled: a repeat of a labelled curve
            let title = s.label.isEmpty ? "notitle" : "title \(quote(s.label))"
            if s.style == .heatmap {
                return "'\(f.name).dat' index \(i) using 1:2:3 with points pt 5 ps 7 lc palette \(title)"
            }
            let using = s.style == .yerrorbars ? "using 1:2:3:4" : "using 1:2"
            // Point type and size only where points are drawn: gnuplot warns about them on lines.
            let point = s.style == .lines ? "" : " pt \(4 + (s.color ?? i) % 6) ps 0.9"
            return
                "'\(f.name).dat' index \(i) \(using) with \(s.style.rawValue) lw 2 lc rgb \"\(color)\" dt "
                + "\(s.dashed ? 2 : 1)\(point) \(title)"
        }
        let plot = "plot " + plots.joined(separator: ", \\\n     ")
        lines += [
            "set terminal pngcairo size 960,640 font \"DejaVu Sans,11\" noenhanced",
            "set output '\(f.name).png'",
            plot,
            "set terminal svg size 960,640 font \"DejaVu Sans,11\" noenhanced",
            "set output '\(f.name).svg'",
            "replot",
            "unset output",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}

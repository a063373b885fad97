import Foundation
import RepriseSuite
import Testing

/// Figures go to gnuplot through gnuplot-iostream's pipe (CGnuplot, issue 30): same bytes for the same
/// data, and gnuplot's own error when a script is wrong.
@Suite struct GnuplotTests {
    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    let figure = Figure(
        name: "line", title: "a line", xLabel: "x", yLabel: "y",
        series: [Figure.Series("y = 2x", [(1, 2), (2, 4), (3, 6)])])

    @Test func twoRendersOfTheSameDataGiveTheSameBytes() throws {
        let (a, b) = (try folder(), try folder())
        defer { for d in [a, b] { try? FileManager.default.removeItem(at: d) } }
        let png = try Gnuplot.render([figure], into: a)
        _ = try Gnuplot.render([figure], into: b)
        #expect(png.map(\.lastPathComponent) == ["line.png"])
        for ext in ["png", "svg", "dat", "gp"] {
            let (x, y) = (
                try Data(contentsOf: a.appendingPathComponent("line.\(ext)")),
                try Data(contentsOf: b.appendingPathComponent("line.\(ext)"))
            )
            #expect(x == y && x.count > 20, "line.\(ext)")
        }
    }

    /// An empty series (not recorded, or a misspelt name) is left out of both the data and the plot
    /// command, so the next series keeps its own data block and legend entry.
    @Test func anEmptySeriesCannotShiftAnothersLegend() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var f = figure
        f.series = [Figure.Series("missing", []), Figure.Series("y = 2x", [(1, 2), (2, 4), (3, 6)])]
        _ = try Gnuplot.render([f], into: dir)
        let script = try String(contentsOf: dir.appendingPathComponent("line.gp"), encoding: .utf8)
        let data = try String(contentsOf: dir.appendingPathComponent("line.dat"), encoding: .utf8)
        #expect(script.contains("index 0 using 1:2") && script.contains("title \"y = 2x\""))
        #expect(!script.contains("missing") && !script.contains("index 1"))
        #expect(data.contains("# index 0: y = 2x\n1 2\n"))
        var empty = figure
        empty.series = [Figure.Series("missing", [])]
        #expect(try Gnuplot.render([empty], into: dir).isEmpty)  // nothing to draw: said, not a gnuplot error
    }

    @Test func aBadScriptFailsWithGnuplotsOwnMessage() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var bad = figure
        bad.extra = ["set notacommand"]
        #expect { try Gnuplot.render([bad], into: dir) } throws: { error in
            let text = "\(error)"
            return text.contains("gnuplot failed on line") && text.contains("notacommand")
        }
    }
}

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

    let figure = Figure(name: "line", title: "a line", xLabel: "x", yLabel: "y",
                        series: [Figure.Series("y = 2x", [(1, 2), (2, 4), (3, 6)])])

    @Test func twoRendersOfTheSameDataGiveTheSameBytes() throws {
        let (a, b) = (try folder(), try folder())
        defer { for d in [a, b] { try? FileManager.default.removeItem(at: d) } }
        let png = try Gnuplot.render([figure], into: a)
        _ = try Gnuplot.render([figure], into: b)
        #expect(png.map(\.lastPathComponent) == ["line.png"])
        for ext in ["png", "svg", "dat", "gp"] {
            let (x, y) = (try Data(contentsOf: a.appendingPathComponent("line.\(ext)")),
                          try Data(contentsOf: b.appendingPathComponent("line.\(ext)")))
            #expect(x == y && x.count > 20, "line.\(ext)")
        }
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

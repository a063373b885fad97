import ArgumentParser
import Foundation

/// `reprise crosscheck-case <case> --out DIR`: the inputs a peer needs (weights, batches,
/// gradients) and what the engine computed from them, as `.npy` files and a `case.json` of settings,
/// for the scripts of `make crosscheck` (Tests/Crosscheck) to recompute in PyTorch, galore-torch,
/// bitsandbytes, SciPy and neural-tangents. The peer never re-implements the engine's random streams:
/// every input is here. A scenario's case runs the scenario's own code (its weights, split, batches, trials).
struct CrosscheckCase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosscheck-case",
        abstract: "Write one cross-check's inputs and the engine's results as .npy files (make crosscheck).")

    enum Case: String, ExpressibleByArgument, CaseIterable {
        case galore, blockwise8bit, hvp, curvature, mlp, grokking
        case doubleDescent = "double-descent"
        case ntk
        case gradientNoise = "gradient-noise"
        case lrBatch = "lr-batch"
        case llama
    }

    @Argument(help: "The check: \(Case.allCases.map(\.rawValue).joined(separator: ", ")).") var name: Case
    @Option(help: "Directory to write into (created).") var out: String

    func run() throws {
        let dir = URL(fileURLWithPath: out, isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let files = CaseFiles(dir: dir)
        switch name {
        case .galore: try CrosscheckCases.galore(files)
        case .blockwise8bit: try CrosscheckCases.blockwise8bit(files)
        case .hvp: try CrosscheckCases.hvp(files)
        case .curvature: try CrosscheckCases.curvature(files)
        case .mlp: try CrosscheckCases.mlp(files)
        case .grokking: try CrosscheckCases.grokking(files)
        case .doubleDescent: try CrosscheckCases.doubleDescent(files)
        case .ntk: try CrosscheckCases.ntk(files)
        case .gradientNoise: try CrosscheckCases.gradientNoise(files)
        case .lrBatch: try CrosscheckCases.lrBatch(files)
        case .llama: try CrosscheckCases.llama(files)
        }
        try JSONSerialization.data(withJSONObject: files.settings, options: [.sortedKeys, .prettyPrinted])
            .write(to: dir.appendingPathComponent("case.json"))
    }
}

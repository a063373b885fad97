import ArgumentParser
import Foundation
import RepriseEngine
import RepriseSuite

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the engine's training steps against the sgemm peak measured in the same process.")
    @Option(help: "Timed repetitions of the slower steps (the fast ones run 5x as many).") var repeats = 20
    @Option(help: "Only the steps whose name contains this (e.g. LLaMA).") var only: String?
    @Option(help: "Threads the engine computes with (default: every core).") var threads: Int?
    @Flag(help: "Print the result as JSON.") var json = false
    @Flag(
        help: ArgumentHelp(
            "Instead of timing, print the losses of each workload's first 10 steps from its fixed seed, as JSON (the "
                + "golden trajectories of the engine tests; one thread unless --threads says otherwise, the same bits "
                + "either way).")
    )
    var trajectories = false
    @Flag(help: "Time each op's forward and backward pass within the steps: where the time goes.")
    var ops = false

    struct Output: Encodable { let sgemmPeakGflops: Double, openBLASKernels: String, steps: [Benchmarks.Result] }

    func validate() throws {
        if let threads, !(1...64).contains(threads) {
            throw ValidationError("--threads must be in 1...64, not \(threads)")
        }
    }

    func run() throws {
        Runtime.cacheLargeAllocations()
        if let threads { Parallel.setThreads(threads) }
        if ops {
            for w in Benchmarks.opProfiles(repeats: repeats, only: only) {
                print(
                    String(
                        format: "### %@: %.2f ms a step (median), %.2f ms the mean profiled step\n", w.name, w.stepMs,
                        w.profiledStepMs))
                print("| op or section | forward ms | backward ms | calls | share of the profiled step |")
                print("|---|---:|---:|---:|---:|")
                for l in w.lines {
                    print(
                        String(
                            format: "| %@ | %.3f | %.3f | %.0f | %.1f%% |", l.name, l.forwardMs, l.backwardMs, l.calls,
                            100 * (l.forwardMs + l.backwardMs) / w.profiledStepMs))
                }
                print()
            }
            return
        }
        if trajectories {
            try printJSON(
                Dictionary(
                    uniqueKeysWithValues: Benchmarks.trajectories(threads: threads ?? 1).map { ($0.name, $0.losses) }))
            return
        }
        // Steps first: timing OpenBLAS's own threads for the peak leaves its workers spinning for a while.
        let steps = Benchmarks.trainingSteps(repeats: repeats, only: only)
        let peak = Benchmarks.sgemmPeak()
        if json { try printJSON(Output(sgemmPeakGflops: peak, openBLASKernels: BLASInfo.core, steps: steps)); return }
        print(
            "sgemm peak (1024^3, median): \(String(format: "%.1f", peak)) GFLOP/s on \(Parallel.threads) thread(s); "
                + "products split in blocks of \(Parallel.rowBlock(Float.self)) rows; OpenBLAS kernels: "
                + "\(BLASInfo.core)\n"
        )
        print("| step | median ms | GFLOP/s | of sgemm peak |")
        print("|---|---:|---:|---:|")
        for s in steps {
            print(String(format: "| %@ | %.2f | %.1f | %.0f%% |", s.name, s.medianMs, s.gflops, 100 * s.gflops / peak))
        }
    }
}

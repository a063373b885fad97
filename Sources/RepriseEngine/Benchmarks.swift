import Foundation

/// Timings of the engine's training steps, as ratios to this machine's sgemm
/// peak measured in the same process (absolute times on shared machines are noise).
public enum Benchmarks {
    public struct Result: Sendable, Codable {
        public let name: String
        /// Median wall time of one step (forward, backward, optimizer update), ms.
        public let medianMs: Double
        /// Multiply-add FLOPs of the step's matrix products (2mnk each, forward and backward).
        public let flops: Double
        public var gflops: Double { flops / medianMs / 1e6 }
    }

    /// Median GFLOP/s of a square sgemm of size n on `Parallel.threads` threads: the better of
    /// OpenBLAS's own threading and the engine's split (`Parallel.gemm`), so that no step's share
    /// of it is flattered by a slow reference.
    public static func sgemmPeak(n: Int = 1024, repeats: Int = 15) -> Double {
        var rng = RNG(seed: 1)
        let a = Tensor<Float>.normal([n, n], rng: &rng), b = Tensor<Float>.normal([n, n], rng: &rng)
        var c = Tensor<Float>.zeros([n, n])
        let cp = c.mutableData
        BLASInfo.setThreads(Parallel.threads)
        let openBLAS = medianMs(repeats: repeats) {
            Float.gemm(
                transA: false, transB: false, m: n, n: n, k: n, alpha: 1, a: a.data, lda: n,
                b: b.data, ldb: n, beta: 0, c: cp, ldc: n)
        }
        BLASInfo.setThreads(1)
        let engine = medianMs(repeats: repeats) {
            Parallel.gemm(
                transA: false, transB: false, m: n, n: n, k: n, alpha: 1, a: a.data, lda: n,
                b: b.data, ldb: n, beta: 0, c: cp, ldc: n)
        }
        return 2 * Double(n * n * n) / min(openBLAS, engine) / 1e6
    }

    static func medianMs(repeats: Int, warmup: Int = 3, _ body: () -> Void) -> Double {
        for _ in 0..<warmup { body() }
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return times.sorted()[times.count / 2]
    }

    /// 3 × (forward product FLOPs) for an MLP: one product forward, two backward (the first layer's dx is skipped).
    static func mlpFlops(_ widths: [Int], batch: Int) -> Double {
        let fwd = zip(widths, widths.dropFirst()).reduce(0.0) { $0 + 2 * Double(batch * $1.0 * $1.1) }
        let firstDx = 2 * Double(batch * widths[0] * widths[1])
        return 3 * fwd - firstDx
    }

    /// A benchmark workload: its name, the FLOPs of one step, and a closure that takes one
    /// training step (forward, backward, update) and returns the step's loss.
    struct Workload {
        let name: String, flops: Double
        let step: () -> Double
    }

    static func mlpWorkload(
        _ name: String, widths: [Int], batch: Int, bias: Bool, adam: Bool, weightDecay: Double = 0
    ) -> Workload {
        var rng = RNG(seed: 2)
        let model = MLP<Float>(widths: widths, bias: bias, init: .he, rng: &rng)
        let x = Variable(Tensor<Float>.normal([batch, widths[0]], rng: &rng))
        let labels = (0..<batch).map { _ in rng.int(below: widths.last!) }
        let opt: Optimizer<Float> =
            adam
            ? .adam(model.parameters, lr: 1e-3, beta2: 0.99, weightDecay: weightDecay)
            : .sgd(model.parameters, lr: 0.01)
        return Workload(name: name, flops: mlpFlops(widths, batch: batch)) {
            OpProfile.section("zeroGrad") { opt.zeroGrad() }
            let loss = softmaxCrossEntropy(model(x), labels: labels)
            loss.backward()
            OpProfile.section("optimizer") { opt.step() }
            return Double(loss.value[flat: 0])
        }
    }

    static func llamaWorkload() -> Workload {
        let c = LlamaConfig(vocab: 256, dim: 128, layers: 4, heads: 4, hidden: 344)
        let (b, t) = (16, 64)
        var rng = RNG(seed: 3)
        let model = LlamaModel<Float>(c, rng: &rng)
        let tokens = (0..<b).map { _ in (0...t).map { _ in rng.int(below: c.vocab) } }
        let opt = Optimizer<Float>.adam(model.parameters, lr: 1e-3, weightDecay: 0.1)
        let n = Double(b * t), d = Double(c.dim)
        let perLayer =
            2 * n * d * d * 4 + 2 * n * d * Double(c.hidden) * 3 + 2 * 2 * Double(b * c.heads) * Double(t * t) * d
            / Double(c.heads)
        let fwd = Double(c.layers) * perLayer + 2 * n * d * Double(c.vocab)
        return Workload(name: "LLaMA LM 256/128/4L/4H/344, 16x64 tokens, AdamW", flops: 3 * fwd) {
            OpProfile.section("zeroGrad") { opt.zeroGrad() }
            let loss = model.loss(tokens: tokens)
            loss.backward()
            OpProfile.section("optimizer") { opt.step() }
            return Double(loss.value[flat: 0])
        }
    }

    /// The five workloads named in the engine issue, built fresh (the same weights and data every time);
    /// with `only`, those whose name contains it.
    static func workloads(only: String? = nil) -> [(key: String, make: () -> Workload)] {
        allWorkloads().filter { only == nil || $0.key.localizedCaseInsensitiveContains(only!) }
    }

    private static func allWorkloads() -> [(key: String, make: () -> Workload)] {
        [
            (
                "MLP 784-256-256-10",
                {
                    mlpWorkload(
                        "MLP 784-256-256-10, batch 128, SGD", widths: [784, 256, 256, 10], batch: 128, bias: true,
                        adam: false)
                }
            ),
            (
                "Deep MLP",
                {
                    mlpWorkload(
                        "Deep MLP 784-(50x20)-10, batch 128, SGD",
                        widths: [784] + Array(repeating: 50, count: 20) + [10], batch: 128,
                        bias: true, adam: false)
                }
            ),
            (
                "Grokking MLP",
                {
                    mlpWorkload(
                        "Grokking MLP 226-200-200-113 no bias, batch 5107, AdamW", widths: [226, 200, 200, 113],
                        batch: 5107,
                        bias: false, adam: true, weightDecay: 1)
                }
            ),
            (
                "Wide MLP",
                {
                    mlpWorkload(
                        "Wide MLP 784-1024-1024-10, batch 256, Adam", widths: [784, 1024, 1024, 10], batch: 256,
                        bias: true, adam: true)
                }
            ),
            ("LLaMA", { llamaWorkload() }),
        ]
    }

    /// The losses of the first `steps` training steps of each workload from its fixed seed, in the
    /// style of llm.c's test: a change that alters the numbers shows here before it shows anywhere else.
    /// One thread by default, as trials compute; the engine's splits do not change a bit (a test checks).
    public static func trajectories(steps: Int = 10, threads: Int = 1) -> [(name: String, losses: [Double])] {
        Parallel.withThreads(threads) {
            workloads().map { w in
                let workload = w.make()
                return (w.key, (0..<steps).map { _ in workload.step() })
            }
        }
    }

    /// Where the time of each step goes, op by op (`OpProfile`), over `repeats` steps after 3 warm-up
    /// steps; with the step's median time unprofiled, and the mean of the profiled steps (which the
    /// shares are of).
    public static func opProfiles(
        repeats: Int = 20, only: String? = nil
    ) -> [(name: String, stepMs: Double, profiledStepMs: Double, lines: [OpProfile.Line])] {
        workloads(only: only).map { w in
            let workload = w.make()
            let ms = medianMs(repeats: repeats) { _ = workload.step() }
            let profile = OpProfile()
            let start = DispatchTime.now().uptimeNanoseconds
            AutodiffObservation.$observer.withValue(profile) {
                for _ in 0..<repeats { profile.restart(); _ = workload.step() }
            }
            let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(repeats)
            return (workload.name, ms, total, profile.lines(perSteps: repeats))
        }
    }

    /// The five steps named in the engine issue (those whose name contains `only`, if given); the two
    /// small MLPs get 5x the repeats. Only what this process measures: a peer's times come from running the peer.
    public static func trainingSteps(repeats: Int = 20, only: String? = nil) -> [Result] {
        workloads(only: only).map { w in
            let workload = w.make()
            let small = w.key.hasPrefix("MLP") || w.key.hasPrefix("Deep")
            let ms = medianMs(repeats: small ? repeats * 5 : repeats) { _ = workload.step() }
            return Result(name: workload.name, medianMs: ms, flops: workload.flops)
        }
    }
}

/// Wall time per op of training steps, forward and backward: where a step's time goes, without perf
/// (`reprise bench --ops`), the engine's `AutodiffObserver`. On for the work inside
/// `AutodiffObservation.$observer.withValue(profile)`; elsewhere each op
/// pays one task-local read. A backward closure is charged its own time; a forward op the time since
/// the previous op or section ended, i.e. its own work plus any model code that ran just before it.
/// Time on the engine's other threads is inside the op that started it.
public final class OpProfile: AutodiffObserver, @unchecked Sendable {
    /// The profile observing the current task, if any.
    public static var current: OpProfile? { AutodiffObservation.observer as? OpProfile }

    public struct Line: Sendable, Codable {
        public let name: String
        public let forwardMs: Double, backwardMs: Double, calls: Double
    }

    private struct Totals { var name: StaticString, forward: UInt64 = 0, backward: UInt64 = 0, calls = 0 }
    private var ops: [UnsafeRawPointer: Totals] = [:]  // keyed by the op name's address: no string per op
    private var sections: [String: (nanoseconds: UInt64, calls: Int)] = [:]
    private var last = DispatchTime.now().uptimeNanoseconds

    public init() {}

    /// Starts the clock for the next forward op: call at the start of each step.
    public func restart() { last = DispatchTime.now().uptimeNanoseconds }

    public func forwardEnded(_ op: StaticString) {
        let now = DispatchTime.now().uptimeNanoseconds
        ops[UnsafeRawPointer(op.utf8Start), default: Totals(name: op)].forward += now - last
        ops[UnsafeRawPointer(op.utf8Start)]!.calls += 1
        last = now
    }

    public func backward(_ op: StaticString, _ body: () -> Void) {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        let now = DispatchTime.now().uptimeNanoseconds
        ops[UnsafeRawPointer(op.utf8Start), default: Totals(name: op)].backward += now - start
        last = now
    }

    /// Runs `body` charged to `name` rather than to an op (the optimizer, the graph walk).
    public func section<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            last = DispatchTime.now().uptimeNanoseconds
            sections[name, default: (0, 0)].nanoseconds += last - start
            sections[name]!.calls += 1
        }
        return try body()
    }

    /// `body` as a section of the current profile, if any.
    public static func section<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        if let current { return try current.section(name, body) }
        return try body()
    }

    /// Per op (named by its function, without arguments) and per section, divided by `steps`, largest first.
    public func lines(perSteps steps: Int) -> [Line] {
        let s = Double(steps)
        let byOp = ops.values.map { t in
            Line(
                name: "\(t.name)".prefix { $0 != "(" }.description, forwardMs: Double(t.forward) / 1e6 / s,
                backwardMs: Double(t.backward) / 1e6 / s, calls: Double(t.calls) / s)
        }
        let bySection = sections.map {
            Line(
                name: $0.key, forwardMs: Double($0.value.nanoseconds) / 1e6 / s, backwardMs: 0,
                calls: Double($0.value.calls) / s)
        }
        return (byOp + bySection).sorted { $0.forwardMs + $0.backwardMs > $1.forwardMs + $1.backwardMs }
    }
}

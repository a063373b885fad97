/// What a profiler sees of the autodiff core: each op's forward pass ending, each op's backward closure, and
/// the graph walk as a named section. The core calls the observer the current task set
/// (`AutodiffObservation.observer`, task-local) and nothing else; without one, an op pays one task-local read.
/// The profiler itself is `OpProfile` (`reprise bench --ops`, Benchmarks.swift).
public protocol AutodiffObserver: AnyObject, Sendable {
    /// An op's forward pass ended (`op` is its `#function`).
    func forwardEnded(_ op: StaticString)
    /// Runs an op's backward closure.
    func backward(_ op: StaticString, _ body: () -> Void)
    /// Runs `body` charged to `name` rather than to an op (the graph walk).
    func section<R>(_ name: String, _ body: () throws -> R) rethrows -> R
}

public enum AutodiffObservation {
    /// The observer of the autodiff work this task does, if any.
    @TaskLocal public static var observer: (any AutodiffObserver)?
}

import Foundation
import RepriseEngine

/// One independent unit of a scenario's work: a training run, a grid cell and
/// seed, a batch of kernels. A trial is a pure function of its key, its own
/// config and the run's seed, so it can run in any process, in any order, on
/// any machine, and be served from the store when it has run before.
public struct Trial: Sendable {
    /// Unique within the run and stable across runs, e.g. "fig1/w512/s3".
    public let key: String
    /// Every value the trial reads, and only those, plus `blas_threads`: the cache key hashes
    /// it, so a trial is recomputed exactly when something it depends on changes.
    public let config: Config
    /// Relative cost estimate (any unit, the same within a scenario): the
    /// scheduler starts expensive trials first and shards balance on it.
    public let cost: Double

    /// `blasThreads`: the threads this trial computes with, whatever `--jobs` is (the engine's
    /// `Parallel` threads; named when OpenBLAS's own threads did the work, whose results changed
    /// in the last bits with their count, where the engine's splits change none). Part of the
    /// trial's definition, not of the machine it lands on. One, unless a single trial is long
    /// enough to be a run's critical path; it then occupies that many of the `--jobs` slots.
    public init(_ key: String, _ config: Config, cost: Double = 1, blasThreads: Int = 1) {
        (self.key, self.config, self.cost) = (key, config.setting("blas_threads", Double(blasThreads)), cost)
    }

    /// A trial as a worker receives it: the config already holds `blas_threads`.
    public init(key: String, storedConfig: Config) throws {
        guard case let .number(n)? = storedConfig.values["blas_threads"], n >= 1 else {
            throw SuiteError.badConfig("trial \(key): its config has no blas_threads")
        }
        (self.key, self.config, self.cost) = (key, storedConfig, 1)
    }

    public var blasThreads: Int { config.int("blas_threads") }
}

/// What a trial measured: named vectors of numbers, stored bit for bit.
public struct TrialValues: Sendable, Equatable {
    public private(set) var values: [String: [Double]] = [:]

    public init(_ values: [String: [Double]] = [:]) { self.values = values }

    mutating func append(_ name: String, _ xs: [Double]) { values[name, default: []].append(contentsOf: xs) }

    /// A recorded vector; a name the trial never recorded is a scenario bug, reported as such.
    public func vector(_ name: String) -> [Double] {
        guard let v = values[name] else {
            fatalError("trial recorded no value '\(name)'; it has \(values.keys.sorted())")
        }
        return v
    }

    /// A recorded scalar: the last value of the vector.
    public func scalar(_ name: String) -> Double { vector(name).last! }

    public func has(_ name: String) -> Bool { values[name] != nil }

    /// FNV-1a 64 of the names and the exact bits of every value: equal when the trials agree bit for bit.
    public var digest: String {
        var h = FNV1a()
        for name in values.keys.sorted() {
            h.add(name.utf8)
            for x in values[name]! { h.add(x.bitPattern) }
        }
        return h.hex
    }
}

/// What a trial sees while it runs: its key and config, random streams labelled
/// by the run's seed, a place to record values, and the interrupt checkpoint.
public final class TrialContext {
    public let trial: Trial
    public let seed: UInt64
    public var config: Config { trial.config }
    public private(set) var values = TrialValues()
    private let notes: (String) -> Void

    /// A trial run in this process (the worker's, or a cross-check's: `reprise crosscheck-case`).
    public init(trial: Trial, seed: UInt64, notes: @escaping (String) -> Void = { _ in }) {
        (self.trial, self.seed, self.notes) = (trial, seed, notes)
    }

    /// The stream for one named part of the run. Labels, never scheduling order,
    /// choose the stream: two trials that share a label (a paired comparison) share it.
    public func rng(_ label: String) -> RNG { RNG(seed: seed).split(label) }

    /// Appends to a named vector of the trial's result.
    public func record(_ name: String, _ x: Double) { values.append(name, [x]) }
    public func record(_ name: String, _ xs: [Double]) { values.append(name, xs) }

    /// Where a long loop lets Ctrl-C stop the trial; an interrupted trial is not stored.
    public func checkpoint() throws { try Interrupts.checkpoint() }

    /// A line for the user (warnings about divergence, say), shown when the trial ends.
    public func note(_ message: String) { notes(message) }
}

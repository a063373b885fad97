import Foundation
import Synchronization

/// Worker threads that spin for a short while after each parallel call, then sleep on a
/// condition: the gaps between the ops of a training step are microseconds, a wake-up from
/// sleep tens of them.
final class ThreadPool: @unchecked Sendable {
    static let maximumThreads = 64
    /// Spins before sleeping (a load each, ~0.1-0.3 ms in all).
    private static let spins = 1 << 18

    /// Parts per call: the caller's and one per worker.
    let threads: Int
    private let generation = Atomic<Int>(0)  // bumped once per call; workers wait for a change
    private let pending = Atomic<Int>(0)  // workers' parts still running
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)  // one call at a time; others run inline
    private let wake = NSCondition()
    // Written by the caller before it bumps `generation`, read by the workers after they see it.
    private nonisolated(unsafe) var task: ((Int) -> Void)?

    init(threads: Int) {
        self.threads = threads
        for w in 1..<threads {
            let thread = Thread { self.work(part: w) }
            thread.name = "reprise worker \(w)"
            thread.start()
        }
    }

    /// body(0) here, body(1..<threads) on the workers; returns when all have.
    func run(_ body: (Int) -> Void) {
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for t in 0..<threads { body(t) }
            return
        }
        withoutActuallyEscaping(body) { body in
            task = body
            pending.store(threads - 1, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 { wake.lock(); wake.broadcast(); wake.unlock() }
            body(0)
            while pending.load(ordering: .acquiring) > 0 {}
            task = nil
        }
        busy.store(false, ordering: .releasing)
    }

    private func work(part: Int) {
        var seen = 0
        while true {
            var current = generation.load(ordering: .acquiring), spun = 0
            while current == seen {
                spun += 1
                if spun < Self.spins { current = generation.load(ordering: .acquiring); continue }
                wake.lock()
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                wake.unlock()
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            task!(part)
            pending.subtract(1, ordering: .releasing)
        }
    }
}

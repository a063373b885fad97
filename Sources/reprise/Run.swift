import ArgumentParser
import Foundation
import RepriseEngine
import RepriseSuite

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a scenario (or all) and store the results.")
    @OptionGroup var sweep: Sweep
    @Option(help: "smoke (seconds), quick (minutes) or paper (hours).") var profile: Profile = .quick
    @Option(help: "Worker processes that run trials at once (default: the number of cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Recompute every trial instead of reusing stored ones.") var fresh = false
    @Option(
        help: ArgumentHelp(
            "Compute only shard i of n of the trials (i from 0, e.g. $SLURM_ARRAY_TASK_ID/4); stores trials, "
                + "aggregates nothing.",
            valueName: "i/n"))
    var shard: String?
    @Flag(help: "Print the outcome as JSON: run id, trials, metrics, claims with verdicts.") var json = false
    @Flag(help: "No progress display.") var quiet = false
    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, not \(jobs)") }
        if let shard { _ = try Shard(shard) }
    }

    func run() throws {
        try sweep.check(profile: profile)  // bad input fails before the store is opened or created
        let suite = try store.suite(jobs: jobs)
        Interrupts.install()
        let ids = try sweep.ids(in: suite)
        let (seed, overrides) = (sweep.seed, sweep.overrides)
        if let shard {
            let outcomes = try suite.runShard(
                ids, profile: profile, seed: seed, overrides: overrides, shard: try Shard(shard),
                fresh: fresh, quiet: quiet || json)
            if json { try printJSON(outcomes); return }
            for o in outcomes {
                print(
                    "\(o.scenario) [\(profile)] shard \(o.shard): \(o.trialsComputed) of \(o.trialsAssigned) "
                        + "assigned trials computed"
                )
            }
            return
        }
        var outcomes: [RunOutcome] = []
        for id in ids {
            let o = try suite.run(
                id, profile: profile, seed: seed, overrides: overrides, fresh: fresh, quiet: quiet || json)
            outcomes.append(o)
            if !json {
                print(
                    "\(id) [\(profile)] run \(o.runID): \(Verdict.tally(o.claims)) (claims.json \(o.claimsHash)), "
                        + "\(fmt(o.wallSeconds)) s, \(o.trialsComputed) of \(o.trialsTotal) trials computed")
                printClaims(o.claims)
            }
        }
        if json { try sweep.all ? printJSON(outcomes) : printJSON(outcomes[0]) }
    }
}

/// Findings, then sanity checks on their own lines: verdict, id, what was measured, and the reason
/// for any verdict that is neither pass nor fail.
func printClaims(_ claims: [ClaimResult]) {
    for kind in ClaimSpec.Kind.allCases {
        for c in claims where c.kind == kind {
            let tag = (kind == .sanity ? "sanity " : "") + c.verdict.rawValue
            print("  \(tag.padding(toLength: 19, withPad: " ", startingAt: 0)) \(c.id): \(c.measured)")
            if let reason = c.reason { print(String(repeating: " ", count: 22) + "\(c.verdict.rawValue): \(reason)") }
            if let r = c.registration, r.mark != .registered {
                print(String(repeating: " ", count: 22) + r.description)
            }
        }
    }
}

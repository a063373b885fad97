import ArgumentParser
import Foundation
import RepriseEngine
import RepriseSuite

/// What a worker process does: one trial, stored in its own transaction. Started by `run`, not by hand.
struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one trial and store it (used by `run`).", shouldDisplay: false)
    @Argument var id: String
    @Option var key: String
    @Option(help: "The trial's config, canonical JSON.") var config: String
    @Option var seed: UInt64
    @Option(name: .customLong("code-id")) var codeID: String
    @Flag var replace = false
    @OptionGroup var store: StoreOptions

    func run() throws {
        Interrupts.install()
        let suite = try store.suite(jobs: 1, codeID: codeID)
        let config = try Config(json: config)
        do {
            let stored = try suite.computeTrial(
                id, try Trial(key: key, storedConfig: config), seed: seed,
                replacing: replace
            ) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            // The parent reads which row holds the trial from here (`WorkerPool` in Execution.swift).
            print(Execution.storedTrialPrefix + String(stored))
        } catch SuiteError.interrupted {
            throw ExitCode(130)
        }
    }
}

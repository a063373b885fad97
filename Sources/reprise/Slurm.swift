import ArgumentParser
import Foundation
import RepriseScenarios
import RepriseSuite

struct Slurm: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Write (and with --submit, submit) a Slurm job array that shards a sweep, plus an afterok job that "
            + "merges and aggregates."
    )
    @OptionGroup var sweep: Sweep
    @Option(help: "The profile the shards run.") var profile: Profile = .paper
    @Option(help: "Array tasks (shards).") var array: Int
    @Option(name: .customLong("cpus-per-task"), help: "CPUs per array task; each runs that many trials at once.")
    var cpusPerTask = 1
    @Option(help: "Slurm partition.") var partition: String?
    @Option(help: "Time limit per task, as sbatch takes it (e.g. 4:00:00).") var time: String?
    @Option(help: "Where the scripts, logs and shard stores go (on a filesystem every node sees).") var dir: String?
    @Flag(help: "Submit with sbatch.") var submit = false
    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard array >= 1 else { throw ValidationError("--array must be at least 1, not \(array)") }
        guard cpusPerTask >= 1 else { throw ValidationError("--cpus-per-task must be at least 1, not \(cpusPerTask)") }
    }

    func run() throws {
        try sweep.check(profile: profile)  // bad input fails here, and no store is opened
        let (all, seed, overrides) = (sweep.all, sweep.seed, sweep.overrides)
        let ids = all ? allScenarios.map { $0.id } : [sweep.id!], root = Replication.root
        let name = all ? "all" : ids[0]
        let directory = URL(
            fileURLWithPath: dir ?? root.appendingPathComponent("results/slurm/\(name)-\(profile)").path)
        let job = SlurmJob(
            scenarios: ids, all: all, profile: profile, seed: seed, overrides: overrides, tasks: array,
            cpusPerTask: cpusPerTask, partition: partition, time: time, directory: directory,
            target: URL(fileURLWithPath: store.db).standardizedFileURL.path,
            executable: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0],
            root: root)
        for url in try job.write() { print(url.path) }
        if submit {
            let (arrayID, mergeID) = try job.submit()
            print("submitted array job \(arrayID) (\(array) tasks) and merge job \(mergeID) (afterok)")
        }
    }
}

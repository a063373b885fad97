import Foundation
import Testing

/// Baselines are kept per OpenBLAS kernel: a smoke run on another kernel passes `check` (compared
/// only where kernels do not matter, with a note naming both) and is refused by `baseline`, which
/// says what to run instead. Run in a copy of the repository, so no committed baseline can change.
#if arch(x86_64)
    @Suite(.serialized) struct KernelBaselineTests {
        @Test func aSmokeRunOnAnotherKernelPassesCheckAndIsRefusedByBaseline() throws {
            let fm = FileManager.default
            let root = fm.temporaryDirectory.appendingPathComponent("reprise-kernel-\(UUID().uuidString)")
            defer { try? fm.removeItem(at: root) }
            try fm.createDirectory(at: root.appendingPathComponent("results"), withIntermediateDirectories: true)
            try fm.copyItem(
                at: repositoryRoot.appendingPathComponent("Replications"),
                to: root.appendingPathComponent("Replications"))
            try fm.copyItem(
                at: repositoryRoot.appendingPathComponent("results/baselines"),
                to: root.appendingPathComponent("results/baselines"))
            let db = root.appendingPathComponent("results/scratch.sqlite").path
            let env: [String: String?] = ["REPRISE_ROOT": root.path, "OPENBLAS_CORETYPE": "Sandybridge"]
            let run = try reprise(["run", "ntk-regime", "--profile", "smoke", "--quiet", "--db", db], environment: env)
            #expect(run.code == 0, "\(run.err)")
            let check = try reprise(["check", "--db", db], environment: env)
            #expect(
                check.code == 0
                    && check.out.contains("note: run 1 (seed 0) computed on Sandybridge, the baseline on Haswell"),
                "\(check.out)\(check.err)")
            let before = try Data(contentsOf: root.appendingPathComponent("results/baselines/ntk-regime.smoke.json"))
            let baseline = try reprise(["baseline", "ntk-regime", "--profile", "smoke", "--db", db], environment: env)
            #expect(
                baseline.code != 0 && baseline.err.contains("computed on Sandybridge (runs 1)")
                    && baseline.err.contains(
                        "OPENBLAS_CORETYPE=Haswell reprise run ntk-regime --profile smoke --seed $s"),
                "\(baseline.err)")
            #expect(
                try Data(contentsOf: root.appendingPathComponent("results/baselines/ntk-regime.smoke.json")) == before)
            // Rerun under the pinned kernel: the cache does not serve the Sandybridge trials, and baseline accepts the
            // run.
            let pinned: [String: String?] = ["REPRISE_ROOT": root.path, "OPENBLAS_CORETYPE": "Haswell"]
            let again = try reprise(
                ["run", "ntk-regime", "--profile", "smoke", "--json", "--quiet", "--db", db], environment: pinned)
            let outcome = try #require(try JSONSerialization.jsonObject(with: Data(again.out.utf8)) as? [String: Any])
            #expect((outcome["trialsComputed"] as? Int) == (outcome["trialsTotal"] as? Int))
            let accepted = try reprise(
                ["baseline", "ntk-regime", "--profile", "smoke", "--db", db], environment: pinned)
            #expect(accepted.code == 0, "\(accepted.err)")
        }
    }
#endif

import COpenBLAS
import Foundation

/// What the linked OpenBLAS says about itself (for run provenance), and the kernels it should run.
public enum BLASInfo {
    /// Read once: openblas_get_config() rebuilds its answer in one static buffer on every call
    /// (strcpy, then strcat), so two threads asking at once could read it half built, and a trial's
    /// cache key (which names the kernels) then differed between its store and its lookup. Nothing
    /// in it changes after OpenBLAS has loaded.
    public static let config: String = String(cString: openblas_get_config())
    /// The kernel set OpenBLAS chose when it loaded ("Haswell", "Zen", …): by CPU, or by
    /// OPENBLAS_CORETYPE, which it reads then and never again.
    public static var core: String { String(cString: openblas_get_corename()) }

    /// The kernel set this process should have loaded OpenBLAS with, if not the one it did: on
    /// Zen, Haswell's. Debian's OpenBLAS 0.3.21 runs the same sgemm kernel for both (the same
    /// bits: `bench --trajectories` byte for byte), but ran the two threads' row blocks of the
    /// steps' products slower with Zen's settings (2026-12-04, an AMD EPYC under KVM, three
    /// alternating rounds: grokking 22.8 → 19.3 ms, LLaMA 52 → 45, the small MLP 1.44 → 1.25, the
    /// wide MLP 18.6 → 18.0; grokking on one thread within 2%). nil when OPENBLAS_CORETYPE is
    /// already set: a choice made by hand stands.
    public static var preferredCore: String? {
        guard getenv("OPENBLAS_CORETYPE") == nil, core.lowercased() == "zen" else { return nil }
        return "Haswell"
    }
    /// OpenBLAS's own threads: 1, except while `Benchmarks.sgemmPeak` measures them (`Parallel`).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}

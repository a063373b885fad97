import Foundation
import RepriseEngine
import Testing

/// llm.c's check, for each benchmark workload: the losses of its first 10 steps from a fixed seed
/// against golden values (`golden-trajectories.json`, written by `reprise bench --trajectories`
/// under the OpenBLAS kernel `make test` pins). Speed work must not move them by more than the
/// tolerance; a failure prints the first step that differs.
@Suite struct TrajectoryTests {
    /// Float32 training: another CPU's OpenBLAS kernels (Cooperlake instead of the pinned Haswell)
    /// move the 10th loss by 2-4e-7 relative, measured; a changed op or update rule moves it by far more.
    static let tolerance = 1e-5

    @Test func firstTenLossesMatchTheGoldenTrajectories() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("golden-trajectories.json")
        let golden = try JSONDecoder().decode([String: [Double]].self, from: Data(contentsOf: url))
        let measured = Benchmarks.trajectories()
        #expect(Set(measured.map(\.name)) == Set(golden.keys))
        for (name, losses) in measured {
            let want = try #require(golden[name])
            #expect(losses.count == want.count)
            if let step = losses.indices.first(where: { abs(losses[$0] - want[$0]) > Self.tolerance * abs(want[$0]) }) {
                Issue.record("\(name): step \(step) loss \(losses[step]), golden \(want[step]) (first difference beyond \(Self.tolerance) relative)")
            }
        }
    }
}

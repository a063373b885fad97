import RepriseEngine
import Testing

/// `reprise bench --ops`: every op of a step is charged once, and the charges add up to the step.
@Suite struct OpProfileTests {
    @Test func theOpsOfAnMLPStepAccountForTheStep() throws {
        let profile = try #require(Benchmarks.opProfiles(repeats: 5, only: "MLP 784-256-256-10").first)
        let byName = Dictionary(uniqueKeysWithValues: profile.lines.map { ($0.name, $0) })
        // 784-256-256-10: two linear layers with their ReLU fused, the output layer, one loss; zeroGrad, step.
        #expect(byName["linear+relu"]?.calls == 2)
        #expect(byName["linear"]?.calls == 1)
        #expect(byName["softmaxCE"]?.calls == 1)
        #expect(byName["zeroGrad"]?.calls == 1 && byName["optimizer"]?.calls == 1)
        #expect(Set(byName.keys) == ["linear+relu", "linear", "softmaxCE", "zeroGrad", "optimizer", "autodiff graph"])
        #expect(byName["linear"]!.backwardMs > 0 && byName["linear+relu"]!.backwardMs > 0)
        let charged = profile.lines.reduce(0) { $0 + $1.forwardMs + $1.backwardMs }
        #expect(charged <= profile.profiledStepMs)
        #expect(charged >= 0.9 * profile.profiledStepMs, "\(charged) ms of \(profile.profiledStepMs) charged")
    }
}

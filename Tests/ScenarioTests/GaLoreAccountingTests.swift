import RepriseScenarios
import Testing

/// Part 1 of galore-memory is arithmetic on the LLaMA configs: checked against counts published
/// independently of the GaLore paper and against the paper's own statements where they agree.
@Suite struct GaLoreAccountingTests {
    let models = Dictionary(uniqueKeysWithValues: GaLoreAccounting.models.map { ($0.name, $0) })

    @Test func parameterCountsMatchPublishedLLaMA() {
        // LLaMA-7B (Touvron et al. 2023; the Hugging Face model's num_parameters()): 6,738,415,616.
        #expect(models["7B"]!.parameters == 6_738_415_616)
        // App. C.2: LoRA trains 42.7M of the 60M model, with embeddings, head and norms included.
        let small = models["60M"]!
        #expect(small.parameters == 58_073_600 && small.adaptors + small.rest == 42_770_944)
    }

    @Test func galoreStateIsMrPlus2nrOnTheSmallerSide() {
        // 60M, r = 128: attention 512 x 512 gives 3 * 512 * 128 each; MLP 512 x 1376 gives 512 r + 2 * 1376 r.
        let m = models["60M"]!
        #expect(m.galoreProjector == 8 * 7 * 512 * 128)
        #expect(m.galoreMoments == 8 * (4 * 2 * 512 * 128 + 3 * 2 * 1376 * 128) + 2 * m.rest)
        #expect(GaLoreAccounting.table2Cell(m, .full) == Double(3 * m.parameters) * 2 / 1e9)
    }

    /// App. C.2's worked example, its own numbers: at 60M, LoRA's 42.7M trainable parameters and the 60M
    /// original weights give 0.20G of weights and 0.17G of states, which holds only under its rule (the
    /// original weights plus every trainable parameter); the physical count (each weight once) gives 0.14G.
    @Test func appendixC2CountsLoRAWeightsAsOriginalPlusTrainable() {
        let m = models["60M"]!
        func twoDecimals(_ x: Double) -> Double { (x * 100).rounded() / 100 }
        #expect(twoDecimals(GaLoreAccounting.weights(m, .lora, convention: .appendixC2)) == 0.20)
        #expect(twoDecimals(GaLoreAccounting.states(m, .lora)) == 0.17)
        #expect(twoDecimals(GaLoreAccounting.weights(m, .lora, convention: .physical)) == 0.14)
        // Table 2's total under each rule: +3.5% and -14.7% against its 0.36G.
        let c2 = GaLoreAccounting.table2Cell(m, .lora, convention: .appendixC2)
        let physical = GaLoreAccounting.table2Cell(m, .lora)
        #expect(abs(c2 / 0.36 - 1 - 0.0356) < 0.001 && abs(physical / 0.36 - 1 + 0.1466) < 0.001)
    }

    @Test func sevenBStatements() {
        let s = GaLoreAccounting.sevenB()
        #expect(abs(s.galoreStateReduction - 0.6511) < 1e-4)  // paper: 65.5%
        #expect(abs(s.galore8bitStateReductionAll8bit - 0.8255) < 1e-4)  // paper: 82.5%
        #expect(abs(s.adamTotal - 55.907) < 1e-3)  // paper: 58 GB
    }
}

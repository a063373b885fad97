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

    @Test func sevenBStatements() {
        let s = GaLoreAccounting.sevenB()
        #expect(abs(s.galoreStateReduction - 0.6511) < 1e-4)             // paper: 65.5%
        #expect(abs(s.galore8bitStateReductionAll8bit - 0.8255) < 1e-4)  // paper: 82.5%
        #expect(abs(s.adamTotal - 55.907) < 1e-3)                        // paper: 58 GB
    }
}

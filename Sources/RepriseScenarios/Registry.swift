import RepriseSuite

/// Every scenario the CLI knows, in the order `reprise list` shows them.
/// Adding a replication: a folder in Replications/<id>/, a file here, one line below.
public let allScenarios: [any Scenario.Type] = [
    DoubleDescent.self,
    GaLoreMemory.self,
    GradientNoise.self,
    NTKRegime.self,
    GrokkingStableMax.self,
    LRBatchScaling.self,
]

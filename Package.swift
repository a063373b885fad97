// swift-tools-version:6.0
import PackageDescription

// Generic numeric code (Tensor<Float>, Tensor<Double>) lives in RepriseEngine but is
// instantiated by the scenarios; cross-module optimization lets the optimizer
// specialize those generics at the call site instead of dispatching per element.
// -Ounchecked drops overflow and array-bounds checks in the hot loops (1-7% per training
// step, measured against -O); it would drop `precondition` too, so the engine's shape and
// index checks are `require` (RepriseEngine/Runtime.swift), which it keeps. It applies to the
// engine, the data loaders (below) and the scenarios: cross-module optimization specializes the engine's
// generic ops inside the scenarios' training loops, so they are compiled with the scenarios' flags (with -O
// there, a quick grokking-stablemax run took 4.9% longer and double-descent 7.6%, measured back to back).
// The store, JSON, claims and CLI glue is not hot and keeps its checks (-O).
let engine: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization", "-Ounchecked"], .when(configuration: .release))
]
let optimized: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))
]

let package = Package(
    name: "reprise",
    platforms: [.macOS(.v15)],  // Synchronization's Atomic and Mutex (the engine's thread pool)
    products: [
        .executable(name: "reprise", targets: ["reprise"]),
        .library(name: "RepriseEngine", targets: ["RepriseEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // OpenBLAS: CBLAS for every product, Fortran LAPACK (gesdd, syevd, gelsd) from the same library.
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMalloc"),  // glibc's <malloc.h>
        .systemLibrary(name: "CSIMD"),  // vector square roots (a header of clang builtins)
        .target(
            name: "RepriseEngine",
            dependencies: [
                "COpenBLAS", "CMalloc", "CSIMD", .product(name: "Numerics", package: "swift-numerics"),
            ],
            swiftSettings: engine),
        // The data sets read from Debian packages: Fashion-MNIST (its IDX files through zlib) and fortunes. It keeps
        // the engine's flags: every trial decodes its data set afresh, and with -O (bounds checks) that took a
        // galore-memory smoke trial 0.9 s more user time (1.4 -> 2.3 s) and gradient-noise's smoke run 5-9% more.
        // The generated data (GeneratedData.swift) stay in the engine beside the generic code they are built from.
        // The benchmarks stay in the engine too: in a target of their own (tried in 481c63e and again here),
        // grokking-stablemax's smoke run took 6.8x the user time (4.57 s vs 0.67 s), as the engine's Float
        // MLP code, instantiated by the benchmarks' workloads, was then no longer specialized for the scenarios.
        .target(name: "RepriseData", dependencies: ["RepriseEngine", "CZlib"], swiftSettings: engine),
        // gnuplot through gnuplot-iostream (Debian's libgnuplot-iostream-dev, header-only on Boost.Iostreams),
        // behind a C API (Sources/CGnuplot/include/gnuplot_shim.h).
        .target(
            name: "CGnuplot",
            cxxSettings: [.unsafeFlags(["-std=c++17"])],
            linkerSettings: [
                .linkedLibrary("boost_iostreams"), .linkedLibrary("boost_system"),
                .linkedLibrary("boost_filesystem"), .linkedLibrary("stdc++"),
            ]),
        .target(
            name: "RepriseSuite", dependencies: ["RepriseEngine", "CSQLite", "CGnuplot"], swiftSettings: optimized),
        .target(
            name: "RepriseScenarios", dependencies: ["RepriseEngine", "RepriseData", "RepriseSuite"],
            swiftSettings: engine),
        .executableTarget(
            name: "reprise",
            dependencies: [
                "RepriseScenarios", "RepriseSuite", "RepriseEngine", "RepriseData",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: optimized),
        // The golden trajectories are read from the source tree (#filePath), not bundled.
        .testTarget(
            name: "EngineTests", dependencies: ["RepriseEngine", "RepriseData"],
            exclude: ["golden-trajectories.json"],
            swiftSettings: engine),
        .testTarget(
            name: "SuiteTests", dependencies: ["RepriseSuite", "RepriseScenarios", "RepriseData"],
            swiftSettings: optimized),
        // WorkedExample/Replications: the worked example's replication folder, read by its test from the source tree.
        .testTarget(
            name: "ScenarioTests", dependencies: ["RepriseScenarios", "RepriseSuite"],
            exclude: ["WorkedExample/Replications"], swiftSettings: engine),
    ]
)

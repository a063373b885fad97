import Foundation
import RepriseEngine
import RepriseSuite

/// The worked example of README's "Adding a scenario", compiled and run by `WorkedExampleTests` so that the
/// guide cannot rot, and the template `reprise new` copies. The error of a sample mean of n independent
/// draws falls as n^(-1/2) (Wasserman 2004, *All of Statistics*, Thm. 5.5: Var(mean) = sigma^2 / n).
///
/// Per (n, seed) one trial draws `repeats` sample means of n Uniform(0, 1) draws and records their mean
/// squared error around 1/2; the aggregate fits the slope of log RMSE over log n across the sizes, with the
/// seeds as independent units, and the claim asks for -1/2.
public struct SampleMean: Scenario {
    public static let id = "sample-mean"
    public static let parameters = Parameter.of([Keys.sizes, Keys.seeds, Keys.repeats])
    public static let metrics = [Metrics.rmseExponent, Metrics.rmseAtLargest].map(\.name)
    public init() {}

    /// The config keys: the profiles' (checked against `parameters` when the folder is loaded), then each
    /// trial's own, which `trials(_:)` sets.
    enum Keys {
        static let sizes = Key.integers("sizes", 1...1_000_000)
        static let seeds = Key.integer("seeds", 2...1000)
        static let repeats = Key.integer("repeats", 2...1_000_000)
        static let n = Key.integer("n", 1...1_000_000)
        static let seedIndex = Key.integer("seed_index", 0...1000)
    }

    /// The metrics claims and baselines read.
    enum Metrics {
        static let rmseExponent = MetricKey("rmse_exponent")
        static let rmseAtLargest = MetricKey("rmse_at_largest_n")
    }

    /// The series `aggregate` records and `figures` draws, each declared once.
    enum Series {
        static let rmse = SeriesKey("rmse")
    }

    /// What each trial records and `aggregate` reads back, each declared once.
    enum Values {
        static let mse = ValueKey("mse")
    }

    public func validate(_ c: Config) throws {
        guard Set(c[Keys.sizes]).count >= 2 else { throw SuiteError.badConfig("sizes needs two different n") }
    }

    public func trials(_ c: Config) throws -> [Trial] {
        c[Keys.sizes].flatMap { n in
            (0..<c[Keys.seeds]).map { s in
                Trial(
                    "n\(n)/s\(s)", c.selecting([Keys.repeats]).setting(Keys.n, n).setting(Keys.seedIndex, s),
                    cost: Double(n * c[Keys.repeats]))
            }
        }
    }

    public func run(_ trial: TrialContext) throws {
        let c = trial.config, n = c[Keys.n]
        var rng = trial.rng("draws/n\(n)/s\(c[Keys.seedIndex])")
        var squaredError = 0.0
        for _ in 0..<c[Keys.repeats] {
            var sum = 0.0
            for _ in 0..<n { sum += rng.uniform() }
            squaredError += (sum / Double(n) - 0.5) * (sum / Double(n) - 0.5)
        }
        trial.record(Values.mse, squaredError / Double(c[Keys.repeats]))
    }

    public func aggregate(_ results: TrialResults, into run: RunContext) throws {
        let c = run.config, sizes = c[Keys.sizes].sorted()
        // One group per n, one unit per seed: each seed's mean squared error over its repeats.
        let groups = sizes.map { n in
            (0..<c[Keys.seeds]).map { results.one(Keys.n.is(n), Keys.seedIndex.is($0)).scalar(Values.mse) }
        }
        for (n, g) in zip(sizes, groups) { run.record(Series.rmse, x: Double(n), y: Stats.mean(g).squareRoot()) }
        run.slope(Metrics.rmseExponent.name, x: sizes.map { log(Double($0)) }, groups: groups) {
            0.5 * log(Stats.mean($0))
        }
        run.metric(Metrics.rmseAtLargest, Stats.mean(groups.last!).squareRoot())
    }

    public func figures(_ data: RunData) -> [Figure] {
        let measured = data.series(Series.rmse)
        // The theory's line through the first point: sigma / sqrt(n), sigma^2 = 1/12 for Uniform(0, 1).
        let theory = measured.map { (x: $0.x, y: (1.0 / 12 / $0.x).squareRoot()) }
        return [
            Figure(
                name: "rmse", title: "RMSE of a sample mean of n Uniform(0, 1) draws",
                xLabel: "n (log scale)", yLabel: "RMSE around 1/2 (log scale)", logX: true, logY: true,
                series: [
                    Figure.Series("measured", measured, style: .linespoints, color: 0),
                    Figure.Series("theory: 1 / sqrt(12 n)", theory, style: .lines, color: 1),
                ])
        ]
    }
}

import Foundation
import RealModule

/// The algorithmic task of Power et al. (2022): every pair (a, b) in [0, p)²
/// labelled (a op b) mod p, split into train/test by a seeded shuffle.
public struct ModularArithmetic: Sendable {
    public enum Operation: String, Sendable, Codable, CaseIterable { case add, multiply }
    public let p: Int
    public let trainPairs: [(Int, Int)], trainLabels: [Int]
    public let testPairs: [(Int, Int)], testLabels: [Int]

    public init(p: Int, operation: Operation = .add, trainFraction: Double, rng: inout RNG) {
        self.p = p
        let all = (0..<(p * p)).map { ($0 / p, $0 % p) }
        let order = rng.permutation(all.count)
        let nTrain = Int((trainFraction * Double(all.count)).rounded(.down))
        let label = { (a: Int, b: Int) in operation == .add ? (a + b) % p : (a * b) % p }
        trainPairs = order.prefix(nTrain).map { all[$0] }
        testPairs = order.dropFirst(nTrain).map { all[$0] }
        trainLabels = trainPairs.map(label)
        testLabels = testPairs.map(label)
    }

    /// Row indices into a [2p, width] input-embedding table for the concatenated one-hot encoding: a and p + b.
    public static func oneHotRows(_ pairs: [(Int, Int)], p: Int) -> (a: [Int], b: [Int]) {
        (pairs.map(\.0), pairs.map { p + $0.1 })
    }
}

/// Seeded synthetic inputs.
public enum Synthetic {
    /// Points x = (cos γ, sin γ) on the unit circle, as rows of [count, 2].
    public static func circle<T: Scalar>(angles: [Double]) -> Tensor<T> {
        Tensor(shape: [angles.count, 2], scalars: angles.flatMap { [T(Double.cos($0)), T(Double.sin($0))] })
    }

    /// i.i.d. N(0, 1) inputs [count, dim].
    public static func gaussian<T: Scalar>(count: Int, dim: Int, rng: inout RNG) -> Tensor<T> {
        .normal([count, dim], rng: &rng)
    }
}

import RepriseEngine
import Testing

/// Compares reverse-mode gradients with central finite differences in Float64.
/// `f` maps the leaf variables to a scalar; every input element is perturbed.
func checkGradients(
    _ inputs: [Tensor<Double>], tolerance: Double = 1e-6, h: Double = 1e-5,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ f: ([Variable<Double>]) -> Variable<Double>
) {
    let leaves = inputs.map { Variable($0, requiresGrad: true) }
    f(leaves).backward()
    for (k, leaf) in leaves.enumerated() {
        let analytic = leaf.grad ?? .zeros(leaf.shape)
        var worst = (err: 0.0, index: -1, a: 0.0, n: 0.0)
        for i in 0..<inputs[k].count {
            func loss(_ delta: Double) -> Double {
                var shifted = inputs
                shifted[k][flat: i] += delta
                return f(shifted.map { Variable($0) })[flat: 0]
            }
            let numeric = (loss(h) - loss(-h)) / (2 * h)
            let a = analytic[flat: i]
            let err = abs(a - numeric) / max(1, abs(numeric))
            if err > worst.err { worst = (err, i, a, numeric) }
        }
        #expect(
            worst.err < tolerance,
            "input \(k) element \(worst.index): analytic \(worst.a) vs numeric \(worst.n)",
            sourceLocation: sourceLocation)
    }
}

extension Variable {
    subscript(flat i: Int) -> T { value[flat: i] }
}

func randn(_ shape: [Int], seed: UInt64, std: Double = 1) -> Tensor<Double> {
    var rng = RNG(seed: seed)
    return .normal(shape, std: std, rng: &rng)
}

import RealModule

/// A change applied to the gradients before the optimizer's update, in list
/// order (Neelakantan et al. add noise AFTER clipping: list clip first).
public protocol GradientTransform: AnyObject {
    func apply<T>(to parameters: [Variable<T>], step: Int)
}

/// Rescales all gradients together so that their global L2 norm is at most `maxNorm`.
public final class ClipGlobalNorm: GradientTransform {
    public let maxNorm: Double
    /// The global norm before clipping at the last step.
    public private(set) var lastNorm: Double = 0
    public init(maxNorm: Double) { self.maxNorm = maxNorm }

    public func apply<T>(to parameters: [Variable<T>], step: Int) {
        var ss = 0.0
        for p in parameters { if let g = p.grad { ss += Double(g.squaredNorm) } }
        lastNorm = ss.squareRoot()
        guard lastNorm > maxNorm else { return }
        let k = T(maxNorm / lastNorm)
        for p in parameters where p.grad != nil {
            let d = p.grad!.mutableData
            for i in 0..<p.value.count { d[i] *= k }
        }
    }
}

/// Annealed Gaussian gradient noise (Neelakantan et al. 2015, Eq. 1):
/// g ← g + N(0, σ_t²) with VARIANCE σ_t² = η / (1 + t)^γ, t the step from 0.
public final class AnnealedGaussianNoise: GradientTransform {
    public let eta: Double, gamma: Double
    var rng: RNG
    public init(eta: Double, gamma: Double = 0.55, rng: RNG) { (self.eta, self.gamma, self.rng) = (eta, gamma, rng) }

    public func standardDeviation(step t: Int) -> Double { (eta / Double.pow(1 + Double(t), gamma)).squareRoot() }

    public func apply<T>(to parameters: [Variable<T>], step: Int) {
        let sd = standardDeviation(step: step)
        for p in parameters where p.grad != nil {
            let d = p.grad!.mutableData
            for i in 0..<p.value.count { d[i] += T(sd * rng.normal()) }
        }
    }
}

/// perpGrad (Prieto et al. 2025, §5): per tensor, remove the gradient's
/// component along the weights, g⊥ = g − (θ·g / θ·θ) θ, then rescale g⊥ to ‖g‖.
/// The optimizer then steps with g⊥ (perpAdamW when it wraps AdamW).
public final class PerpendicularGradient: GradientTransform {
    public init() {}
    public func apply<T>(to parameters: [Variable<T>], step: Int) {
        for p in parameters where p.grad != nil {
            let n = p.value.count, w = p.value.data, g = p.grad!.mutableData
            var wg = T(0), ww = T(0), gg = T(0)
            for i in 0..<n { wg += w[i] * g[i]; ww += w[i] * w[i]; gg += g[i] * g[i] }
            guard ww > 0 else { continue }
            let c = wg / ww
            var pp = T(0)
            for i in 0..<n { g[i] -= c * w[i]; pp += g[i] * g[i] }
            guard pp > 0 else { continue }
            let k = (gg / pp).squareRoot()
            for i in 0..<n { g[i] *= k }
        }
    }
}

/// Base of every optimizer: holds the parameters, runs the gradient
/// transforms, counts steps, and reports the bytes of its own state.
open class Optimizer<T: Scalar> {
    public let parameters: [Variable<T>]
    public var learningRate: Double
    public var transforms: [GradientTransform] = []
    /// Completed steps (the t of bias corrections and noise schedules is this, from 0).
    public private(set) var stepCount = 0

    public init(parameters: [Variable<T>], learningRate: Double) {
        self.parameters = parameters
        self.learningRate = learningRate
    }

    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// Transforms the gradients, then updates the parameters in place.
    public func step() {
        for t in transforms { t.apply(to: parameters, step: stepCount) }
        update()
        stepCount += 1
    }

    open func update() { fatalError("subclass must implement update()") }

    /// Exact bytes held by the optimizer's state buffers (not the parameters or gradients).
    open var stateBytes: Int { 0 }
}

/// SGD with optional heavy-ball momentum (PyTorch's form: b ← μ b + g; θ ← θ − lr b)
/// and optional L2 weight decay added to the gradient.
public final class SGD<T: Scalar>: Optimizer<T> {
    public let momentum: Double, weightDecay: Double
    private var buffers: [Tensor<T>]

    public init(parameters: [Variable<T>], learningRate: Double, momentum: Double = 0, weightDecay: Double = 0) {
        self.momentum = momentum
        self.weightDecay = weightDecay
        buffers = momentum == 0 ? [] : parameters.map { .zeros($0.shape) }
        super.init(parameters: parameters, learningRate: learningRate)
    }

    public override func update() {
        let lr = T(learningRate), mu = T(momentum), wd = T(weightDecay)
        for (k, p) in parameters.enumerated() where p.grad != nil {
            let n = p.value.count, w = p.value.mutableData, g = p.grad!.data
            if momentum == 0 {
                for i in 0..<n { w[i] -= lr * (g[i] + wd * w[i]) }
            } else {
                let b = buffers[k].mutableData
                for i in 0..<n { b[i] = mu * b[i] + g[i] + wd * w[i]; w[i] -= lr * b[i] }
            }
        }
    }

    public override var stateBytes: Int { buffers.reduce(0) { $0 + $1.count } * MemoryLayout<T>.size }
}

/// Adam (Kingma & Ba 2015) with decoupled weight decay (AdamW, Loshchilov &
/// Hutter 2019, in PyTorch's order: θ ← θ(1 − lr·wd), then the Adam step).
/// weightDecay 0 is plain Adam.
public final class Adam<T: Scalar>: Optimizer<T> {
    public let beta1: Double, beta2: Double, eps: Double, weightDecay: Double
    private var m: [Tensor<T>], v: [Tensor<T>]

    public init(parameters: [Variable<T>], learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999,
                eps: Double = 1e-8, weightDecay: Double = 0) {
        (self.beta1, self.beta2, self.eps, self.weightDecay) = (beta1, beta2, eps, weightDecay)
        m = parameters.map { .zeros($0.shape) }
        v = parameters.map { .zeros($0.shape) }
        super.init(parameters: parameters, learningRate: learningRate)
    }

    public override func update() {
        let t = Double(stepCount + 1)
        let c1 = 1 - Double.pow(beta1, t), c2 = 1 - Double.pow(beta2, t)
        let lr = T(learningRate), decay = T(1 - learningRate * weightDecay)
        let b1 = T(beta1), b2 = T(beta2), e = T(eps), ic1 = T(1 / c1), ic2 = T(1 / c2)
        for (k, p) in parameters.enumerated() where p.grad != nil {
            let n = p.value.count, w = p.value.mutableData, g = p.grad!.data
            let mp = m[k].mutableData, vp = v[k].mutableData
            for i in 0..<n {
                mp[i] = b1 * mp[i] + (1 - b1) * g[i]
                vp[i] = b2 * vp[i] + (1 - b2) * g[i] * g[i]
                w[i] = w[i] * decay - lr * (mp[i] * ic1) / ((vp[i] * ic2).squareRoot() + e)
            }
        }
    }

    public override var stateBytes: Int { (m.reduce(0) { $0 + $1.count } + v.reduce(0) { $0 + $1.count }) * MemoryLayout<T>.size }
}

import Foundation
import RealModule

/// A change applied to the gradients before the update, in list order
/// (Neelakantan et al. add noise AFTER clipping: list the clip first).
public enum GradientTransform: Sendable, Equatable {
    /// Rescale all gradients together so that their global L2 norm is at most maxNorm.
    case clipGlobalNorm(Double)
    /// Annealed Gaussian gradient noise (Neelakantan et al. 2015, Eq. 1):
    /// g ← g + N(0, σ_t²) with VARIANCE σ_t² = η / (1 + t)^γ, t the step from 0.
    case gaussianNoise(eta: Double, gamma: Double, seed: UInt64)
    /// perpGrad (Prieto et al. 2025, §5): per tensor, g⊥ = g − (θ·g / θ·θ) θ,
    /// rescaled to ‖g‖; the update rule then steps with g⊥ (perpAdamW).
    case perpendicular

    /// Noise standard deviation at step t: sqrt(η / (1 + t)^γ).
    public static func noiseStandardDeviation(eta: Double, gamma: Double, step t: Int) -> Double {
        (eta / Double.pow(1 + Double(t), gamma)).squareRoot()
    }
}

/// Settings of GaLore (Zhao et al. 2024, Alg. 2): rank r, subspace refresh gap
/// T, scale α, and the optimizer run inside the low-rank space.
public struct GaLoreSettings: Sendable {
    public enum Inner: Sendable { case adam(beta1: Double, beta2: Double, eps: Double), sgd }
    /// Which side of a SQUARE weight is projected (a non-square one always projects its smaller
    /// side, so the state is mr + 2nr either way). The sources disagree: the authors' code
    /// (galore_projector.py, `rows >= cols` → right, on PyTorch's [out, in]) projects the input
    /// dimension; the paper's Alg. 2 (`m <= n` → left) the output dimension.
    public enum SquareSide: String, Sendable, Codable, CaseIterable { case input, output }
    public var rank: Int, updateGap: Int, alpha: Double, weightDecay: Double, inner: Inner, squareSide: SquareSide
    /// `updateGap` Int.max keeps the subspace of step 0 for the whole run (T = ∞).
    public init(
        rank: Int, updateGap: Int = 200, alpha: Double = 0.25, weightDecay: Double = 0,
        inner: Inner = .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8), squareSide: SquareSide = .input
    ) {
        (self.rank, self.updateGap, self.alpha, self.weightDecay, self.inner, self.squareSide) =
            (rank, updateGap, alpha, weightDecay, inner, squareSide)
    }
}

/// How Adam's two moments are stored: in the optimizer's scalar type, or block-wise 8-bit
/// (Dettmers et al. 2022): decoded to the scalar type block by block, updated, re-encoded.
public enum StatePrecision: String, Sendable, Codable { case full, blockwise8bit }

/// Every optimizer of the engine: an update rule, gradient transforms, a step
/// counter and the exact size of the state it keeps.
///
/// One final class with an enum rule rather than a class hierarchy: calls are
/// then static, so the per-element loops are specialized for Float and Double
/// instead of going through generic witness tables.
public final class Optimizer<T: Scalar> {
    public enum Rule: Sendable {
        /// PyTorch's SGD: b ← μ b + g + wd·θ; θ ← θ − lr b (μ = 0: θ ← θ − lr (g + wd·θ)).
        case sgd(momentum: Double, weightDecay: Double)
        /// Adam (Kingma & Ba 2015) with decoupled weight decay (AdamW, Loshchilov & Hutter 2019,
        /// PyTorch's order: θ ← θ(1 − lr·wd), then the bias-corrected Adam step). wd 0 is Adam.
        case adam(beta1: Double, beta2: Double, eps: Double, weightDecay: Double)
        /// GaLore; parameters outside `projected` take the plain inner step.
        case galore(GaLoreSettings)
    }

    public let parameters: [Variable<T>]
    public var learningRate: Double
    public let rule: Rule
    public let transforms: [GradientTransform]
    /// Completed steps; the t of bias corrections and the noise schedule.
    public private(set) var stepCount = 0
    /// Global gradient norm before any transform, at the last step.
    public private(set) var lastGradientNorm = 0.0
    /// Wall seconds spent in GaLore's SVDs (subspace refreshes) since the optimizer was made.
    public private(set) var projectorSeconds = 0.0
    public let statePrecision: StatePrecision

    // State. m: momentum or Adam's first moment; v: Adam's second moment (both in
    // the low-rank shape for GaLore-projected matrices). projectors: GaLore's P or Q.
    private var m: [Tensor<T>] = [], v: [Tensor<T>] = []
    // 8-bit moments (statePrecision .blockwise8bit) replace m and v; scratch holds one decoded block of each.
    private var m8: [BlockwiseQuantized] = [], v8: [BlockwiseQuantized] = []
    private var scratch: [T] = []
    /// Entries per float32 partial sum of the gradient's Σ g²: exact enough, and fixed, so that the reported
    /// norm does not depend on how a tensor's update is split over threads.
    static var normBlock: Int { 1024 }
    private var projectors: [Tensor<T>?] = []
    // GaLore's per-step intermediates (not state: rewritten every step before they are read).
    private var projectedGradient: [Tensor<T>?] = [], adamDirection: [Tensor<T>?] = [], backProjected: [Tensor<T>?] = []
    private var isProjected: [Bool] = [], projectRight: [Bool] = []
    private var noiseRNG: RNG

    /// `statePrecision` applies to Adam's moments (plain or inside GaLore); SGD keeps full precision.
    public init(
        _ rule: Rule, parameters: [Variable<T>], learningRate: Double, transforms: [GradientTransform] = [],
        projected: [Variable<T>] = [], statePrecision: StatePrecision = .full
    ) {
        self.rule = rule
        self.parameters = parameters
        self.learningRate = learningRate
        self.transforms = transforms
        self.statePrecision = statePrecision
        var seed: UInt64 = 0
        for case let .gaussianNoise(_, _, s) in transforms { seed = s }
        noiseRNG = RNG(seed: seed)
        var momentShapes: [[Int]] = []
        switch rule {
        case let .sgd(momentum, _):
            if momentum != 0 { m = parameters.map { .zeros($0.shape) } }
        case .adam:
            momentShapes = parameters.map(\.shape)
        case let .galore(g):
            let ids = Set(projected.map(ObjectIdentifier.init))
            isProjected = parameters.map { ids.contains(ObjectIdentifier($0)) && $0.value.rank == 2 }
            // Weights are stored [in, out]: "right" projects the output side (columns).
            projectRight = parameters.map {
                guard $0.value.rank == 2 else { return false }
                return $0.shape[0] == $0.shape[1] ? g.squareSide == .output : $0.shape[0] > $0.shape[1]
            }
            projectors = Array(repeating: nil, count: parameters.count)
            (projectedGradient, adamDirection, backProjected) = (projectors, projectors, projectors)
            if case .adam = g.inner {
                momentShapes = parameters.indices.map { k in
                    let s = parameters[k].shape
                    guard isProjected[k] else { return s }
                    let r = min(g.rank, s[0], s[1])
                    return projectRight[k] ? [s[0], r] : [r, s[1]]
                }
            }
        }
        guard !momentShapes.isEmpty else { return }  // SGD: momentum (if any) is set above
        switch statePrecision {
        case .full:
            m = momentShapes.map { .zeros($0) }; v = m
        case .blockwise8bit:
            let counts = momentShapes.map { $0.reduce(1, *) }
            m8 = counts.map { BlockwiseQuantized(count: $0, signed: true) }
            v8 = counts.map { BlockwiseQuantized(count: $0, signed: false) }
            scratch = [T](repeating: 0, count: 2 * BlockwiseQuantized.blockSize)
        }
    }

    public static func sgd(
        _ parameters: [Variable<T>], lr: Double, momentum: Double = 0, weightDecay: Double = 0,
        transforms: [GradientTransform] = []
    ) -> Optimizer {
        Optimizer(
            .sgd(momentum: momentum, weightDecay: weightDecay), parameters: parameters, learningRate: lr,
            transforms: transforms)
    }

    public static func adam(
        _ parameters: [Variable<T>], lr: Double, beta1: Double = 0.9, beta2: Double = 0.999,
        eps: Double = 1e-8, weightDecay: Double = 0, transforms: [GradientTransform] = []
    ) -> Optimizer {
        Optimizer(
            .adam(beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay), parameters: parameters,
            learningRate: lr, transforms: transforms)
    }

    public static func galore(
        _ parameters: [Variable<T>], projected: [Variable<T>], lr: Double, _ settings: GaLoreSettings,
        statePrecision: StatePrecision = .full
    ) -> Optimizer {
        Optimizer(
            .galore(settings), parameters: parameters, learningRate: lr, projected: projected,
            statePrecision: statePrecision)
    }

    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// Transforms the gradients, then updates the parameters in place.
    public func step() {
        // The norm of the untransformed gradient: summed before the transforms if there are any (and
        // for GaLore); otherwise by the update's own pass over the gradient (one memory pass fewer).
        // Either way the same sum (`blockPass`), so the reported norm does not depend on the path.
        var ss = 0.0
        let fused: Bool
        if case .galore = rule { fused = false } else { fused = transforms.isEmpty }
        if !fused { ss = gradientSquares() }
        for t in transforms { apply(t) }
        let read: Double
        switch rule {
        case let .sgd(momentum, wd): read = sgdUpdate(momentum: T(momentum), weightDecay: T(wd))
        case let .adam(b1, b2, eps, wd):
            // Tensors too small to split (a LLaMA's 16k-44k-entry matrices) are shared out whole
            // between the threads; larger ones split inside `adamUpdate`; 8-bit moments share one
            // decode scratch, so one thread. Sums in parameter order.
            let ks = parameters.indices.filter { parameters[$0].grad != nil }
            var squares = [Double](repeating: 0, count: parameters.count)
            squares.withUnsafeMutableBufferPointer { squares in
                let total = ks.reduce(0) { $0 + parameters[$1].value.count }
                let whole =
                    statePrecision == .full && total >= Parallel.minimumElements
                    && ks.allSatisfy { parameters[$0].value.count < Parallel.minimumElements }
                // Every buffer is made unique here, on this thread: `mutableData` through an array is not thread-safe.
                let buffers = ks.map { k in
                    (
                        parameters[k].value.mutableData, parameters[k].grad!.data,
                        statePrecision == .full ? (m[k].mutableData, v[k].mutableData) : nil
                    )
                }
                Parallel.forEach(ks.count, work: whole ? total : 0) { range in
                    for j in range {
                        let k = ks[j], (w, g, moments) = buffers[j]
                        squares[k] = adamUpdate(
                            into: w, k, gradient: g, count: parameters[k].value.count, moments: moments,
                            lr: learningRate, beta1: b1, beta2: b2, eps: eps, decay: 1 - learningRate * wd)
                    }
                }
            }
            read = squares.reduce(0, +)
        case let .galore(g): galoreUpdate(g); read = 0
        }
        lastGradientNorm = (fused ? read : ss).squareRoot()
        stepCount += 1
    }

    /// Σ g² over every gradient, in `blockPass`'s blocks, added in parameter order.
    private func gradientSquares() -> Double {
        parameters.reduce(0) { ss, p in
            guard let g = p.grad?.data else { return ss }
            return ss
                + Self.inBlocks(p.value.count) { range, squares in
                    Self.blockPass(g, range, squares, lanes: { _, _ in }, entry: { _, _ in })
                }
        }
    }

    /// One pass over `range` of a gradient g: `lanes(i, g[i..<i+8])` eight entries at a time, `entry(j, g[j])`
    /// on the few left at the end of a block, and Σ g² of each block of `normBlock` entries from the
    /// range's start into squares[0], squares[1], … (float32 sums in eight lanes, one Double per block).
    /// The updates run inside it: the loops the compiler does not vectorize itself (their pointers may
    /// alias), each lane doing the scalar loop's IEEE operations in the same order: the same bits.
    @inline(__always)
    private static func blockPass(
        _ g: UnsafePointer<T>, _ range: Range<Int>, _ squares: UnsafeMutablePointer<Double>,
        lanes: (Int, SIMD8<T>) -> Void, entry: (Int, T) -> Void
    ) {
        var i = range.lowerBound, b = 0
        while i < range.upperBound {
            var acc = SIMD8<T>(repeating: 0)
            let blockEnd = min(range.upperBound, i + normBlock)  // float32 sums of at most 1024 squares
            while i + 8 <= blockEnd {
                let gi = load8(g + i)
                acc += gi * gi
                lanes(i, gi)
                i += 8
            }
            var total = Double(acc.sum())
            for j in i..<blockEnd {  // only the range's last block can end off the lanes
                let gj = g[j]
                total += Double(gj * gj)
                entry(j, gj)
            }
            i = blockEnd
            squares[b] = total
            b += 1
        }
    }

    /// Runs `pass(range, squares)` over 0..<n, split between the threads at multiples of `normBlock`,
    /// and returns the sum of the blocks' squares it wrote, added in block order: the same bits on
    /// any number of threads.
    @inline(__always)
    private static func inBlocks(_ n: Int, _ pass: (Range<Int>, UnsafeMutablePointer<Double>) -> Void) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: (n + normBlock - 1) / normBlock) { squares in
            let s = squares.baseAddress!
            _ = Parallel.chunks(n, alignment: normBlock) { pass($0, s + $0.lowerBound / normBlock) }
            return squares.reduce(0, +)
        }
    }

    /// GaLore's projector of parameter k (its P or Q, the side it projects × r), nil before the
    /// first step and for a parameter GaLore does not project: read by the cross-checks.
    public func projector(of k: Int) -> Tensor<T>? { projectors.indices.contains(k) ? projectors[k] : nil }

    /// Bytes of GaLore's projectors, part of `stateBytes`.
    public var projectorBytes: Int { projectors.reduce(0) { $0 + ($1?.count ?? 0) } * MemoryLayout<T>.size }

    /// Exact bytes held by the state buffers (moments, momentum, projectors, 8-bit codes and block
    /// maxima), read from the buffers themselves: not parameters or gradients. GaLore's projectors
    /// exist from the first step on; they stay in the scalar type under 8-bit moments.

    public var stateBytes: Int {
        let elements =
            m.reduce(0) { $0 + $1.count } + v.reduce(0) { $0 + $1.count }
            + projectors.reduce(0) { $0 + ($1?.count ?? 0) }
        return elements * MemoryLayout<T>.size + m8.reduce(0) { $0 + $1.bytes } + v8.reduce(0) { $0 + $1.bytes }
    }

    // MARK: Transforms

    private func apply(_ t: GradientTransform) {
        switch t {
        case let .clipGlobalNorm(maxNorm):
            var ss = 0.0
            for p in parameters { if let g = p.grad { ss += Double(g.squaredNorm) } }
            let norm = ss.squareRoot()
            guard norm > maxNorm else { return }
            let k = T(maxNorm / norm)
            for p in parameters where p.grad != nil {
                let d = p.grad!.mutableData
                for i in 0..<p.value.count { d[i] *= k }
            }
        case let .gaussianNoise(eta, gamma, _):
            let sd = GradientTransform.noiseStandardDeviation(eta: eta, gamma: gamma, step: stepCount)
            for p in parameters where p.grad != nil {
                noiseRNG.fillNormal(p.grad!.mutableData, count: p.value.count, std: sd, accumulate: true)
            }
        case .perpendicular:
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

    // MARK: Update rules

    /// w ← w − lr·(g + wd·w), or with momentum b ← μ·b + g + wd·w, w ← w − lr·b. Returns Σ g².
    private func sgdUpdate(momentum mu: T, weightDecay wd: T) -> Double {
        let lr = T(learningRate)
        @inline(__always) func update(
            _ w: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ range: Range<Int>,
            _ squares: UnsafeMutablePointer<Double>
        ) {
            Self.blockPass(
                g, range, squares,
                lanes: { i, gi in
                    let wi = load8(w + i)
                    store8(wi - lr * (gi + wd * wi), w + i)
                }, entry: { j, gj in w[j] -= lr * (gj + wd * w[j]) })
        }
        @inline(__always) func update(
            _ w: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, momentum b: UnsafeMutablePointer<T>,
            _ range: Range<Int>, _ squares: UnsafeMutablePointer<Double>
        ) {
            Self.blockPass(
                g, range, squares,
                lanes: { i, gi in
                    let wi = load8(w + i), bi = mu * load8(b + i) + gi + wd * wi
                    store8(bi, b + i)
                    store8(wi - lr * bi, w + i)
                },
                entry: { j, gj in
                    b[j] = mu * b[j] + gj + wd * w[j]; w[j] -= lr * b[j]
                })
        }
        var ss = 0.0
        for (k, p) in parameters.enumerated() where p.grad != nil {
            let w = p.value.mutableData, g = p.grad!.data
            if m.isEmpty {
                ss += Self.inBlocks(p.value.count) { update(w, g, $0, $1) }
            } else {
                let b = m[k].mutableData
                ss += Self.inBlocks(p.value.count) { update(w, g, momentum: b, $0, $1) }
            }
        }
        return ss
    }

    /// out ← out·decay − lr · m̂/(√v̂ + eps) with the moments of slot k updated by g.
    /// Returns Σ g² (the pass reads every g; `step` uses it for the gradient norm).
    @inline(__always) @discardableResult
    private func adamUpdate(
        into out: UnsafeMutablePointer<T>, _ k: Int, gradient g: UnsafePointer<T>, count n: Int,
        moments: (UnsafeMutablePointer<T>, UnsafeMutablePointer<T>)? = nil, lr: Double, beta1: Double, beta2: Double,
        eps: Double, decay: Double
    ) -> Double {
        let t = Double(stepCount + 1)
        let ic1 = T(1 / (1 - Double.pow(beta1, t))), ic2 = T(1 / (1 - Double.pow(beta2, t)))
        let b1 = T(beta1), b2 = T(beta2), e = T(eps), a = T(lr), d = T(decay)
        // The update of entries `range` of g, out, and moments mp, vp (offset alike).
        @inline(__always) func update(
            _ mp: UnsafeMutablePointer<T>, _ vp: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>,
            _ out: UnsafeMutablePointer<T>, _ range: Range<Int>, _ squares: UnsafeMutablePointer<Double>
        ) {
            Self.blockPass(
                g, range, squares,
                lanes: { i, gi in
                    let mi = b1 * load8(mp + i) + (1 - b1) * gi, vi = b2 * load8(vp + i) + (1 - b2) * gi * gi
                    store8(mi, mp + i); store8(vi, vp + i)
                    store8(load8(out + i) * d - a * (mi * ic1) / (T.squareRoot(vi * ic2) + e), out + i)
                },
                entry: { j, gj in
                    mp[j] = b1 * mp[j] + (1 - b1) * gj
                    vp[j] = b2 * vp[j] + (1 - b2) * gj * gj
                    out[j] = out[j] * d - a * (mp[j] * ic1) / ((vp[j] * ic2).squareRoot() + e)
                })
        }
        guard statePrecision == .blockwise8bit else {
            let (mp, vp) = moments ?? (m[k].mutableData, v[k].mutableData)
            return Self.inBlocks(n) { update(mp, vp, g, out, $0, $1) }
        }
        let size = BlockwiseQuantized.blockSize
        return scratch.withUnsafeMutableBufferPointer { s in
            let mp = s.baseAddress!, vp = mp + size
            return withUnsafeTemporaryAllocation(
                of: Double.self, capacity: (size + Self.normBlock - 1) / Self.normBlock
            ) { squares in
                var total = 0.0
                for b in 0..<m8[k].blocks {
                    let start = b * size, len = min(size, n - start)
                    m8[k].decode(block: b, into: mp); v8[k].decode(block: b, into: vp)
                    update(mp, vp, g + start, out + start, 0..<len, squares.baseAddress!)
                    total += squares[..<((len + Self.normBlock - 1) / Self.normBlock)].reduce(0, +)
                    m8[k].encode(block: b, from: mp); v8[k].encode(block: b, from: vp)
                }
                return total
            }
        }
    }

    /// GaLore (Zhao et al. 2024, Alg. 2 and the authors' code): for a projected
    /// gradient G (m × n), every T steps (0, T, 2T, …) take the SVD of the current
    /// G and keep r singular vectors of the SMALLER side (a square G: `squareSide`):
    /// right → Q (n × r), R = G Q; left → P (m × r), R = Pᵀ G. The inner state lives in
    /// R's shape and is NOT re-projected when the subspace changes.
    /// Update: θ ← θ(1 − lr·wd) − lr·α·(back-projected direction).
    private func galoreUpdate(_ s: GaLoreSettings) {
        for (k, p) in parameters.enumerated() where p.grad != nil {
            let grad = p.grad!
            // The direction the weights move along: the gradient, projected (R), Adam's direction in
            // R's shape, then back-projected; every product into a buffer kept from the last step.
            var direction = grad
            if isProjected[k] {
                if stepCount % s.updateGap == 0 { refreshProjector(k, gradient: grad, rank: s.rank) }
                let q = projectors[k]!, (m, n) = (grad.shape[0], grad.shape[1]), r = q.shape[1]
                if projectRight[k] {
                    gemm(
                        grad, transA: false, q, transB: false, into: buffer(&projectedGradient, k, [m, r]), m: m, n: r,
                        k: n, beta: 0)
                } else {
                    gemm(
                        q, transA: true, grad, transB: false, into: buffer(&projectedGradient, k, [r, n]), m: r, n: n,
                        k: m, beta: 0)
                }
                direction = projectedGradient[k]!
            }
            if case let .adam(b1, b2, eps) = s.inner {
                // decay 0 keeps nothing of the buffer but its sign of zero (and NaN): start from zeros.
                let d = buffer(&adamDirection, k, direction.shape)
                d.update(repeating: 0, count: direction.count)
                adamUpdate(
                    into: d, k, gradient: direction.data, count: direction.count, lr: -1, beta1: b1, beta2: b2,
                    eps: eps, decay: 0)
                direction = adamDirection[k]!
            }
            if isProjected[k] {
                let q = projectors[k]!, (m, n) = (grad.shape[0], grad.shape[1]), r = q.shape[1]
                let full = buffer(&backProjected, k, [m, n])
                if projectRight[k] {
                    gemm(direction, transA: false, q, transB: true, into: full, m: m, n: n, k: r, beta: 0)
                } else {
                    gemm(q, transA: false, direction, transB: false, into: full, m: m, n: n, k: r, beta: 0)
                }
                direction = backProjected[k]!
            }
            let lr = T(learningRate * (isProjected[k] ? s.alpha : 1)), decay = T(1 - learningRate * s.weightDecay)
            let w = p.value.mutableData, d = direction.data
            for i in 0..<p.value.count { w[i] = w[i] * decay - lr * d[i] }
        }
    }

    /// Slot k of `slots` as a buffer of `shape`, allocated when its shape changes (the rank is
    /// fixed, so once): after its first step, GaLore allocates only in its subspace refreshes.
    private func buffer(_ slots: inout [Tensor<T>?], _ k: Int, _ shape: [Int]) -> UnsafeMutablePointer<T> {
        if slots[k]?.shape != shape { slots[k] = Tensor(uninitializedShape: shape) }
        return slots[k]!.mutableData
    }

    private func refreshProjector(_ k: Int, gradient g: Tensor<T>, rank: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { projectorSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        guard let f = try? svd(g) else { return }  // keep the previous subspace if LAPACK fails
        let r = min(rank, f.s.count)
        if projectRight[k] {
            projectors[k] = f.vt.rows(0..<r).transposed  // Q: first r right singular vectors, n × r
        } else {
            projectors[k] = f.u.transposed.rows(0..<r).transposed  // P: first r left singular vectors, m × r
        }
    }
}

import RealModule

// The pieces of a LLaMA-style decoder. Activations are [B·T, C] matrices whose
// rows are ordered (batch b, position t); heads are column blocks of width Dh.

/// Rows of `table` [V, D] picked by `indices` [N] → [N, D]; backward scatter-adds.
public func embedding<T>(_ table: Variable<T>, _ indices: [Int]) -> Variable<T> {
    require(table.value.rank == 2, "embedding: table \(table.shape) is not [V, D]")
    let d = table.shape[1]
    let out = table.value.gatherRows(indices)  // checks every index against V
    return Variable(out, parents: [table]) { o in
        let g = o.grad!.data, tg = table.gradPointer()
        for (r, i) in indices.enumerated() { for j in 0..<d { tg[i * d + j] += g[r * d + j] } }
    }
}

/// RMSNorm (Zhang & Sennrich 2019): y = x · g / sqrt(mean(x²) + eps), per row.
/// With r = 1/sqrt(mean(x²)+eps): dx = r·(g∘dy) − x·r³/D·Σ(g∘dy∘x), dg = Σ_rows dy∘x·r.
public func rmsNorm<T>(_ x: Variable<T>, gain: Variable<T>, eps: T = 1e-6) -> Variable<T> {
    let (n, d) = (x.shape[0], x.shape[1])
    var inv = [T](repeating: 0, count: n)
    var y = Tensor<T>(uninitializedShape: x.shape)
    let xp = x.value.data, gp = gain.value.data, yp = y.mutableData
    inv.withUnsafeMutableBufferPointer { inv in
        Parallel.forEach(n, work: n * d) { rows in
            for r in rows {
                let xr = xp + r * d
                let ss = sumInLanes(d, { load8(xr + $0) * load8(xr + $0) }, { xr[$0] * xr[$0] })
                let ir = 1 / (ss / T(d) + eps).squareRoot()
                inv[r] = ir
                for j in 0..<d { yp[r * d + j] = xp[r * d + j] * ir * gp[j] }
            }
        }
    }
    return Variable(y, parents: [x, gain]) { out in
        let dy = out.grad!.data, xp = x.value.data, gp = gain.value.data
        // dx by rows, dg by columns (each column summed over the rows in order, as on one thread).
        if x.requiresGrad {
            let (dx, fresh) = x.gradBuffer()
            Parallel.forEach(n, work: n * d) { rows in
                for r in rows {
                    let ir = inv[r]
                    let dyr = dy + r * d, xr = xp + r * d
                    let dot = sumInLanes(
                        d, { load8(gp + $0) * load8(dyr + $0) * load8(xr + $0) }, { gp[$0] * dyr[$0] * xr[$0] })
                    let k = dot * ir * ir * ir / T(d)
                    if fresh {
                        for j in 0..<d { dx[r * d + j] = ir * gp[j] * dy[r * d + j] - xp[r * d + j] * k }
                    } else {
                        for j in 0..<d { dx[r * d + j] += ir * gp[j] * dy[r * d + j] - xp[r * d + j] * k }
                    }
                }
            }
        }
        if gain.requiresGrad {
            let dg = gain.gradPointer()
            Parallel.forEach(d, work: n * d) { columns in
                for r in 0..<n { let ir = inv[r]; for j in columns { dg[j] += dy[r * d + j] * xp[r * d + j] * ir } }
            }
        }
    }
}

/// SwiGLU's gate (Shazeer 2020): silu(gate) ∘ up, with silu(x) = x·σ(x), σ(x) = 1 / (1 + e^(−x)), in one
/// op that keeps σ(x) from the forward pass, so the backward pass computes no exponential.
public func swiglu<T>(_ gate: Variable<T>, _ up: Variable<T>) -> Variable<T> {
    require(gate.shape == up.shape, "swiglu: gate \(gate.shape) and up \(up.shape)")
    let n = gate.value.count
    // Three buffers of their own (`silu = y` would share y's and copy it on the first write).
    var y = Tensor<T>(uninitializedShape: gate.shape), silu = Tensor<T>(uninitializedShape: gate.shape),
        sigmoid = Tensor<T>(uninitializedShape: gate.shape)
    let yp = y.mutableData, sp = silu.mutableData, σ = sigmoid.mutableData, xp = gate.value.data, up_ = up.value.data
    Parallel.forEach(n, work: n) { r in
        // The exponentials first (a pass of their own, in SIMD lanes), then one division per entry.
        for i in r { σ[i] = -xp[i] }
        T.exp(σ + r.lowerBound, into: σ + r.lowerBound, count: r.count)
        for i in r {
            let s = 1 / (1 + σ[i])
            σ[i] = s
            sp[i] = xp[i] * s
            yp[i] = sp[i] * up_[i]
        }
    }
    return Variable(y, parents: [gate, up]) { out in
        let g = out.grad!.data, xp = gate.value.data, up_ = up.value.data, sp = silu.data, σ = sigmoid.data
        let (dgate, freshGate) = gate.requiresGrad ? gate.gradBuffer() : (nil, false)
        let (dup, freshUp) = up.requiresGrad ? up.gradBuffer() : (nil, false)
        Parallel.forEach(n, work: n) { r in
            if let d = dgate {
                if freshGate {
                    for i in r { d[i] = (g[i] * up_[i]) * (σ[i] * (1 + xp[i] * (1 - σ[i]))) }
                } else {
                    for i in r { d[i] += (g[i] * up_[i]) * (σ[i] * (1 + xp[i] * (1 - σ[i]))) }
                }
            }
            if let d = dup {
                if freshUp { for i in r { d[i] = g[i] * sp[i] } } else { for i in r { d[i] += g[i] * sp[i] } }
            }
        }
    }
}

/// RoPE's cos(t·θ_i) and sin(t·θ_i), θ_i = base^(−2i/Dh), for positions t < seqLen and pairs i < Dh/2:
/// a function of the shape alone, built once per forward pass and shared by its layers (built in
/// every call, its pow, cos and sin were 1.5% of a LLaMA step).
public struct RotaryTable<T: Scalar> {
    public let seqLen: Int, headDim: Int
    let cos: Tensor<T>, sin: Tensor<T>

    public init(seqLen: Int, headDim: Int, base: Double = 10_000) {
        require(seqLen > 0 && headDim > 0 && headDim % 2 == 0, "RotaryTable: seqLen \(seqLen), headDim \(headDim)")
        let half = headDim / 2
        var cosT = Tensor<T>(uninitializedShape: [seqLen, half]), sinT = Tensor<T>(uninitializedShape: [seqLen, half])
        let cw = cosT.mutableData, sw = sinT.mutableData
        for t in 0..<seqLen {
            for i in 0..<half {
                let angle = Double(t) * Double.pow(base, -2 * Double(i) / Double(headDim))
                cw[t * half + i] = T(Double.cos(angle)); sw[t * half + i] = T(Double.sin(angle))
            }
        }
        (self.seqLen, self.headDim, cos, sin) = (seqLen, headDim, cosT, sinT)
    }
}

/// Rotary position embedding (Su et al. 2021), "rotate-half" pairing as in
/// LLaMA's reference code: within each head, (x_i, x_{i+Dh/2}) is rotated by
/// angle t·base^(−2i/Dh) for position t. Backward rotates by −angle.
public func rope<T>(_ x: Variable<T>, seqLen: Int, headDim: Int, base: Double = 10_000) -> Variable<T> {
    rope(x, RotaryTable(seqLen: seqLen, headDim: headDim, base: base))
}

public func rope<T>(_ x: Variable<T>, _ table: RotaryTable<T>) -> Variable<T> {
    let (rows, c) = (x.shape[0], x.shape[1]), (seqLen, headDim) = (table.seqLen, table.headDim)
    require(rows % seqLen == 0 && c % headDim == 0, "rope: x \(x.shape) for seqLen \(seqLen), headDim \(headDim)")
    let half = headDim / 2
    // Rows split over the engine's threads; `accumulate` false stores (a new gradient buffer, or y).
    // The inner loops run over raw pointers so that they vectorize: the same operations per element.
    func rotate(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, sign: T, accumulate: Bool) {
        let cosP = table.cos.data, sinP = table.sin.data
        Parallel.forEach(rows, work: rows * c) { rowRange in
            for r in rowRange {
                let t = r % seqLen, cs = cosP + t * half, sn = sinP + t * half
                for h in stride(from: 0, to: c, by: headDim) {
                    let a = src + r * c + h, b = a + half, ya = dst + r * c + h, yb = ya + half
                    if accumulate {
                        for i in 0..<half {
                            let s = sign * sn[i]; ya[i] += a[i] * cs[i] - b[i] * s; yb[i] += a[i] * s + b[i] * cs[i]
                        }
                    } else {
                        for i in 0..<half {
                            let s = sign * sn[i]; ya[i] = a[i] * cs[i] - b[i] * s; yb[i] = a[i] * s + b[i] * cs[i]
                        }
                    }
                }
            }
        }
    }
    var y = Tensor<T>(uninitializedShape: x.shape)
    rotate(x.value.data, y.mutableData, sign: 1, accumulate: false)
    return Variable(y, parents: [x]) { out in
        let (dx, fresh) = x.gradBuffer()
        rotate(out.grad!.data, dx, sign: -1, accumulate: !fresh)
    }
}

/// Causal multi-head self-attention on q, k, v [B·T, C] with H heads of Dh = C/H:
/// per (b, h), P = softmax(mask(Q Kᵀ/√Dh)), out = P V. Heads are strided
/// column blocks passed to gemm with ld = C, so nothing is permuted or copied.
/// Backward (per b, h): dP = dO Vᵀ, dV += Pᵀ dO, dS = P∘(dP − rowsum(dP∘P))/√Dh,
/// dQ += dS K, dK += dSᵀ Q.
public func causalSelfAttention<T>(
    q: Variable<T>, k: Variable<T>, v: Variable<T>, batch: Int, seqLen: Int, heads: Int
) -> Variable<T> {
    let c = q.shape[1], dh = c / heads, tt = seqLen
    require(q.shape == k.shape && q.shape == v.shape && q.shape[0] == batch * seqLen && c % heads == 0)
    let scale = 1 / T(dh).squareRoot()
    var probs = Tensor<T>(uninitializedShape: [batch, heads, tt, tt])
    var out = Tensor<T>(uninitializedShape: q.shape)
    let pp = probs.mutableData, op = out.mutableData
    let qp = q.value.data, kp = k.value.data, vp = v.value.data
    // The (b, h) pairs write disjoint blocks: split over the engine's threads, one thread's gemm each.
    let pairs = batch * heads, work = pairs * tt * tt
    Parallel.forEach(pairs, work: work) { pairRange in
        for pair in pairRange {
            let (b, h) = pair.quotientAndRemainder(dividingBy: heads)
            let base = b * tt * c + h * dh
            let p = pp + (b * heads + h) * tt * tt
            T.gemm(
                transA: false, transB: true, m: tt, n: tt, k: dh, alpha: scale, a: qp + base, lda: c,
                b: kp + base, ldb: c, beta: 0, c: p, ldc: tt)
            for i in 0..<tt {
                let row = p + i * tt
                let inv = 1 / softmaxNumerators(row, count: i + 1, into: row).sum
                for j in 0...i { row[j] *= inv }
                for j in (i + 1)..<tt { row[j] = 0 }
            }
            T.gemm(
                transA: false, transB: false, m: tt, n: dh, k: tt, alpha: 1, a: p, lda: tt,
                b: vp + base, ldb: c, beta: 0, c: op + base, ldc: c)
        }
    }
    return Variable(out, parents: [q, k, v]) { o in
        let dO = o.grad!.data
        let (dq, freshQ) = q.gradBuffer(), (dk, freshK) = k.gradBuffer(), (dv, freshV) = v.gradBuffer()
        let qp = q.value.data, kp = k.value.data, vp = v.value.data, pp = probs.data
        Parallel.forEach(pairs, work: work) { pairRange in
            let dp = UnsafeMutablePointer<T>.allocate(capacity: tt * tt)  // one scratch per thread
            defer { dp.deallocate() }
            for pair in pairRange {
                let (b, h) = pair.quotientAndRemainder(dividingBy: heads)
                let base = b * tt * c + h * dh
                let p = pp + pair * tt * tt
                T.gemm(
                    transA: false, transB: true, m: tt, n: tt, k: dh, alpha: 1, a: dO + base, lda: c,
                    b: vp + base, ldb: c, beta: 0, c: dp, ldc: tt)
                T.gemm(
                    transA: true, transB: false, m: tt, n: dh, k: tt, alpha: 1, a: p, lda: tt,
                    b: dO + base, ldb: c, beta: freshV ? 0 : 1, c: dv + base, ldc: c)
                for i in 0..<tt {
                    let dpi = dp + i * tt, pi = p + i * tt
                    let dot = sumInLanes(i + 1, { load8(dpi + $0) * load8(pi + $0) }, { dpi[$0] * pi[$0] })
                    for j in 0...i { dpi[j] = pi[j] * (dpi[j] - dot) * scale }
                    for j in (i + 1)..<tt { dp[i * tt + j] = 0 }
                }
                T.gemm(
                    transA: false, transB: false, m: tt, n: dh, k: tt, alpha: 1, a: dp, lda: tt,
                    b: kp + base, ldb: c, beta: freshQ ? 0 : 1, c: dq + base, ldc: c)
                T.gemm(
                    transA: true, transB: false, m: tt, n: dh, k: tt, alpha: 1, a: dp, lda: tt,
                    b: qp + base, ldb: c, beta: freshK ? 0 : 1, c: dk + base, ldc: c)
            }
        }
    }
}

// Products. Shapes: x [N, I] (N rows of a batch), w [I, O], b [O].

/// y = x w, through one gemm; backward: dx += dy wᵀ, dw += xᵀ dy (two gemms, accumulating with beta = 1,
/// or storing with beta = 0 into a new gradient).
public func matmul<T>(_ x: Variable<T>, _ w: Variable<T>) -> Variable<T> {
    linear(x, w, nil)
}

/// y = x w + b (b optional), the fully connected layer.
public func linear<T>(_ x: Variable<T>, _ w: Variable<T>, _ b: Variable<T>?) -> Variable<T> {
    let (n, i, o) = (x.shape[0], x.shape[1], w.shape[1])
    require(x.rank2 && w.rank2 && w.shape[0] == i, "linear: x \(x.shape) · w \(w.shape)")
    var y = Tensor<T>(uninitializedShape: [n, o])
    let yp = y.mutableData
    if let b {
        require(b.value.count == o, "linear: bias \(b.shape) for \(o) outputs")
        // Broadcast the bias into y, then let gemm accumulate on top (beta = 1).
        for r in 0..<n { (yp + r * o).update(from: b.value.data, count: o) }
        gemm(x.value, transA: false, w.value, transB: false, into: yp, m: n, n: o, k: i, beta: 1)
    } else {
        gemm(x.value, transA: false, w.value, transB: false, into: yp, m: n, n: o, k: i, beta: 0)
    }
    return Variable(y, parents: b.map { [x, w, $0] } ?? [x, w]) { out in
        let dy = out.grad!
        if x.requiresGrad {
            let (dx, fresh) = x.gradBuffer()
            gemm(dy, transA: false, w.value, transB: true, into: dx, m: n, n: i, k: o, beta: fresh ? 0 : 1)
        }
        if w.requiresGrad {
            let (dw, fresh) = w.gradBuffer()
            gemm(x.value, transA: true, dy, transB: false, into: dw, m: i, n: o, k: n, beta: fresh ? 0 : 1)
        }
        if let b, b.requiresGrad {
            let db = b.gradPointer(), g = dy.data
            for r in 0..<n { for c in 0..<o { db[c] += g[r * o + c] } }
        }
    }
}

extension Variable {
    var rank2: Bool { value.rank == 2 }
}

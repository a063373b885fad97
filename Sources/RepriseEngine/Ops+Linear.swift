// Products. Shapes: x [N, I] (N rows of a batch), w [I, O], b [O].

/// y = x w, through one gemm; backward: dx += dy wᵀ, dw += xᵀ dy (two gemms, accumulating with beta = 1,
/// or storing with beta = 0 into a new gradient).
public func matmul<T>(_ x: Variable<T>, _ w: Variable<T>) -> Variable<T> {
    linear(x, w, nil)
}

/// y = x w + b (b optional), the fully connected layer.
public func linear<T>(_ x: Variable<T>, _ w: Variable<T>, _ b: Variable<T>?) -> Variable<T> {
    fullyConnected(x, w, b, relu: false)
}

/// relu(x w + b) as one op: max(·, 0) is applied to the product in place, and the backward pass
/// takes the mask from the output (y > 0 exactly where x w + b > 0), so the pre-activation is
/// never kept: one [N, O] tensor and one pass over it fewer than `relu(linear(x, w, b))`, with
/// the same bits.
public func linearReLU<T>(_ x: Variable<T>, _ w: Variable<T>, _ b: Variable<T>?) -> Variable<T> {
    fullyConnected(x, w, b, relu: true)
}

private func fullyConnected<T>(_ x: Variable<T>, _ w: Variable<T>, _ b: Variable<T>?, relu: Bool) -> Variable<T> {
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
    if relu {
        // In lanes: the scalar loop in place compiles to a branch per entry, mispredicted half the time.
        Parallel.forEach(n * o, work: n * o) { r in
            var j = r.lowerBound
            while j + 8 <= r.upperBound { store8(T.positivePart(load8(yp + j)), yp + j); j += 8 }
            while j < r.upperBound { yp[j] = ReLU.value(yp[j]); j += 1 }
        }
    }
    return Variable(y, parents: b.map { [x, w, $0] } ?? [x, w], op: relu ? "linear+relu" : "linear") { out in
        var dy = out.grad!
        if relu {
            // dy ∘ relu′ as `relu`'s backward computes it, in dy's own buffer: the graph drops an
            // intermediate gradient once it is pushed, so this one is not read again (`mutableData`
            // copies it first if anything else holds it).
            out.grad = nil
            let yp = out.value.data, d = dy.mutableData
            Parallel.forEach(n * o, work: n * o) { r in for j in r { d[j] *= ReLU.derivative(yp[j], yp[j]) } }
        }
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

import RealModule

// Elementwise ops. Binary ops broadcast NumPy-style; the two shapes that the
// models use (equal shapes, and a trailing-suffix operand such as a bias row)
// take straight loops, anything else goes through an index map.

/// How operand elements line up with output elements under broadcasting.
enum Broadcast {
    case same  // operand index == output index
    case cyclic(Int)  // operand repeats every n output elements (suffix shape, or scalar n = 1)
    case map([Int])  // general: operand offset for each output element

    static func shape(_ a: [Int], _ b: [Int]) -> [Int] {
        let r = max(a.count, b.count)
        let pa = Array(repeating: 1, count: r - a.count) + a
        let pb = Array(repeating: 1, count: r - b.count) + b
        return zip(pa, pb).map { x, y in
            require(x == y || x == 1 || y == 1, "cannot broadcast \(a) with \(b)")
            return max(x, y)
        }
    }

    init(operand s: [Int], output o: [Int]) {
        let count = s.reduce(1, *)
        if s == o { self = .same; return }
        // A suffix of the output shape (after dropping leading 1s) repeats cyclically.
        let trimmed = Array(s.drop { $0 == 1 })
        if trimmed.isEmpty || o.suffix(trimmed.count).elementsEqual(trimmed) { self = .cyclic(count); return }
        let r = o.count
        let padded = Array(repeating: 1, count: r - s.count) + s
        var strides = [Int](repeating: 0, count: r)
        var acc = 1
        for d in stride(from: r - 1, through: 0, by: -1) {
            strides[d] = padded[d] == 1 ? 0 : acc
            acc *= padded[d]
        }
        var offsets = [Int](repeating: 0, count: o.reduce(1, *))
        var idx = [Int](repeating: 0, count: r)
        for e in 0..<offsets.count {
            var off = 0
            for d in 0..<r { off += idx[d] * strides[d] }
            offsets[e] = off
            var d = r - 1
            while d >= 0 { idx[d] += 1; if idx[d] < o[d] { break }; idx[d] = 0; d -= 1 }
        }
        self = .map(offsets)
    }

    @inline(__always) func index(_ i: Int) -> Int {
        switch self {
        case .same: return i
        case let .cyclic(n): return n == 1 ? 0 : i % n
        case let .map(m): return m[i]
        }
    }
}

/// An elementwise function of two operands with its partial derivatives. The ops are types
/// with static members, not closures, so that every op's forward and backward loops are
/// specialized for it and vectorize: a closure called per element cost ~1 ns a call (perf: 6%
/// of the LLaMA step, 7% of the grokking step in relu's backward alone).
protocol BinaryFunction {
    static var name: StaticString { get }
    static func value<T: Scalar>(_ a: T, _ b: T) -> T
    static func da<T: Scalar>(_ a: T, _ b: T) -> T
    static func db<T: Scalar>(_ a: T, _ b: T) -> T
}

/// An elementwise function of one operand; its derivative may use the input x or the output y.
protocol UnaryFunction {
    static var name: StaticString { get }
    static func value<T: Scalar>(_ x: T) -> T
    static func derivative<T: Scalar>(_ x: T, _ y: T) -> T
}

private func binary<T, F: BinaryFunction>(_ a: Variable<T>, _ b: Variable<T>, _: F.Type) -> Variable<T> {
    let shape = Broadcast.shape(a.shape, b.shape)
    let ia = Broadcast(operand: a.shape, output: shape), ib = Broadcast(operand: b.shape, output: shape)
    var y = Tensor<T>(uninitializedShape: shape)
    let yp = y.mutableData, ap = a.value.data, bp = b.value.data, n = y.count
    if case .same = ia, case .same = ib {
        Parallel.forEach(n, work: n) { r in for i in r { yp[i] = F.value(ap[i], bp[i]) } }
    } else {
        for i in 0..<n { yp[i] = F.value(ap[ia.index(i)], bp[ib.index(i)]) }
    }
    return Variable(y, parents: [a, b], op: F.name) { out in
        if F.self == Add.self, case .same = ia, case .same = ib {
            // ∂/∂a = ∂/∂b = 1: both operands take the gradient tensor itself, no pass over it (a
            // residual stream's add, 2% of the LLaMA step); copy-on-write separates them if either is added to later.
            a.accumulate(out.grad!); b.accumulate(out.grad!)
            return
        }
        let g = out.grad!.data, ap = a.value.data, bp = b.value.data
        if case .same = ia, case .same = ib {
            // Each element once: a new gradient buffer is stored into, not zeroed and added to.
            if a.requiresGrad {
                let (d, fresh) = a.gradBuffer()
                Parallel.forEach(n, work: n) { r in
                    if fresh {
                        for i in r { d[i] = g[i] * F.da(ap[i], bp[i]) }
                    } else {
                        for i in r { d[i] += g[i] * F.da(ap[i], bp[i]) }
                    }
                }
            }
            if b.requiresGrad {
                let (d, fresh) = b.gradBuffer()
                Parallel.forEach(n, work: n) { r in
                    if fresh {
                        for i in r { d[i] = g[i] * F.db(ap[i], bp[i]) }
                    } else {
                        for i in r { d[i] += g[i] * F.db(ap[i], bp[i]) }
                    }
                }
            }
            return
        }
        // Gradients of a broadcast operand are summed over the broadcast axes.
        if a.requiresGrad {
            let d = a.gradPointer();
            for i in 0..<n { let j = ia.index(i), k = ib.index(i); d[j] += g[i] * F.da(ap[j], bp[k]) }
        }
        if b.requiresGrad {
            let d = b.gradPointer();
            for i in 0..<n { let j = ia.index(i), k = ib.index(i); d[k] += g[i] * F.db(ap[j], bp[k]) }
        }
    }
}

enum Add: BinaryFunction {
    static let name: StaticString = "add"
    static func value<T: Scalar>(_ a: T, _ b: T) -> T { a + b }
    static func da<T: Scalar>(_ a: T, _ b: T) -> T { 1 }
    static func db<T: Scalar>(_ a: T, _ b: T) -> T { 1 }
}
enum Subtract: BinaryFunction {
    static let name: StaticString = "subtract"
    static func value<T: Scalar>(_ a: T, _ b: T) -> T { a - b }
    static func da<T: Scalar>(_ a: T, _ b: T) -> T { 1 }
    static func db<T: Scalar>(_ a: T, _ b: T) -> T { -1 }
}
enum Multiply: BinaryFunction {
    static let name: StaticString = "multiply"
    static func value<T: Scalar>(_ a: T, _ b: T) -> T { a * b }
    static func da<T: Scalar>(_ a: T, _ b: T) -> T { b }
    static func db<T: Scalar>(_ a: T, _ b: T) -> T { a }
}

public func + <T>(a: Variable<T>, b: Variable<T>) -> Variable<T> { binary(a, b, Add.self) }
public func - <T>(a: Variable<T>, b: Variable<T>) -> Variable<T> { binary(a, b, Subtract.self) }
public func * <T>(a: Variable<T>, b: Variable<T>) -> Variable<T> { binary(a, b, Multiply.self) }

private func unary<T, F: UnaryFunction>(_ x: Variable<T>, _: F.Type) -> Variable<T> {
    var y = Tensor<T>(uninitializedShape: x.shape)
    let yp = y.mutableData, xp = x.value.data, n = y.count
    Parallel.forEach(n, work: n) { r in for i in r { yp[i] = F.value(xp[i]) } }
    return Variable(y, parents: [x], op: F.name) { out in
        let g = out.grad!.data, xp = x.value.data, yp = out.value.data, (d, fresh) = x.gradBuffer()
        Parallel.forEach(n, work: n) { r in
            if fresh {
                for i in r { d[i] = g[i] * F.derivative(xp[i], yp[i]) }
            } else {
                for i in r { d[i] += g[i] * F.derivative(xp[i], yp[i]) }
            }
        }
    }
}

/// max(x, 0); the derivative at 0 is taken as 0.
enum ReLU: UnaryFunction {
    static let name: StaticString = "relu"
    static func value<T: Scalar>(_ x: T) -> T { x > 0 ? x : 0 }
    static func derivative<T: Scalar>(_ x: T, _ y: T) -> T { x > 0 ? 1 : 0 }
}
/// tanh x; d/dx = 1 − tanh² x.
enum Tanh: UnaryFunction {
    static let name: StaticString = "tanh"
    static func value<T: Scalar>(_ x: T) -> T { T.tanh(x) }
    static func derivative<T: Scalar>(_ x: T, _ y: T) -> T { 1 - y * y }
}
/// SiLU (swish): x σ(x); d/dx = σ(x)(1 + x(1 − σ(x))).
enum SiLU: UnaryFunction {
    static let name: StaticString = "silu"
    static func value<T: Scalar>(_ x: T) -> T { x / (1 + T.exp(-x)) }
    static func derivative<T: Scalar>(_ x: T, _ y: T) -> T {
        let s = 1 / (1 + T.exp(-x))
        return s * (1 + x * (1 - s))
    }
}

public func relu<T>(_ x: Variable<T>) -> Variable<T> { unary(x, ReLU.self) }
public func tanh<T>(_ x: Variable<T>) -> Variable<T> { unary(x, Tanh.self) }
public func silu<T>(_ x: Variable<T>) -> Variable<T> { unary(x, SiLU.self) }

/// c · x for a constant c.
public func scale<T>(_ x: Variable<T>, _ c: T) -> Variable<T> {
    var y = Tensor<T>(uninitializedShape: x.shape)
    let yp = y.mutableData, xp = x.value.data, n = y.count
    for i in 0..<n { yp[i] = c * xp[i] }
    return Variable(y, parents: [x]) { out in
        let g = out.grad!.data, d = x.gradPointer()
        for i in 0..<n { d[i] += g[i] * c }
    }
}

/// Σ of all elements, as a scalar [1].
public func sum<T>(_ x: Variable<T>) -> Variable<T> {
    let n = x.value.count
    return Variable(Tensor(shape: [1], scalars: [x.value.sum]), parents: [x]) { out in
        let g = out.grad![flat: 0], d = x.gradPointer()
        for i in 0..<n { d[i] += g }
    }
}

/// Mean of all elements, as a scalar [1].
public func mean<T>(_ x: Variable<T>) -> Variable<T> { scale(sum(x), 1 / T(x.value.count)) }

/// Same elements, new shape.
public func reshape<T>(_ x: Variable<T>, _ shape: [Int]) -> Variable<T> {
    Variable(x.value.reshaped(shape), parents: [x]) { out in x.accumulate(out.grad!) }
}

/// Matrix transpose of a rank-2 variable (materialized; gradient is the transpose back).
public func transpose<T>(_ x: Variable<T>) -> Variable<T> {
    Variable(x.value.transposed, parents: [x]) { out in x.accumulate(out.grad!.transposed) }
}

/// Heap buffer behind a tensor. Separate from `Tensor` so that tensors are
/// cheap to pass around and copied only on write.
public final class TensorStorage<T: Scalar>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<T>
    public let count: Int

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
    }

    deinit { base.deallocate() }
}

/// A dense, row-major, contiguous n-dimensional array of `Float` or `Double`.
///
/// Transposes are never materialized for products: `matmul` takes transpose
/// flags and hands them to BLAS. Value semantics, copy-on-write.
public struct Tensor<T: Scalar>: @unchecked Sendable {
    public private(set) var shape: [Int]
    public private(set) var storage: TensorStorage<T>

    public var count: Int { storage.count }
    public var rank: Int { shape.count }

    /// Uninitialized: every element must be written before it is read.
    public init(uninitializedShape shape: [Int]) {
        require(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *))
    }

    public init(repeating value: T, shape: [Int]) {
        self.init(uninitializedShape: shape)
        storage.base.initialize(repeating: value, count: count)
    }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    public init(shape: [Int], scalars: [T]) {
        require(shape.reduce(1, *) == scalars.count, "shape \(shape) does not hold \(scalars.count) scalars")
        self.init(uninitializedShape: shape)
        scalars.withUnsafeBufferPointer { storage.base.update(from: $0.baseAddress!, count: count) }
    }

    /// Elementwise i.i.d. draws from N(0, std^2).
    public static func normal(_ shape: [Int], std: Double = 1, rng: inout RNG) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        let p = t.storage.base
        for i in 0..<t.count { p[i] = T(rng.normal() * std) }
        return t
    }

    /// Elementwise i.i.d. draws from U(low, high).
    public static func uniform(_ shape: [Int], low: Double, high: Double, rng: inout RNG) -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        let p = t.storage.base
        for i in 0..<t.count { p[i] = T(low + (high - low) * rng.uniform()) }
        return t
    }

    public var scalars: [T] { Array(UnsafeBufferPointer(start: storage.base, count: count)) }

    /// Read-only pointer; valid while the tensor is alive.
    @inline(__always) public var data: UnsafePointer<T> { UnsafePointer(storage.base) }

    /// Mutable pointer, after copying the buffer if it is shared.
    @inline(__always) public var mutableData: UnsafeMutablePointer<T> {
        mutating get {
            if !isKnownUniquelyReferenced(&storage) {
                let fresh = TensorStorage<T>(count: count)
                fresh.base.update(from: storage.base, count: count)
                storage = fresh
            }
            return storage.base
        }
    }

    public subscript(flat i: Int) -> T {
        get { storage.base[i] }
        set { mutableData[i] = newValue }
    }

    /// Element at a multi-index (for tests and small setup code, not inner loops).
    public subscript(_ index: Int...) -> T {
        get { storage.base[offset(index)] }
        set { mutableData[offset(index)] = newValue }
    }

    private func offset(_ index: [Int]) -> Int {
        require(index.count == shape.count, "index \(index) for shape \(shape)")
        var o = 0
        for (i, d) in zip(index, shape) { require(i >= 0 && i < d); o = o * d + i }
        return o
    }

    /// Same buffer, new shape (no copy).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        require(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        var t = self
        t.shape = newShape
        return t
    }

    public func converted<U: Scalar>(to: U.Type) -> Tensor<U> {
        var out = Tensor<U>(uninitializedShape: shape)
        let s = data, d = out.mutableData
        for i in 0..<count { d[i] = U(s[i]) }
        return out
    }

    /// Rows `range` of a tensor viewed as [shape[0], rest] (copies the rows).
    public func rows(_ range: Range<Int>) -> Tensor {
        require(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0], "rows \(range) of shape \(shape)")
        let width = count / max(shape[0], 1)
        var out = Tensor(uninitializedShape: [range.count] + shape.dropFirst())
        out.mutableData.update(from: data + range.lowerBound * width, count: range.count * width)
        return out
    }

    /// Gathers rows by index from a tensor viewed as [shape[0], rest].
    public func gatherRows(_ idx: [Int]) -> Tensor {
        require(
            rank >= 1 && idx.allSatisfy { $0 >= 0 && $0 < shape[0] },
            "gatherRows: an index outside 0..<\(rank >= 1 ? shape[0] : 0)")
        let width = count / max(shape[0], 1)
        var out = Tensor(uninitializedShape: [idx.count] + shape.dropFirst())
        let d = out.mutableData
        for (r, i) in idx.enumerated() { (d + r * width).update(from: data + i * width, count: width) }
        return out
    }

    /// The matrix transpose of a rank-2 tensor (materialized; for setup code, not hot paths).
    public var transposed: Tensor {
        require(rank == 2)
        let (r, c) = (shape[0], shape[1])
        var out = Tensor(uninitializedShape: [c, r])
        let s = data, d = out.mutableData
        for i in 0..<r { for j in 0..<c { d[j * r + i] = s[i * c + j] } }
        return out
    }

    // MARK: Reductions used outside autodiff (metrics, optimizers).

    public var sum: T {
        var acc = T(0)
        let p = data
        for i in 0..<count { acc += p[i] }
        return acc
    }

    public var squaredNorm: T {
        var acc = T(0)
        let p = data
        for i in 0..<count { acc += p[i] * p[i] }
        return acc
    }

    public var norm: T { squaredNorm.squareRoot() }

    public var allFinite: Bool {
        let p = data
        for i in 0..<count where !p[i].isFinite { return false }
        return true
    }

    /// Row-wise argmax of a [rows, cols] tensor.
    public func argmaxRows() -> [Int] {
        require(rank == 2)
        let (r, c) = (shape[0], shape[1])
        let p = data
        return (0..<r).map { i in
            var best = 0
            for j in 1..<c where p[i * c + j] > p[i * c + best] { best = j }
            return best
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor<\(T.dtypeName)>\(shape)[\(head)\(count > 8 ? ", …" : "")]"
    }
}

// MARK: - Products

/// C = op(A) op(B) for rank-2 tensors through one BLAS gemm; transposes are flags.
public func matmul<T>(_ a: Tensor<T>, _ b: Tensor<T>, transA: Bool = false, transB: Bool = false) -> Tensor<T> {
    require(a.rank == 2 && b.rank == 2, "matmul takes matrices, got \(a.shape) and \(b.shape)")
    let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (k2, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    require(k == k2, "matmul inner dimensions differ: \(a.shape)\(transA ? "ᵀ" : "") x \(b.shape)\(transB ? "ᵀ" : "")")
    var c = Tensor<T>(uninitializedShape: [m, n])
    gemm(a, transA: transA, b, transB: transB, into: c.mutableData, m: m, n: n, k: k, beta: 0)
    return c
}

/// C = alpha op(A) op(B) + beta C, accumulating into an existing buffer, over the engine's threads.
@inline(__always)
func gemm<T>(
    _ a: Tensor<T>, transA: Bool, _ b: Tensor<T>, transB: Bool, into c: UnsafeMutablePointer<T>,
    m: Int, n: Int, k: Int, alpha: T = 1, beta: T
) {
    if m == 0 || n == 0 { return }
    Parallel.gemm(
        transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
        a: a.data, lda: a.shape[1], b: b.data, ldb: b.shape[1], beta: beta, c: c, ldc: n)
}

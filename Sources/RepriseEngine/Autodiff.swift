/// A node of the reverse-mode autodiff graph: a value, its gradient, and the
/// closure that pushes its gradient to its parents (micrograd's design).
///
/// Every op builds one `Variable` whose `backward` closure ACCUMULATES (+=)
/// into its parents' gradients, so a value used twice receives both
/// contributions. `backward()` on a scalar walks the graph in reverse
/// topological order. Parameters are leaf variables whose gradient buffer
/// persists across steps (zeroed by the optimizer, not reallocated).
public final class Variable<T: Scalar> {
    public var value: Tensor<T>
    /// The gradient. After `zeroGrad()` it reads as zeros until a backward pass writes it.
    public var grad: Tensor<T>? {
        get { settle(); return storedGrad }
        _modify { settle(); yield &storedGrad }  // in place: a get-then-set would copy the buffer
        set { storedGrad = newValue; cleared = false }
    }
    private var storedGrad: Tensor<T>?
    /// `zeroGrad()` kept the buffer without filling it: the first kernel to write it stores instead
    /// of adding (a gemm with beta 0), so a parameter's gradient is not zero-filled every step only
    /// to be added to (the memset was 1.4% of the wide-MLP step, 4.5% of the small MLP's).
    private var cleared = false
    public let name: String
    let parents: [Variable<T>]
    let backwardFn: ((Variable<T>) -> Void)?
    /// Set on leaves that need a gradient, and on every node downstream of one.
    public let requiresGrad: Bool
    /// The function that made this node (`#function` of the op), for an `AutodiffObserver`.
    let op: StaticString

    /// A leaf: a parameter (requiresGrad) or a constant input.
    public init(_ value: Tensor<T>, name: String = "", requiresGrad: Bool = false) {
        self.value = value
        self.name = name
        self.parents = []
        self.backwardFn = nil
        self.requiresGrad = requiresGrad
        self.op = "leaf"
    }

    /// An op's output. The backward closure is kept only if some parent needs a gradient.
    init(
        _ value: Tensor<T>, parents: [Variable<T>], op: StaticString = #function,
        backward: @escaping (Variable<T>) -> Void
    ) {
        self.value = value
        self.name = ""
        let needs = parents.contains { $0.requiresGrad }
        self.parents = needs ? parents : []
        self.backwardFn = needs ? backward : nil
        self.requiresGrad = needs
        self.op = op
        AutodiffObservation.observer?.forwardEnded(op)
    }

    public var shape: [Int] { value.shape }

    /// The gradient buffer, created as zeros on first use, for kernels that accumulate in place.
    @inline(__always)
    func gradPointer() -> UnsafeMutablePointer<T> {
        settle()
        if storedGrad == nil { storedGrad = .zeros(value.shape) }
        return storedGrad!.mutableData
    }

    /// The gradient buffer for a kernel that adds exactly one contribution to each element, and
    /// whether it is new. A new buffer is left uninitialized and the kernel stores instead of
    /// adding (a gemm: beta 0): zero-filling every intermediate gradient first was 4% of the
    /// LLaMA step (memset, perf). Kernels that add to an element more than once (bias rows,
    /// broadcasts, scatters) use `gradPointer()`. Kernels write the store loop and the add loop
    /// out in full: one loop with `if fresh` inside was not split by the optimizer and did not
    /// vectorize (measured: ReLU's backward 4.9 ms a grokking step instead of 1.0).
    @inline(__always)
    func gradBuffer() -> (pointer: UnsafeMutablePointer<T>, fresh: Bool) {
        if cleared { cleared = false; return (storedGrad!.mutableData, true) }
        if storedGrad == nil {
            storedGrad = Tensor(uninitializedShape: value.shape); return (storedGrad!.mutableData, true)
        }
        return (storedGrad!.mutableData, false)
    }

    /// Adds `g` to the gradient (takes `g` itself when there is none yet: no copy).
    func accumulate(_ g: Tensor<T>) {
        guard requiresGrad else { return }
        require(g.count == value.count, "gradient \(g.shape) for value \(value.shape)")
        if storedGrad == nil || cleared { grad = g.reshaped(value.shape); return }
        let d = storedGrad!.mutableData, s = g.data, n = g.count
        Parallel.forEach(n, work: n) { r in for i in r { d[i] += s[i] } }
    }

    /// Sets the gradient to zeros, keeping its buffer (filled only if read before it is written).
    public func zeroGrad() {
        if storedGrad == nil { storedGrad = .zeros(value.shape) } else { cleared = true }
    }

    /// Fills a cleared gradient with the zeros it stands for.
    @inline(__always) private func settle() {
        guard cleared else { return }
        storedGrad!.mutableData.update(repeating: 0, count: value.count)
        cleared = false
    }

    /// This node and every node upstream of it that needs a gradient, each after its parents.
    private func topologicalOrder() -> [Variable<T>] {
        var order: [Variable<T>] = []
        var seen = Set<ObjectIdentifier>()
        // Iterative post-order DFS: deep nets (20+ layers, hundreds of ops) must not recurse.
        var stack: [(Variable<T>, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for p in node.parents where p.requiresGrad && !seen.contains(ObjectIdentifier(p)) {
                stack.append((p, false))
            }
        }
        return order
    }

    /// Back-propagates from this scalar (d self / d self = 1) through the graph.
    public func backward() {
        require(value.count == 1, "backward() starts from a scalar, not \(value.shape)")
        let observer = AutodiffObservation.observer
        let order = observer.map { $0.section("autodiff graph", topologicalOrder) } ?? topologicalOrder()
        accumulate(Tensor(repeating: 1, shape: value.shape))
        for node in order.reversed() {
            guard let fn = node.backwardFn, node.grad != nil else { continue }
            if let observer { observer.backward(node.op) { fn(node) } } else { fn(node) }
            node.grad = nil  // intermediate gradients are not needed once pushed
        }
    }
}

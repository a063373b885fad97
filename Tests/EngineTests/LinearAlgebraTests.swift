import RepriseEngine
import Testing

@Suite struct LinearAlgebraTests {
    @Test func matmulMatchesNaiveWithTransposeFlags() {
        let a = randn([3, 5], seed: 1), b = randn([4, 5], seed: 2)
        let c = matmul(a, b, transB: true)
        for i in 0..<3 {
            for j in 0..<4 {
                var s = 0.0
                for k in 0..<5 { s += a[i, k] * b[j, k] }
                #expect(abs(c[i, j] - s) < 1e-12)
            }
        }
        let d = matmul(a, a, transA: true)  // aᵀa, 5 × 5, symmetric
        #expect(d.shape == [5, 5] && abs(d[1, 3] - d[3, 1]) < 1e-12)
    }

    @Test func svdReconstructs() throws {
        for shape in [[6, 4], [4, 6]] {
            let a = randn(shape, seed: 3)
            let f = try svd(a)
            #expect(f.s == f.s.sorted(by: >))
            for i in 0..<shape[0] {
                for j in 0..<shape[1] {
                    var s = 0.0
                    for k in 0..<f.s.count { s += f.u[i, k] * f.s[k] * f.vt[k, j] }
                    #expect(abs(s - a[i, j]) < 1e-12)
                }
            }
        }
    }

    @Test func symmetricEigenDecomposition() throws {
        let x = randn([5, 5], seed: 4)
        let a = matmul(x, x, transA: true)
        let (values, vectors) = try symmetricEigen(a)
        #expect(values == values.sorted())
        // A v = λ v for every eigenvector (rows of `vectors`).
        for k in 0..<5 {
            for i in 0..<5 {
                var av = 0.0
                for j in 0..<5 { av += a[i, j] * vectors[k, j] }
                #expect(abs(av - values[k] * vectors[k, i]) < 1e-10)
            }
        }
    }

    @Test func minimumNormLeastSquares() throws {
        // Underdetermined (3 equations, 5 unknowns): the solution fits exactly and lies in the row space of A.
        let a = randn([3, 5], seed: 5), b = randn([3, 2], seed: 6)
        let (x, s, rank) = try leastSquaresMinNorm(a, b)
        #expect(rank == 3 && s.count == 3)
        let ax = matmul(a, x)
        for i in 0..<6 { #expect(abs(ax[flat: i] - b[flat: i]) < 1e-10) }
        // x = Aᵀ y for some y ⇔ x ⟂ null(A): project on the null space through the SVD and check it vanishes.
        let f = try svd(a.transposed)  // 5 × 3: the columns of U span row(A)
        let proj = matmul(f.u, matmul(f.u, x, transA: true))
        for i in 0..<10 { #expect(abs(proj[flat: i] - x[flat: i]) < 1e-10) }
    }
}

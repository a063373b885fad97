import RepriseEngine
import Testing

/// Shape and index checks must trap in the build that runs (release, -Ounchecked), not read past a buffer.
@Suite struct CheckTests {
    @Test func badIndicesAndShapesTrapInThisBuild() async {
        await #expect(processExitsWith: .failure) { _ = Tensor<Float>.zeros([2, 3]).gatherRows([0, 2]) }
        await #expect(processExitsWith: .failure) { _ = Tensor<Float>.zeros([2, 3]).rows(1..<3) }
        await #expect(processExitsWith: .failure) {
            _ = embedding(Variable(Tensor<Float>.zeros([4, 2]), name: "e", requiresGrad: true), [1, 4])
        }
        await #expect(processExitsWith: .failure) {
            _ = matmul(Tensor<Float>.zeros([2, 3]), Tensor<Float>.zeros([2, 3]))
        }
    }

    @Test func validIndicesPass() {
        let t = Tensor<Float>(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t.gatherRows([2, 0]).scalars == [5, 6, 1, 2] && t.rows(1..<3).scalars == [3, 4, 5, 6])
    }
}

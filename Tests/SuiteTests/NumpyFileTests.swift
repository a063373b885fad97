import Foundation
import RepriseSuite
import Testing

/// The `.npy` files the cross-checks hand to their peers (issue 29): NumPy's version-1.0 layout, byte for byte.
@Suite struct NumpyFileTests {
    /// Splits a file into its header text and its data, checking the fixed parts of the format.
    func parse(_ data: Data) throws -> (header: String, body: Data) {
        let bytes = [UInt8](data)
        #expect(Array(bytes[0..<6]) == [0x93] + Array("NUMPY".utf8))
        #expect(bytes[6] == 1 && bytes[7] == 0)
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + length) % 64 == 0, "the data must start on a 64-byte boundary")
        let header = try #require(String(bytes: bytes[10..<(10 + length)], encoding: .ascii))
        #expect(header.hasSuffix("\n"))
        return (header, Data(bytes[(10 + length)...]))
    }

    @Test func headerAndDataOfAFloatMatrix() throws {
        let values: [Float] = [1, -2, 3.5, 0, 1e-3, 7]
        let raw = values.withUnsafeBytes { Data($0) }
        let (header, body) = try parse(NumpyFile.encode(raw, dtype: .float32, shape: [2, 3]))
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(body.count == 24)
        let back = body.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(back == values)
    }

    @Test func aVectorsShapeHasTheTrailingComma() throws {
        let (header, body) = try parse(NumpyFile.encode(Data([1, 2, 3]), dtype: .uint8, shape: [3]))
        #expect(header.contains("'descr': '|u1'") && header.contains("'shape': (3,)"))
        #expect([UInt8](body) == [1, 2, 3])
    }

    /// The CLI's 8-bit case: its codes are the engine's, and each is the nearest code of the map to
    /// its input over the block's maximum (the property the bitsandbytes comparison rests on).
    @Test func blockwiseCaseHoldsNearestCodes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try reprise(["crosscheck-case", "blockwise8bit", "--out", dir.path])
        #expect(r.code == 0, "\(r.err)")
        func floats(_ name: String) throws -> [Float] {
            let body = try parse(Data(contentsOf: dir.appendingPathComponent(name + ".npy"))).body
            return body.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        let map = try floats("map_unsigned"), input = try floats("input_unsigned")
        let absmax = try floats("absmax_unsigned")
        let codes = try [UInt8](parse(Data(contentsOf: dir.appendingPathComponent("codes_unsigned.npy"))).body)
        #expect(map.count == 256 && codes.count == 5000 && absmax.count == 3)
        for (i, c) in codes.enumerated() {
            let y = input[i] / absmax[i / 2048]
            let best = map.indices.min { abs(map[$0] - y) < abs(map[$1] - y) }!
            #expect(abs(map[Int(c)] - y) <= abs(map[best] - y), "entry \(i)")
        }
    }
}

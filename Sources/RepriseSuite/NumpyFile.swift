import Foundation

/// NumPy's `.npy` format, version 1.0, for the arrays the suite hands to its peers (issue 29): a
/// magic string, a Python-literal header naming dtype and shape, then the raw little-endian data
/// in C order. Written, never parsed here: the peers read it with `numpy.load`.
public enum NumpyFile {
    /// The dtype codes of the element types written.
    public enum DType: String { case float32 = "<f4", float64 = "<f8", int64 = "<i8", uint8 = "|u1" }

    /// The bytes of one array. The header is padded with spaces so that the data starts on a 64-byte
    /// boundary, as the format asks.
    public static func encode(_ raw: Data, dtype: DType, shape: [Int]) -> Data {
        precondition(shape.allSatisfy { $0 >= 0 }, "a shape has no negative extent")
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(dims), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        out.append(contentsOf: Array(header.utf8))
        out.append(raw)
        return out
    }

    public static func write(_ values: [Float], shape: [Int], to url: URL) throws {
        try write(values, .float32, shape: shape, to: url)
    }
    public static func write(_ values: [Double], shape: [Int], to url: URL) throws {
        try write(values, .float64, shape: shape, to: url)
    }
    public static func write(_ values: [Int], shape: [Int], to url: URL) throws {
        try write(values.map(Int64.init), .int64, shape: shape, to: url)
    }
    public static func write(_ values: [UInt8], shape: [Int], to url: URL) throws {
        try write(values, .uint8, shape: shape, to: url)
    }

    private static func write<E>(_ values: [E], _ dtype: DType, shape: [Int], to url: URL) throws {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values do not fill shape \(shape)")
        // Every platform Swift runs on here is little-endian, which is what the dtype codes say.
        let raw = values.withUnsafeBytes { Data($0) }
        try encode(raw, dtype: dtype, shape: shape).write(to: url)
    }
}

/// Block-wise 8-bit storage of optimizer state (Dettmers, Lewis, Shleifer & Zettlemoyer 2022,
/// "8-bit Optimizers via Block-wise Quantization", §2): a tensor is cut into blocks of 2048
/// entries; each block keeps its absolute maximum as a Float32 and every entry as a uint8
/// code into a fixed 256-value "dynamic" map of [-1, 1] (signed, for Adam's first moment) or
/// [0, 1] (unsigned, for the second). Decoding is code value × block absmax.
public struct BlockwiseQuantized: Sendable {
    public static let blockSize = 2048

    /// The dynamic (tree) quantization map, sorted ascending, 256 values. As bitsandbytes'
    /// `create_dynamic_map` (7 exponent levels, total 8 bits) builds it: for level i = 0…6 the
    /// midpoints of an even grid on [0.1, 1] with 2^i (signed) or 2^(i+1) (unsigned) cells,
    /// scaled by 10^(i−6); then 0 and 1. Signed adds the negatives: 127 + 127 + 0 + 1 = 256;
    /// unsigned: 254 + 0 + 1 = 256. (So −1 is not a code: a block's most negative maximum decodes to −0.99297.)
    public static func dynamicMap(signed: Bool) -> [Float] {
        var values: [Double] = []
        for i in 0..<7 {
            let cells = signed ? 1 << i : 1 << (i + 1)
            let scale = Double.pow(10, Double(i - 6))
            for c in 0..<cells {
                let lo = 0.1 + 0.9 * Double(c) / Double(cells), hi = 0.1 + 0.9 * Double(c + 1) / Double(cells)
                values.append(scale * (lo + hi) / 2)
                if signed { values.append(-scale * (lo + hi) / 2) }
            }
        }
        values += [0, 1]
        return values.sorted().map(Float.init)
    }

    static let signedMap = dynamicMap(signed: true), unsignedMap = dynamicMap(signed: false)

    public let count: Int
    public let signed: Bool
    public private(set) var codes: [UInt8]
    public private(set) var absmax: [Float]

    /// All zeros (the zero code of the map, absmax 0).
    public init(count: Int, signed: Bool) {
        self.count = count
        self.signed = signed
        let zero = UInt8((signed ? Self.signedMap : Self.unsignedMap).firstIndex(of: 0)!)
        codes = [UInt8](repeating: zero, count: count)
        absmax = [Float](repeating: 0, count: (count + Self.blockSize - 1) / Self.blockSize)
    }

    /// Bytes held: one per entry and four per block.
    public var bytes: Int { codes.count + absmax.count * MemoryLayout<Float>.size }

    var map: [Float] { signed ? Self.signedMap : Self.unsignedMap }

    /// Index of the map value nearest to `x`; ties go to the lower value.
    ///
    /// A binary search mispredicts a branch at every other one of its 8 steps (8-bit Adam took 1.5x
    /// Adam's step). Instead a table, indexed by the top 16 bits of x's order-preserving bit key,
    /// gives the largest code at or below the smallest x of that bucket; a bucket is 0.8% of its
    /// value wide and holds at most two map values (the unsigned map's cells near 1 are 0.7% wide),
    /// so one or two comparisons more find the code at or below x.
    @inline(__always)
    static func nearest(_ x: Float, in map: UnsafeBufferPointer<Float>, floor table: UnsafeBufferPointer<UInt8>) -> Int
    {
        var i = Int(table[Int(orderKey(x) >> 16)])
        while i < 255 && map[i + 1] <= x { i += 1 }
        guard i < 255 else { return i }
        return x - map[i] <= map[i + 1] - x ? i : i + 1
    }

    /// A UInt32 whose order is the order of the floats (negative floats reversed, positive ones above).
    @inline(__always)
    static func orderKey(_ x: Float) -> UInt32 {
        x.sign == .minus ? ~x.bitPattern : x.bitPattern | 0x8000_0000
    }

    /// For each 16-bit bucket of `orderKey`: the largest code whose value is at or below the bucket's smallest float.
    static func floorTable(_ map: [Float]) -> [UInt8] {
        (0..<65536).map { bucket in
            let key = UInt32(bucket) << 16
            let low = key & 0x8000_0000 != 0 ? Float(bitPattern: key & 0x7fff_ffff) : Float(bitPattern: ~key)
            return UInt8(map.lastIndex { $0 <= low } ?? 0)
        }
    }

    static let signedFloor = floorTable(signedMap), unsignedFloor = floorTable(unsignedMap)

    /// Writes block `b` decoded into `out` (its length is the block's).
    @inline(__always)
    public func decode<T: Scalar>(block b: Int, into out: UnsafeMutablePointer<T>) {
        let start = b * Self.blockSize, n = min(Self.blockSize, count - start), a = absmax[b]
        map.withUnsafeBufferPointer { m in
            codes.withUnsafeBufferPointer { c in
                for i in 0..<n { out[i] = T(m[Int(c[start + i])] * a) }
            }
        }
    }

    /// Encodes `values` (the block's length) as block `b`: a new absmax, then each entry's nearest code.
    @inline(__always)
    public mutating func encode<T: Scalar>(block b: Int, from values: UnsafePointer<T>) {
        let start = b * Self.blockSize, n = min(Self.blockSize, count - start)
        var a: Float = 0
        for i in 0..<n { a = max(a, abs(Float(values[i]))) }
        absmax[b] = a
        let inv: Float = a > 0 ? 1 / a : 0
        map.withUnsafeBufferPointer { m in
            (signed ? Self.signedFloor : Self.unsignedFloor).withUnsafeBufferPointer { t in
                codes.withUnsafeMutableBufferPointer { c in
                    for i in 0..<n { c[start + i] = UInt8(Self.nearest(Float(values[i]) * inv, in: m, floor: t)) }
                }
            }
        }
    }

    public var blocks: Int { absmax.count }
}

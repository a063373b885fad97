import CZlib
import Foundation
import RepriseEngine

/// Images as rows of a [N, 784] matrix scaled to [0, 1], and labels 0…9.
public struct LabeledImages: Sendable {
    public var images: Tensor<Float>
    public var labels: [Int]
    public var count: Int { labels.count }
    public var classes: Int { (labels.max() ?? -1) + 1 }

    public init(images: Tensor<Float>, labels: [Int]) {
        require(images.shape[0] == labels.count, "\(images.shape[0]) images, \(labels.count) labels")
        (self.images, self.labels) = (images, labels)
    }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabeledImages {
        LabeledImages(images: images.gatherRows(indices), labels: indices.map { labels[$0] })
    }
}

/// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) read from the IDX files of
/// Debian's `dataset-fashion-mnist`, decompressed with zlib in memory.
public enum FashionMNIST {
    public static let debianPackage = "dataset-fashion-mnist"
    public static var directory: String {
        ProcessInfo.processInfo.environment["REPRISE_FASHION_MNIST"] ?? "/usr/share/datasets/fashion-mnist"
    }

    public enum Split: String, Sendable { case train, test }

    public static func load(_ split: Split) throws -> LabeledImages {
        let prefix = split == .train ? "train" : "t10k"
        let images = try readIDX("\(directory)/\(prefix)-images-idx3-ubyte.gz", expectedMagic: 0x0803)
        let labels = try readIDX("\(directory)/\(prefix)-labels-idx1-ubyte.gz", expectedMagic: 0x0801)
        guard images.dims.count == 3, labels.dims.count == 1, images.dims[0] == labels.dims[0] else {
            throw DataError.malformed(path: directory, reason: "image dims \(images.dims) vs label dims \(labels.dims)")
        }
        let n = images.dims[0], d = images.dims[1] * images.dims[2]
        var x = Tensor<Float>(uninitializedShape: [n, d])
        let xp = x.mutableData
        images.bytes.withUnsafeBufferPointer { src in
            for i in 0..<(n * d) { xp[i] = Float(src[images.offset + i]) / 255 }
        }
        let y = (0..<n).map { Int(labels.bytes[labels.offset + $0]) }
        return LabeledImages(images: x, labels: y)
    }

    /// IDX (LeCun's MNIST format): big-endian magic 0x0000_08_NN (NN = dimension count), then the dimensions as UInt32.
    public static func readIDX(
        _ path: String, expectedMagic: UInt32
    ) throws -> (bytes: [UInt8], offset: Int, dims: [Int]) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError.missing(path: path, debianPackage: debianPackage)
        }
        let bytes = try gunzip(path)
        func u32(_ o: Int) -> UInt32 { bytes[o..<(o + 4)].reduce(0) { $0 << 8 | UInt32($1) } }
        guard bytes.count >= 8, u32(0) == expectedMagic else {
            throw DataError.malformed(path: path, reason: "bad IDX magic (want \(String(expectedMagic, radix: 16)))")
        }
        let nd = Int(expectedMagic & 0xFF)
        let dims = (0..<nd).map { Int(u32(4 + 4 * $0)) }
        let offset = 4 + 4 * nd
        guard bytes.count == offset + dims.reduce(1, *) else {
            throw DataError.malformed(path: path, reason: "size \(bytes.count) does not match dims \(dims)")
        }
        return (bytes, offset, dims)
    }
}

/// Reads a whole gzip file through zlib's gzread.
public func gunzip(_ path: String) throws -> [UInt8] {
    guard let f = gzopen(path, "rb") else { throw DataError.malformed(path: path, reason: "gzopen failed") }
    defer { gzclose(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { gzread(f, $0.baseAddress, UInt32($0.count)) }
        if n < 0 { throw DataError.malformed(path: path, reason: "gzip stream is corrupt") }
        if n == 0 { break }
        out.append(contentsOf: chunk[0..<Int(n)])
    }
    return out
}

extension LabeledImages {
    /// `perClass` images of each class, chosen by a seeded shuffle, in shuffled order.
    public func balancedSubset(perClass: Int, rng: inout RNG) -> LabeledImages {
        var byClass = [[Int]](repeating: [], count: classes)
        for i in rng.permutation(count) where byClass[labels[i]].count < perClass { byClass[labels[i]].append(i) }
        var idx = byClass.flatMap { $0 }
        rng.shuffle(&idx)
        return LabeledImages(images: images.gatherRows(idx), labels: idx.map { labels[$0] })
    }

    /// Replaces a `fraction` of the labels, chosen at random, by a uniformly drawn
    /// DIFFERENT class (so exactly that fraction is wrong). Returns the noisy copy.
    public func withLabelNoise(fraction: Double, rng: inout RNG) -> LabeledImages {
        var out = self
        let k = Int((fraction * Double(count)).rounded())
        for i in rng.permutation(count).prefix(k) {
            out.labels[i] = (labels[i] + 1 + rng.int(below: classes - 1)) % classes
        }
        return out
    }
}

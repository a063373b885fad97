import CZlib
import Foundation
import RealModule

/// A data set that cannot be loaded, with the Debian package that provides it.
public enum DataError: Error, CustomStringConvertible {
    case missing(path: String, debianPackage: String)
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .missing(path, pkg):
            return
                "data not found at \(path): install the Debian package '\(pkg)' (apt-get install \(pkg), or `make "
                + "deps`)"
        case let .malformed(path, reason):
            return "malformed data file \(path): \(reason)"
        }
    }
}

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

/// The algorithmic task of Power et al. (2022): every pair (a, b) in [0, p)²
/// labelled (a op b) mod p, split into train/test by a seeded shuffle.
public struct ModularArithmetic: Sendable {
    public enum Operation: String, Sendable, Codable, CaseIterable { case add, multiply }
    public let p: Int
    public let trainPairs: [(Int, Int)], trainLabels: [Int]
    public let testPairs: [(Int, Int)], testLabels: [Int]

    public init(p: Int, operation: Operation = .add, trainFraction: Double, rng: inout RNG) {
        self.p = p
        let all = (0..<(p * p)).map { ($0 / p, $0 % p) }
        let order = rng.permutation(all.count)
        let nTrain = Int((trainFraction * Double(all.count)).rounded(.down))
        let label = { (a: Int, b: Int) in operation == .add ? (a + b) % p : (a * b) % p }
        trainPairs = order.prefix(nTrain).map { all[$0] }
        testPairs = order.dropFirst(nTrain).map { all[$0] }
        trainLabels = trainPairs.map(label)
        testLabels = testPairs.map(label)
    }

    /// Row indices into a [2p, width] input-embedding table for the concatenated one-hot encoding: a and p + b.
    public static func oneHotRows(_ pairs: [(Int, Int)], p: Int) -> (a: [Int], b: [Int]) {
        (pairs.map(\.0), pairs.map { p + $0.1 })
    }
}

/// Byte-level English text from Debian's `fortunes`: every plain-text fortune file of the
/// directory (the `.dat` indexes and the `.u8` links left out), in name order. Every tenth
/// fortune is held out for validation, so both sides draw on every file (a cut at 90% of the
/// bytes would hold out whole topics).
public struct TextCorpus: Sendable {
    public static let debianPackage = "fortunes"
    public let files: [String]
    public let train: [UInt8], validation: [UInt8]

    public init(directory: String = "/usr/share/games/fortunes", files: [String]? = nil) throws {
        let fm = FileManager.default
        let names =
            try files
            ?? {
                guard let all = try? fm.contentsOfDirectory(atPath: directory) else {
                    throw DataError.missing(path: directory, debianPackage: Self.debianPackage)
                }
                return all.filter { name in
                    let attributes = try? fm.attributesOfItem(atPath: directory + "/" + name)
                    return !name.hasSuffix(".dat") && !name.hasPrefix(".")
                        && attributes?[.type] as? FileAttributeType == .typeRegular
                }.sorted()
            }()
        guard !names.isEmpty else { throw DataError.missing(path: directory + "/*", debianPackage: Self.debianPackage) }
        self.files = names
        var train: [UInt8] = [], validation: [UInt8] = [], index = 0
        for name in names {
            let path = directory + "/" + name
            guard let data = fm.contents(atPath: path) else {
                throw DataError.missing(path: path, debianPackage: Self.debianPackage)
            }
            // Fortunes are separated by lines holding a single "%": keep the text, one blank line after each fortune.
            var fortune: [UInt8] = []
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                if line.elementsEqual("%".utf8) {
                    fortune.append(10)
                    if index % 10 == 9 { validation += fortune } else { train += fortune }
                    fortune.removeAll(keepingCapacity: true)
                    index += 1
                } else {
                    fortune += line; fortune.append(10)
                }
            }
            if fortune.contains(where: { $0 != 10 }) { train += fortune }
        }
        (self.train, self.validation) = (train, validation)
    }

    /// `batch` random windows of `length` + 1 bytes (inputs and next-byte targets).
    public static func windows(_ text: [UInt8], batch: Int, length: Int, rng: inout RNG) -> [[Int]] {
        (0..<batch).map { _ in
            let s = rng.int(below: text.count - length - 1)
            return text[s...(s + length)].map(Int.init)
        }
    }
}

/// Seeded synthetic inputs.
public enum Synthetic {
    /// Points x = (cos γ, sin γ) on the unit circle, as rows of [count, 2].
    public static func circle<T: Scalar>(angles: [Double]) -> Tensor<T> {
        Tensor(shape: [angles.count, 2], scalars: angles.flatMap { [T(Double.cos($0)), T(Double.sin($0))] })
    }

    /// i.i.d. N(0, 1) inputs [count, dim].
    public static func gaussian<T: Scalar>(count: Int, dim: Int, rng: inout RNG) -> Tensor<T> {
        .normal([count, dim], rng: &rng)
    }
}

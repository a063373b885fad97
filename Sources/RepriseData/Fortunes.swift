import Foundation
import RepriseEngine

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

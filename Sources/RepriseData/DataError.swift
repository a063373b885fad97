// The data sets read from Debian packages (Fashion-MNIST, fortunes): kept out of the engine, which knows no
// file path and links no zlib. The generated tasks (modular arithmetic, points on a circle) stay in the engine
// beside the generic tensor code they are built from (RepriseEngine/GeneratedData.swift).

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

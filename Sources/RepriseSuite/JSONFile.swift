import Foundation

/// The suite's JSON files: reading them with errors a person can act on (invalid JSON reported with
/// its line and column), and the one encoding its written files share (sorted keys, so a change
/// shows in review; non-finite numbers as "inf", "-inf", "nan").
public enum JSONFile {
    /// The parsed JSON of `data`; `file` names it in errors ("Replications/x/claims.json").
    static func parse(_ data: Data, file: String) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw SuiteError.replicationFiles("\(file): invalid JSON\(position(of: error, in: data))")
        }
    }

    /// A JSON number, not a boolean (Foundation hands both over as NSNumber; a boolean's type code is "c").
    static func isNumber(_ x: Any) -> Bool {
        guard let n = x as? NSNumber else { return false }
        return String(cString: n.objCType) != "c"
    }

    /// " at line L, column C" from Foundation's "around character N" (a byte offset), else "".
    static func position(of error: Error, in data: Data) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        guard let r = text.range(of: #"character (\d+)"#, options: .regularExpression),
            let offset = Int(text[r].dropFirst("character ".count))
        else { return ": \(text)" }
        var line = 1
        var column = 1
        for byte in data.prefix(offset) {
            if byte == UInt8(ascii: "\n") { (line, column) = (line + 1, 1) } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return " at line \(line), column \(column) (\(text))"
    }
}

extension JSONFile {
    /// Pretty, sorted keys, non-finite numbers as strings: baselines, ledger entries, `--json` output.
    public static func encoder() -> JSONEncoder {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return enc
    }

    /// Reads what `encoder()` writes.
    public static func decoder() -> JSONDecoder {
        let dec = JSONDecoder()
        dec.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return dec
    }
}

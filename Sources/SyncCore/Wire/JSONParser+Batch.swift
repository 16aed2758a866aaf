/// One entry of a replication batch: its seq, its change, and the exact bytes
/// the change was sent as (so a node can store and forward them unchanged).
public struct BatchEntry: Sendable {
    public var seq: Int64
    public var change: Change
    public var raw: ArraySlice<UInt8>
}

/// A parsed replication batch, `{"changes": [{"seq": N, "change": {...}}, ...], ...}`.
public struct Batch: Sendable {
    public var entries: [BatchEntry]
    /// The other top-level members that are integers (e.g. "last").
    public var fields: [String: Int64]
    /// The other top-level members that are strings (e.g. "resync").
    public var texts: [String: String] = [:]

    /// Parses a batch body; errors name the entry and field at fault.
    public static func parse(_ bytes: [UInt8]) throws(WireError) -> Batch {
        var parser = JSONParser(bytes: bytes)
        var batch = Batch(entries: [], fields: [:])
        do {
            parser.skipSpace()
            try parser.expect(UInt8(ascii: "{"))
            var first = true
            while true {
                parser.skipSpace()
                if parser.peek == UInt8(ascii: "}") { parser.index += 1; break }
                if !first { try parser.expect(UInt8(ascii: ",")); parser.skipSpace() }
                first = false
                let key = try parser.string()
                parser.skipSpace()
                try parser.expect(UInt8(ascii: ":"))
                parser.skipSpace()
                if key == "changes" {
                    try parser.expect(UInt8(ascii: "["))
                    parser.skipSpace()
                    if parser.peek == UInt8(ascii: "]") { parser.index += 1; continue }
                    while true {
                        batch.entries.append(try entry(&parser, number: batch.entries.count))
                        parser.skipSpace()
                        if parser.peek == UInt8(ascii: ",") { parser.index += 1; continue }
                        try parser.expect(UInt8(ascii: "]"))
                        break
                    }
                } else {
                    switch try parser.value(depth: 1) {
                    case .int(let v): batch.fields[key] = v
                    case .string(let s): batch.texts[key] = s
                    default: break
                    }
                }
            }
        } catch {
            throw WireError("the batch is not valid JSON: \(error)")
        }
        return batch
    }

    private static func entry(_ parser: inout JSONParser, number: Int) throws -> BatchEntry {
        parser.skipSpace()
        try parser.expect(UInt8(ascii: "{"))
        var seq: Int64?
        var change: (Change, ArraySlice<UInt8>)?
        var first = true
        while true {
            parser.skipSpace()
            if parser.peek == UInt8(ascii: "}") { parser.index += 1; break }
            if !first { try parser.expect(UInt8(ascii: ",")); parser.skipSpace() }
            first = false
            let key = try parser.string()
            parser.skipSpace()
            try parser.expect(UInt8(ascii: ":"))
            parser.skipSpace()
            let start = parser.index
            switch key {
            case "seq": seq = try parser.value(depth: 1).int
            case "change":
                do { change = (try parser.change(), parser.bytes[start..<parser.index]) } catch {
                    throw WireError("changes[\(number)]: \(error)")
                }
            default: _ = try parser.value(depth: 1)
            }
        }
        guard let seq, let change else { throw WireError("changes[\(number)] needs \"seq\" and \"change\"") }
        return BatchEntry(seq: seq, change: change.0, raw: change.1)
    }
}

extension JSONParser {
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        guard peek == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }
}

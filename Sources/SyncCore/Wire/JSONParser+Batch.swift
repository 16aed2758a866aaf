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
            try parser.members { p, key in
                guard key == "changes" else {
                    switch try p.value(depth: 1) {
                    case .int(let v): batch.fields[key] = v
                    case .string(let s): batch.texts[key] = s
                    default: break
                    }
                    return
                }
                try p.expect(UInt8(ascii: "["))
                p.skipSpace()
                if p.peek == UInt8(ascii: "]") { p.index += 1; return }
                while true {
                    batch.entries.append(try entry(&p, number: batch.entries.count))
                    p.skipSpace()
                    if p.peek == UInt8(ascii: ",") { p.index += 1; continue }
                    try p.expect(UInt8(ascii: "]"))
                    return
                }
            }
        } catch let error as WireError {
            throw error
        } catch {
            throw WireError("the batch is not valid JSON: \(error)")
        }
        return batch
    }

    private static func entry(_ parser: inout JSONParser, number: Int) throws -> BatchEntry {
        var seq: Int64?
        var change: (Change, ArraySlice<UInt8>)?
        try parser.members { p, key in
            let start = p.index
            switch key {
            case "seq": seq = try p.value(depth: 1).int
            case "change":
                do { change = (try p.change(), p.bytes[start..<p.index]) } catch {
                    throw WireError("changes[\(number)]: \(error)")
                }
            default: _ = try p.value(depth: 1)
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

/// Writes JSON into a byte buffer: the fast path for replication traffic.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func raw(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    public mutating func int(_ value: Int64) { bytes.append(contentsOf: String(value).utf8) }

    public mutating func double(_ value: Double) {
        if value.isFinite { bytes.append(contentsOf: String(value).utf8) } else { raw("null") }
    }

    /// A JSON string with the escapes RFC 8259 requires.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 10: raw("\\n")
            case 13: raw("\\r")
            case 9: raw("\\t")
            case 0..<32:
                raw("\\u00")
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(b >> 4)])
                bytes.append(hex[Int(b & 15)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `"key":`
    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    /// Writes a `JSONNode`.
    public mutating func node(_ node: JSONNode) {
        switch node {
        case .null: raw("null")
        case .bool(let b): b ? raw("true") : raw("false")
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let elements):
            raw("[")
            for (i, e) in elements.enumerated() { if i > 0 { comma() }; self.node(e) }
            raw("]")
        case .object(let members):
            raw("{")
            for (i, m) in members.enumerated() { if i > 0 { comma() }; key(m.0); self.node(m.1) }
            raw("}")
        }
    }
}

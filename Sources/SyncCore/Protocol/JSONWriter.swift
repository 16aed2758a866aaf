/// Writes JSON into a byte buffer in the canonical form every node produces:
/// no whitespace, minimal escapes (`\"`, `\\`, `\n`, `\r`, `\t`, other control
/// characters as lowercase `\u00xx`, everything else as UTF-8), integers in
/// decimal, doubles in their shortest round-trip form. Callers write object
/// members in UTF-8 byte order of their names.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func raw(_ other: [UInt8]) { bytes.append(contentsOf: other) }
    public mutating func raw(_ other: ArraySlice<UInt8>) { bytes.append(contentsOf: other) }

    public mutating func int(_ value: Int64) { bytes.append(contentsOf: String(value).utf8) }

    /// A finite double in its shortest form; JSON has no infinities, so those become null.
    public mutating func double(_ value: Double) {
        if value.isFinite { bytes.append(contentsOf: JSONWriter.doubleText(value).utf8) } else { raw("null") }
    }

    public mutating func bool(_ value: Bool) { value ? raw("true") : raw("false") }

    /// A JSON string with the escapes RFC 8259 requires and no others.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most text needs no escape: copied whole, not byte by byte (and looked through as one
        // buffer where the string has one: a native string always does).
        let plain = value.utf8.withContiguousStorageIfAvailable { !$0.contains(where: JSONWriter.needsEscape) }
            ?? !value.utf8.contains(where: JSONWriter.needsEscape)
        guard !plain else {
            bytes.append(contentsOf: value.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 10: raw("\\n")
            case 13: raw("\\r")
            case 9: raw("\\t")
            case 0..<32: bytes.append(contentsOf: JSONWriter.controlEscape(b))
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 32 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// `"key":`
    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    /// Writes a `JSONNode` (object members in the order they are held).
    public mutating func node(_ node: JSONNode) {
        switch node {
        case .null: raw("null")
        case .bool(let b): bool(b)
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

    /// `\u00xx` for a control character.
    public static func controlEscape(_ b: UInt8) -> [UInt8] {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        return Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]]
    }

    /// The shortest text that reads back as `value`.
    public static func doubleText(_ value: Double) -> String { String(value) }

    /// Whether member `a` comes before `b` in canonical order (UTF-8 bytes).
    public static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// `names` in canonical order.
    public static func sorted(_ names: some Sequence<String>) -> [String] {
        names.sorted(by: precedes)
    }
}

/// A data item's value as JSON carries it: text, number, boolean or null.
/// Dates travel as text (YYYY-MM-DD, RFC 3339).
public enum JSONValue: Hashable, Sendable, Encodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        }
    }

    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): JSONWriter.doubleText(d)
        case .string(let s): s
        }
    }

    /// The text of a string value.
    public var text: String? { if case .string(let s) = self { s } else { nil } }

    /// A value from a parsed JSON node; arrays and objects are not data item values.
    public init(node: JSONNode) throws(WireError) {
        switch node {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array, .object: throw WireError("a data item value must be text, a number, a boolean or null")
        }
    }

    /// Parses one value from JSON text.
    public init(json text: String) throws(WireError) {
        do { self = try JSONValue(node: try JSONNode.parse(Array(text.utf8))) } catch let error as WireError { throw error } catch {
            throw WireError("not a JSON value: \(error)")
        }
    }

    public func write(to w: inout JSONWriter) {
        switch self {
        case .null: w.raw("null")
        case .bool(let b): w.bool(b)
        case .int(let i): w.int(i)
        case .double(let d): w.double(d)
        case .string(let s): w.string(s)
        }
    }

    /// The value as JSON text.
    public var jsonText: String {
        var w = JSONWriter(capacity: 16)
        write(to: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}

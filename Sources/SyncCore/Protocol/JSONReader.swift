/// A parsed JSON document, for messages whose shape is read field by field.
/// Objects keep their members in order as name/value pairs.
public indirect enum JSONNode: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONNode])
    case object([(String, JSONNode)])

    public static func == (a: JSONNode, b: JSONNode) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.double(let x), .double(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// The member `key` of an object.
    public subscript(key: String) -> JSONNode? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var int: Int64? { if case .int(let i) = self { i } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var array: [JSONNode]? { if case .array(let a) = self { a } else { nil } }
    public var members: [(String, JSONNode)]? { if case .object(let m) = self { m } else { nil } }

    /// Parses a whole JSON text strictly (see `JSONReader`).
    public static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws(JSONParseError) -> JSONNode {
        var reader = JSONReader(bytes: Array(bytes))
        let value = try reader.value(depth: 0)
        try reader.end()
        return value
    }
}

/// Where and why a JSON text could not be read.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public let offset: Int
    public let message: String
    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict JSON reader over bytes (RFC 8259), for everything a peer, a file
/// or a source system sends: invalid UTF-8, a duplicate member name, a
/// number outside the grammar, nesting deeper than 64 and text after the
/// value are errors. It notes whether the text was written exactly as
/// `JSONWriter` writes it (no whitespace, members in byte order, minimal
/// escapes, shortest numbers), so canonical input can be kept as received.
public struct JSONReader {
    public let bytes: [UInt8]
    public var index = 0
    /// False once anything was not in the canonical form.
    public var canonical = true

    public init(bytes: [UInt8], from start: Int = 0) {
        self.bytes = bytes
        self.index = start
    }

    public func error(_ message: String) -> JSONParseError { JSONParseError(offset: index, message: message) }

    public var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    public mutating func skipSpace() {
        let start = index
        while index < bytes.count, bytes[index] == 32 || bytes[index] == 10 || bytes[index] == 13 || bytes[index] == 9 { index += 1 }
        if index != start { canonical = false }
    }

    /// After the top-level value: only whitespace may follow.
    public mutating func end() throws(JSONParseError) {
        skipSpace()
        guard index == bytes.count else { throw error("unexpected text after the JSON value") }
    }

    public mutating func expect(_ byte: UInt8) throws(JSONParseError) {
        skipSpace()
        guard peek == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    /// Reads an object, calling `body` with each member name, the reader
    /// positioned at its value. `body` must consume the value. Member order is
    /// checked for canonical form; duplicates are the caller's to refuse
    /// (typed readers know their members; `value` refuses them for trees).
    public mutating func object(_ body: (inout JSONReader, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if peek == UInt8(ascii: "}") { index += 1; return }
        var previous: String?
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let name = try string()
            if let previous, !JSONWriter.precedes(previous, name) { canonical = false }
            previous = name
            try expect(UInt8(ascii: ":"))
            skipSpace()
            try body(&self, name)
            skipSpace()
            guard let next = peek else { throw error("unexpected end of JSON in an object") }
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "}") { return }
            index -= 1
            throw error("expected ',' or '}'")
        }
    }

    /// Reads an array, calling `body` for each element with the reader positioned at it.
    public mutating func array(_ body: (inout JSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        skipSpace()
        if peek == UInt8(ascii: "]") { index += 1; return }
        while true {
            skipSpace()
            try body(&self)
            skipSpace()
            guard let next = peek else { throw error("unexpected end of JSON in an array") }
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "]") { return }
            index -= 1
            throw error("expected ',' or ']'")
        }
    }

    /// Reads any value as a tree; objects with a duplicate member name are refused.
    public mutating func value(depth: Int) throws(JSONParseError) -> JSONNode {
        guard depth < 64 else { throw error("JSON nested too deeply") }
        skipSpace()
        guard let first = peek else { throw error("unexpected end of JSON") }
        switch first {
        case UInt8(ascii: "{"):
            var members: [(String, JSONNode)] = []
            var seen = Set<String>()
            do {
                try object { r, name in
                    guard seen.insert(name).inserted else { throw r.error("duplicate member '\(name.prefix(40))'") }
                    members.append((name, try r.value(depth: depth + 1)))
                }
            } catch let error as JSONParseError { throw error } catch { throw self.error("\(error)") }
            return .object(members)
        case UInt8(ascii: "["):
            var elements: [JSONNode] = []
            do {
                try array { r in elements.append(try r.value(depth: depth + 1)) }
            } catch let error as JSONParseError { throw error } catch { throw self.error("\(error)") }
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            return try number()
        }
    }

    /// Skips one value of any kind (still checked, duplicates included).
    public mutating func skipValue(depth: Int) throws(JSONParseError) {
        _ = try value(depth: depth)
    }

    public mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("invalid literal") }
        var matches = true
        word.withUTF8Buffer { expected in
            for i in 0..<count where bytes[index + i] != expected[i] { matches = false }
        }
        guard matches else { throw error("invalid literal") }
        index += count
    }

    /// A value that is neither an object nor an array (a data item's value), read without building a
    /// tree: `JSONNode` is an indirect enum, so each node it makes is an allocation.
    public mutating func scalar() throws(JSONParseError) -> JSONValue {
        skipSpace()
        switch peek {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "{"), UInt8(ascii: "["): throw error("expected text, a number, a boolean or null")
        case nil: throw error("unexpected end of JSON")
        default:
            switch try numeral() {
            case .int(let value): return .int(value)
            case .double(let value): return .double(value)
            }
        }
    }

    private enum Numeral { case int(Int64), double(Double) }

    /// A number that must be a whole one fitting 64 bits: nil when it is any other number.
    public mutating func integer() throws(JSONParseError) -> Int64? {
        if case .int(let value) = try numeral() { return value }
        return nil
    }

    /// A number by RFC 8259's grammar: an integer when it has no fraction or
    /// exponent and fits 64 bits, otherwise a finite double.
    public mutating func number() throws(JSONParseError) -> JSONNode {
        switch try numeral() {
        case .int(let value): return .int(value)
        case .double(let value): return .double(value)
        }
    }

    private mutating func numeral() throws(JSONParseError) -> Numeral {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        guard let lead = peek, lead >= 48, lead <= 57 else { throw error("invalid value") }
        var value: Int64 = 0
        var overflow = false
        let negative = bytes[start] == UInt8(ascii: "-")
        if lead == 48 {
            index += 1
            if let d = peek, d >= 48, d <= 57 { throw error("a number may not start with 0") }
        } else {
            while let d = peek, d >= 48, d <= 57 {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(d - 48)) : m.addingReportingOverflow(Int64(d - 48))
                overflow = overflow || o1 || o2
                value = a
                index += 1
            }
        }
        var isFloat = false
        if peek == UInt8(ascii: ".") {
            isFloat = true
            index += 1
            guard let d = peek, d >= 48, d <= 57 else { throw error("a fraction needs digits") }
            while let d = peek, d >= 48, d <= 57 { index += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isFloat = true
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            guard let d = peek, d >= 48, d <= 57 else { throw error("an exponent needs digits") }
            while let d = peek, d >= 48, d <= 57 { index += 1 }
        }
        let text = bytes[start..<index]
        if !isFloat && !overflow {
            if negative && value == 0 { canonical = false }   // "-0"
            return .int(value)
        }
        guard let d = Double(String(decoding: text, as: UTF8.self)), d.isFinite else { throw error("number out of range") }
        if !JSONWriter.doubleText(d).utf8.elementsEqual(text) { canonical = false }
        return .double(d)
    }

    /// A string; its bytes must be valid UTF-8.
    public mutating func string() throws(JSONParseError) -> String {
        guard peek == UInt8(ascii: "\"") else { throw error("expected a string") }
        index += 1
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let slice = bytes[start..<index]
                index += 1
                if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
                guard let s = String(validating: slice, as: UTF8.self) else {
                    index = start
                    throw error("a string is not valid UTF-8")
                }
                return s
            }
            if b == UInt8(ascii: "\\") { return try escapedString(from: start) }
            if b < 32 { throw error("control character in a string") }
            index += 1
        }
        throw error("unterminated string")
    }

    private mutating func escapedString(from start: Int) throws(JSONParseError) -> String {
        var out = Array(bytes[start..<index])
        while index < bytes.count {
            let b = bytes[index]
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else { throw error("a string is not valid UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw error("unterminated escape") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(e)
                case UInt8(ascii: "/"): out.append(e); canonical = false
                case UInt8(ascii: "b"): out.append(8); canonical = false
                case UInt8(ascii: "f"): out.append(12); canonical = false
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "u"):
                    let escapeStart = index - 2
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("unpaired surrogate")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                    // Canonical only for control characters without a short escape, in lowercase hex.
                    if !(scalar < 0x20 && scalar != 9 && scalar != 10 && scalar != 13)
                        || !JSONWriter.controlEscape(UInt8(scalar)).elementsEqual(bytes[escapeStart..<index]) {
                        canonical = false
                    }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw error("invalid escape")
                }
            default:
                if b < 32 { throw error("control character in a string") }
                out.append(b)
            }
        }
        throw error("unterminated string")
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[index]
            index += 1
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
        }
        return v
    }
}

/// How a granted data item is masked (脱敏) before it leaves the node that
/// releases it (坪山 §12, 汕尾 §21, 长沙 §24, 普陀 §17). Written as text in a
/// grant (`syncnode share grant --mask item=RULE`):
/// - `first:N` keeps the first N characters, `last:N` the last N, `keep:F:L`
///   both; every other character becomes `*` (a value no longer than what would
///   be kept is starred whole, so a short value is never shown in full);
/// - `hash` replaces the value by a SHA-256 of the grant's salt and the value
///   (equal values stay equal within one grant, nothing links two grants);
/// - `drop` leaves the item out.
public enum MaskRule: Hashable, Sendable, CustomStringConvertible {
    case keep(first: Int, last: Int)
    case hash
    case drop

    /// Parses a rule's text; the error says what is accepted.
    public init(parsing text: String) throws(WireError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func count(_ s: String) throws(WireError) -> Int {
            guard let n = Int(s), n >= 0, n <= 64 else { throw WireError("mask '\(text.prefix(40))': '\(s.prefix(20))' is not a count from 0 to 64") }
            return n
        }
        switch parts[0] {
        case "hash" where parts.count == 1: self = .hash
        case "drop" where parts.count == 1: self = .drop
        case "first" where parts.count == 2: self = .keep(first: try count(parts[1]), last: 0)
        case "last" where parts.count == 2: self = .keep(first: 0, last: try count(parts[1]))
        case "keep" where parts.count == 3: self = .keep(first: try count(parts[1]), last: try count(parts[2]))
        default:
            throw WireError("mask '\(text.prefix(40))' is not one of first:N, last:N, keep:FIRST:LAST, hash, drop")
        }
    }

    public var description: String {
        switch self {
        case .hash: "hash"
        case .drop: "drop"
        case .keep(let first, 0): "first:\(first)"
        case .keep(0, let last): "last:\(last)"
        case .keep(let first, let last): "keep:\(first):\(last)"
        }
    }

    /// The masked value, nil when the item is dropped. Null stays null.
    public func apply(_ value: JSONValue, salt: String) -> JSONValue? {
        if value == .null { return self == .drop ? nil : .null }
        switch self {
        case .drop:
            return nil
        case .hash:
            return .string("sha256:" + String(SHA256Digest.hex(salt + "\u{1F}" + value.description).prefix(32)))
        case .keep(let first, let last):
            let characters = Array(value.description)
            guard characters.count > first + last else { return .string(String(repeating: "*", count: characters.count)) }
            let middle = String(repeating: "*", count: characters.count - first - last)
            return .string(String(characters.prefix(first)) + middle + String(characters.suffix(last)))
        }
    }
}

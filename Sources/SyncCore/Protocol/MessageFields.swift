/// The members of one JSON object in a message, read field by field: each
/// accessor checks the type and the range and names the field when it is
/// wrong. Duplicate member names are refused when the object is parsed.
public struct MessageFields {
    let members: [String: JSONNode]
    /// What the object is, for errors: "health message", "reports[3]".
    public let what: String

    public init(_ bytes: [UInt8], what: String) throws(WireError) {
        let node: JSONNode
        do { node = try JSONNode.parse(bytes) } catch { throw WireError("the \(what) is not valid JSON: \(error)") }
        try self.init(node: node, what: what)
    }

    public init(node: JSONNode, what: String) throws(WireError) {
        guard let list = node.members else { throw WireError("the \(what) must be a JSON object") }
        var members: [String: JSONNode] = [:]
        for (name, value) in list { members[name] = value }
        self.members = members
        self.what = what
    }

    public func has(_ name: String) -> Bool { members[name] != nil && members[name] != .null }

    public func string(_ name: String, maxBytes: Int = 1024) throws(WireError) -> String {
        guard let value = members[name]?.string else { throw WireError("\(what): '\(name)' must be a string") }
        guard value.utf8.count <= maxBytes else { throw WireError("\(what): '\(name)' is longer than \(maxBytes) bytes") }
        return value
    }

    public func optionalString(_ name: String, maxBytes: Int = 1024) throws(WireError) -> String? {
        has(name) ? try string(name, maxBytes: maxBytes) : nil
    }

    public func int(_ name: String, in range: ClosedRange<Int64>) throws(WireError) -> Int64 {
        guard let value = members[name]?.int else { throw WireError("\(what): '\(name)' must be a whole number") }
        guard range.contains(value) else { throw WireError("\(what): '\(name)' is \(value), outside \(range.lowerBound)…\(range.upperBound)") }
        return value
    }

    public func optionalInt(_ name: String, in range: ClosedRange<Int64>) throws(WireError) -> Int64? {
        has(name) ? try int(name, in: range) : nil
    }

    public func bool(_ name: String) throws(WireError) -> Bool {
        guard let value = members[name]?.bool else { throw WireError("\(what): '\(name)' must be true or false") }
        return value
    }

    public func array(_ name: String, max: Int) throws(WireError) -> [JSONNode] {
        guard let value = members[name]?.array else { throw WireError("\(what): '\(name)' must be an array") }
        guard value.count <= max else { throw WireError("\(what): '\(name)' holds more than \(max) elements") }
        return value
    }

    public func optionalArray(_ name: String, max: Int) throws(WireError) -> [JSONNode]? {
        has(name) ? try array(name, max: max) : nil
    }

    /// Strings of an array member, each bounded.
    public func strings(_ name: String, max: Int, maxBytes: Int) throws(WireError) -> [String] {
        var result: [String] = []
        for (i, node) in try array(name, max: max).enumerated() {
            guard let text = node.string, text.utf8.count <= maxBytes else {
                throw WireError("\(what): '\(name)'[\(i)] must be a string of at most \(maxBytes) bytes")
            }
            result.append(text)
        }
        return result
    }

    /// Refuses members not in `known` (for messages whose shape is fixed).
    public func noOthers(_ known: Set<String>) throws(WireError) {
        if let extra = members.keys.sorted().first(where: { !known.contains($0) }) {
            throw WireError("\(what) has no member '\(extra.prefix(40))' (members: \(known.sorted().joined(separator: ", ")))")
        }
    }
}

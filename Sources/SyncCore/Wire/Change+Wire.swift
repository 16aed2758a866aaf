/// The wire and storage form of values, stamps, changes and record states,
/// written and read without Foundation's Codable machinery. The JSON is the
/// same as their `Codable` form: `{"v": value, "h": hlc, "o": origin}` per item.
extension JSONValue {
    public func write(to w: inout JSONWriter) {
        switch self {
        case .null: w.raw("null")
        case .bool(let b): b ? w.raw("true") : w.raw("false")
        case .int(let i): w.int(i)
        case .double(let d): w.double(d)
        case .string(let s): w.string(s)
        }
    }

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
}

/// A wire message that does not have the expected shape.
public struct WireError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Stamp {
    init(node: JSONNode, what: String) throws(WireError) {
        guard let hlc = node["h"]?.int, let origin = node["o"]?.string else {
            throw WireError("\(what) needs a stamp: \"h\" (clock) and \"o\" (origin)")
        }
        self.init(hlc: hlc, origin: origin)
    }
}

extension Change {
    /// Writes the change as JSON.
    public func write(to w: inout JSONWriter) {
        w.raw("{\"dataset\":"); w.string(dataset)
        w.raw(",\"items\":"); w.items(items)
        w.raw(",\"key\":"); w.string(key)
        w.raw(",\"origin\":"); w.string(origin)
        w.raw(",\"region\":"); w.string(region.code)
        if let tombstone { w.raw(",\"tombstone\":"); w.stamp(tombstone) }
        w.raw("}")
    }

    /// The change as JSON bytes.
    public var jsonBytes: [UInt8] {
        var w = JSONWriter()
        write(to: &w)
        return w.bytes
    }

    /// Reads a change; the error says which field is wrong.
    public init(node: JSONNode) throws(WireError) {
        guard let dataset = node["dataset"]?.string else { throw WireError("a change needs \"dataset\"") }
        guard let key = node["key"]?.string else { throw WireError("a change of dataset '\(dataset)' needs \"key\"") }
        guard let regionText = node["region"]?.string else { throw WireError("change \(dataset)/\(key) needs \"region\"") }
        guard let origin = node["origin"]?.string else { throw WireError("change \(dataset)/\(key) needs \"origin\"") }
        let region: RegionCode
        do { region = try RegionCode(regionText) } catch { throw WireError("change \(dataset)/\(key): \(error)") }
        var items: [String: ItemWrite] = [:]
        if let members = node["items"]?.members {
            items.reserveCapacity(members.count)
            for (name, item) in members {
                guard let value = item["v"] else { throw WireError("change \(dataset)/\(key), item '\(name)' needs \"v\"") }
                items[name] = ItemWrite(value: try JSONValue(node: value), stamp: try Stamp(node: item, what: "change \(dataset)/\(key), item '\(name)'"))
            }
        }
        var tombstone: Stamp?
        if let t = node["tombstone"], t != .null { tombstone = try Stamp(node: t, what: "change \(dataset)/\(key), tombstone") }
        self.init(dataset: dataset, key: key, region: region, items: items, tombstone: tombstone, origin: origin)
    }
}

extension RecordState {
    /// The state as JSON bytes, for the store.
    public var jsonBytes: [UInt8] {
        var w = JSONWriter()
        w.raw("{\"items\":"); w.items(items)
        w.raw(",\"region\":"); w.string(region.code)
        for (name, stamp) in [("regionStamp", regionStamp), ("tombstone", tombstone)] {
            guard let stamp else { continue }
            w.raw(","); w.key(name); w.stamp(stamp)
        }
        w.raw("}")
        return w.bytes
    }

    /// Reads a stored state. A change's JSON reads as the state of a record that
    /// change created (its region stamped by the change's newest stamp), so a
    /// new record can be stored as the change's bytes, unchanged.
    public init(json bytes: some Collection<UInt8>) throws(WireError) {
        let node: JSONNode
        do { node = try JSONNode.parse(bytes) } catch { throw WireError("stored record state is not JSON: \(error)") }
        guard let regionText = node["region"]?.string, let region = try? RegionCode(regionText) else {
            throw WireError("stored record state has no valid region")
        }
        var items: [String: ItemWrite] = [:]
        for (name, item) in node["items"]?.members ?? [] {
            items[name] = ItemWrite(value: try JSONValue(node: item["v"] ?? .null), stamp: try Stamp(node: item, what: "item '\(name)'"))
        }
        let tombstone = try node["tombstone"].map { n throws(WireError) in try Stamp(node: n, what: "tombstone") }
        var regionStamp = try node["regionStamp"].map { n throws(WireError) in try Stamp(node: n, what: "regionStamp") }
        if regionStamp == nil { regionStamp = (items.values.map(\.stamp) + (tombstone.map { [$0] } ?? [])).max() }
        self.init(region: region, items: items, tombstone: tombstone, regionStamp: regionStamp)
    }
}

extension JSONValue {
    /// The value as JSON text.
    public var jsonText: String {
        var w = JSONWriter(capacity: 16)
        write(to: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}

extension JSONWriter {
    /// `{"h": hlc, "o": origin}`
    mutating func stamp(_ stamp: Stamp) {
        raw("{\"h\":"); int(stamp.hlc); raw(",\"o\":"); string(stamp.origin); raw("}")
    }

    /// `{"name": {"h": hlc, "o": origin, "v": value}, ...}` in name order.
    mutating func items(_ items: [String: ItemWrite]) {
        raw("{")
        for (i, name) in items.keys.sorted().enumerated() {
            if i > 0 { comma() }
            let item = items[name]!
            key(name)
            raw("{\"h\":"); int(item.stamp.hlc)
            raw(",\"o\":"); string(item.stamp.origin)
            raw(",\"v\":"); item.value.write(to: &self)
            raw("}")
        }
        raw("}")
    }
}

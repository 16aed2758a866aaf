/// One data item's value with the stamp of the write that set it.
public struct ItemWrite: Hashable, Sendable, Codable {
    public var value: JSONValue
    public var stamp: Stamp

    public init(value: JSONValue, stamp: Stamp) {
        self.value = value
        self.stamp = stamp
    }

    enum CodingKeys: String, CodingKey { case value = "v", hlc = "h", origin = "o" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        value = try c.decode(JSONValue.self, forKey: .value)
        stamp = Stamp(hlc: try c.decode(Int64.self, forKey: .hlc), origin: try c.decode(String.self, forKey: .origin))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(value, forKey: .value)
        try c.encode(stamp.hlc, forKey: .hlc)
        try c.encode(stamp.origin, forKey: .origin)
    }
}

/// What travels between nodes: a partial state of one record — some data items,
/// each with its stamp, and possibly a tombstone. A write at the source is a
/// change whose items all carry the writer's stamp; a delete is a tombstone; a
/// full resync sends records' whole states. Merging changes is a join, so any
/// set of changes gives the same state in any order, any number of times.
///
/// The format leaves room for a per-change signature (provenance) to come.
public struct Change: Hashable, Sendable, Codable {
    public var dataset: String
    public var key: String
    /// The record's region code (where it flows back to).
    public var region: RegionCode
    public var items: [String: ItemWrite]
    /// A delete: items stamped before it are gone.
    public var tombstone: Stamp?
    /// The node that made this change.
    public var origin: String

    public init(dataset: String, key: String, region: RegionCode, items: [String: ItemWrite] = [:],
                tombstone: Stamp? = nil, origin: String) {
        self.dataset = dataset
        self.key = key
        self.region = region
        self.items = items
        self.tombstone = tombstone
        self.origin = origin
    }

    /// A write of `values` by `origin` at clock reading `hlc`.
    public static func write(dataset: String, key: String, region: RegionCode, values: [String: JSONValue],
                             origin: String, hlc: Int64) -> Change {
        let stamp = Stamp(hlc: hlc, origin: origin)
        return Change(dataset: dataset, key: key, region: region,
                      items: values.mapValues { ItemWrite(value: $0, stamp: stamp) }, origin: origin)
    }

    /// A delete of the record by `origin` at clock reading `hlc`.
    public static func delete(dataset: String, key: String, region: RegionCode, origin: String, hlc: Int64) -> Change {
        Change(dataset: dataset, key: key, region: region, tombstone: Stamp(hlc: hlc, origin: origin), origin: origin)
    }

    /// The newest stamp in the change.
    public var newestStamp: Stamp? {
        (items.values.map(\.stamp) + (tombstone.map { [$0] } ?? [])).max()
    }

    public var isEmpty: Bool { items.isEmpty && tombstone == nil }
}

/// One data item's value with the stamp of the write that set it.
public struct ItemWrite: Hashable, Sendable {
    public var value: JSONValue
    public var stamp: Stamp

    public init(value: JSONValue, stamp: Stamp) {
        self.value = value
        self.stamp = stamp
    }
}

/// What travels between nodes: a partial state of one record — some data items,
/// each with its stamp, and possibly a tombstone. A write at the source is a
/// change whose items all carry the writer's stamp; a delete is a tombstone; a
/// record's state is the join of the changes that made it. Merging changes is
/// a join, so any set of changes gives the same state in any order, any number
/// of times. Its one wire and storage form is `ChangeCodec`'s.
public struct Change: Hashable, Sendable {
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

    /// Every stamp the change carries: its items' and its tombstone's.
    public var stamps: [Stamp] {
        var all = items.values.map(\.stamp)
        if let tombstone { all.append(tombstone) }
        return all
    }

    /// The newest stamp in the change (computed without building the list of stamps).
    public var newestStamp: Stamp? {
        var newest = tombstone
        for item in items.values where newest.map({ $0 < item.stamp }) ?? true { newest = item.stamp }
        return newest
    }

    /// A stamp of the change whose origin is not the change's origin, if there is one.
    public var foreignStamp: Stamp? {
        if let tombstone, tombstone.origin != origin { return tombstone }
        return items.values.first { $0.stamp.origin != origin }?.stamp
    }

    public var isEmpty: Bool { items.isEmpty && tombstone == nil }

    /// Whether this is a change of a reserved federation dataset (the catalog, …), not of records.
    public var isReserved: Bool { dataset.hasPrefix("_") }
}

/// A change together with its canonical bytes: what a node stores and forwards.
public struct EncodedChange: Sendable, Equatable {
    public let change: Change
    public let bytes: [UInt8]

    public init(_ change: Change) {
        self.change = change
        self.bytes = ChangeCodec.encode(change)
    }

    init(change: Change, canonicalBytes: [UInt8]) {
        self.change = change
        self.bytes = canonicalBytes
    }
}

/// The state of one record at a node: each data item's winning value and
/// stamp, and the newest tombstone.
public struct RecordState: Hashable, Sendable {
    public var region: RegionCode
    public var items: [String: ItemWrite]
    public var tombstone: Stamp?
    /// The newest stamp of any change merged in: the change that carries it decides the region.
    public var regionStamp: Stamp?

    public init(region: RegionCode, items: [String: ItemWrite] = [:], tombstone: Stamp? = nil, regionStamp: Stamp? = nil) {
        self.region = region
        self.items = items
        self.tombstone = tombstone
        self.regionStamp = regionStamp
    }

    /// Deleted: a tombstone and no item written after it.
    public var isDeleted: Bool { tombstone != nil && items.isEmpty }

    /// The current values, without stamps.
    public var values: [String: JSONValue] { items.mapValues(\.value) }
}

/// A write that does not come from the item's authority: never applied, kept
/// as a conflict addressed to the authority (一数一源).
public struct Conflict: Hashable, Sendable {
    public var dataset: String
    public var key: String
    /// The item, or "(delete)" for a proposed deletion of the record.
    public var item: String
    public var proposed: ItemWrite
    /// The node that alone may write the item.
    public var authority: String

    public init(dataset: String, key: String, item: String, proposed: ItemWrite, authority: String) {
        self.dataset = dataset
        self.key = key
        self.item = item
        self.proposed = proposed
        self.authority = authority
    }

    public static let deleteItem = "(delete)"
}

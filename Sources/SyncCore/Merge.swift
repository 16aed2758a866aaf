/// The state of one record at a node: each data item's winning value and
/// stamp, and the newest tombstone.
public struct RecordState: Hashable, Sendable, Codable {
    public var region: RegionCode
    public var items: [String: ItemWrite]
    public var tombstone: Stamp?
    /// The stamp of the change that set `region`: the newest change decides it.
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
public struct Conflict: Hashable, Sendable, Codable {
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

/// Conflict resolution by source authority, per data item (DESIGN §5), as pure functions.
public enum Merge {
    /// Splits a change into what its writers may write (authority writes) and
    /// what they may not (proposals, which become conflicts).
    public static func partition(_ change: Change, dataset: DatasetDefinition) -> (authoritative: Change?, proposals: Change?) {
        // The common case, every write by its authority, without copying.
        if change.items.allSatisfy({ dataset.authority(for: $0.key) == $0.value.stamp.origin }),
           change.tombstone.map({ $0.origin == dataset.sourceNode }) ?? true {
            return (change.isEmpty ? nil : change, nil)
        }
        var granted = change
        var proposed = change
        granted.items = change.items.filter { dataset.authority(for: $0.key) == $0.value.stamp.origin }
        proposed.items = change.items.filter { dataset.authority(for: $0.key) != $0.value.stamp.origin }
        if let tombstone = change.tombstone, tombstone.origin != dataset.sourceNode {
            granted.tombstone = nil
        } else {
            proposed.tombstone = nil
        }
        return (granted.isEmpty ? nil : granted, proposed.isEmpty ? nil : proposed)
    }

    /// The conflicts a proposal carries.
    public static func conflicts(in proposal: Change, dataset: DatasetDefinition) -> [Conflict] {
        var result = proposal.items.map { name, write in
            Conflict(dataset: proposal.dataset, key: proposal.key, item: name, proposed: write, authority: dataset.authority(for: name))
        }
        if let tombstone = proposal.tombstone {
            result.append(Conflict(dataset: proposal.dataset, key: proposal.key, item: Conflict.deleteItem,
                                   proposed: ItemWrite(value: .null, stamp: tombstone), authority: dataset.sourceNode))
        }
        return result.sorted { ($0.item, $0.proposed.stamp) < ($1.item, $1.proposed.stamp) }
    }

    /// Joins an authoritative change into a record's state. Newer stamps win per
    /// item; a tombstone removes every item stamped before it. Returns the new
    /// state and whether anything changed.
    public static func apply(_ change: Change, to state: RecordState?) -> (state: RecordState, changed: Bool) {
        var next = state ?? RecordState(region: change.region)
        var changed = state == nil
        if let tombstone = change.tombstone, next.tombstone.map({ tombstone > $0 }) ?? true {
            next.tombstone = tombstone
            next.items = next.items.filter { $0.value.stamp > tombstone }
            changed = true
        }
        for (name, write) in change.items {
            if let tombstone = next.tombstone, write.stamp <= tombstone { continue }
            if let current = next.items[name], current.stamp >= write.stamp { continue }
            next.items[name] = write
            changed = true
        }
        if let newest = change.newestStamp, next.regionStamp.map({ newest > $0 }) ?? true {
            changed = changed || next.region != change.region
            next.region = change.region
            next.regionStamp = newest
        }
        return (next, changed)
    }
}

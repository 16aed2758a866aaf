/// Conflict resolution by source authority, per data item (DESIGN §5), as pure functions.
public enum Merge {
    /// Splits a change into what its writers may write (authority writes) and
    /// what they may not (proposals, which become conflicts).
    public static func partition(_ change: Change, dataset: DatasetDefinition) -> (authoritative: Change?, proposals: Change?) {
        // The common case, every write by its authority, without copying (and without looking items up
        // when the source is every item's authority).
        let bySource = !dataset.items.contains { $0.authority != nil }
        if change.items.allSatisfy({ (bySource ? dataset.sourceNode : dataset.authority(for: $0.key)) == $0.value.stamp.origin }),
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

    /// The state a set of changes makes, and the ones it still needs: a change
    /// is kept while it supplies a winning item or the winning tombstone. The
    /// kept changes alone make the same state (and the change with the newest
    /// stamp, which decides the region). This is how
    /// a node stores a record: as the few signed changes whose join it is.
    public static func fold<ID: Hashable>(_ changes: [(id: ID, change: Change)]) -> (state: RecordState, keep: [ID])? {
        guard let first = changes.first else { return nil }
        var state = RecordState(region: first.change.region)
        var supplier: [String: ID] = [:]
        var tombstoneSupplier: ID?
        var regionSupplier: ID?
        var started = false
        for (id, change) in changes {
            let before = state
            state = apply(change, to: started ? state : nil).state
            started = true
            if state.tombstone != before.tombstone, state.tombstone == change.tombstone { tombstoneSupplier = id }
            if state.regionStamp != before.regionStamp { regionSupplier = id }
            for (name, write) in state.items where change.items[name] == write && before.items[name] != write {
                supplier[name] = id
            }
        }
        var keep = Set(supplier.filter { state.items[$0.key] != nil }.values)
        if let tombstoneSupplier, state.tombstone != nil { keep.insert(tombstoneSupplier) }
        if let regionSupplier { keep.insert(regionSupplier) }
        return (state, changes.map(\.id).filter { keep.contains($0) }.uniqued())
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}

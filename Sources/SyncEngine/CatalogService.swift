import Foundation
public import SyncCore

/// The federated resource catalog. Entries travel as changes of the reserved
/// `_catalog` dataset through the same log, outboxes and cursors as records:
/// up to the province and down to every node (目录全局化). Who may change an
/// entry is `CatalogMerge`'s rule; this applies it and keeps the catalog's
/// state: the newest version of each id, plus the versions that handed an id
/// over (so a full resync replays its ownership).
public struct CatalogService: Sendable {
    public let replica: Replica

    public init(replica: Replica) { self.replica = replica }

    /// Every catalog entry this node holds, by id.
    public func entries() throws -> [CatalogEntry] {
        try replica.store.read { try $0.catalogEntries() }
    }

    /// The catalog entry `id`, if this node holds it.
    public func entry(_ id: String) throws -> CatalogEntry? {
        try replica.store.read { try $0.catalogEntry(id: id) }
    }

    /// Publishes `entry` at its source node: version 1, or the next version of
    /// an entry already published (a change). Only the id's owner may.
    @discardableResult
    public func publish(_ entry: CatalogEntry) throws -> CatalogEntry {
        guard entry.sourceNode == replica.nodeID else {
            throw ReplicationError("catalog entry '\(entry.id)' names '\(entry.sourceNode)' as its source: only that node may publish or change it, not \(replica.nodeID)")
        }
        var next = entry
        next.version = (try self.entry(entry.id)?.version ?? 0) + 1
        next.status = "published"
        next.handover = nil
        do { try next.validate(in: replica.topology, publishing: true) } catch { throw ReplicationError(error.description) }
        try write(next, action: "catalog publish")
        return next
    }

    /// Withdraws (下架) entry `id`: its records stop flowing; copies are kept, marked withdrawn.
    @discardableResult
    public func withdraw(_ id: String) throws -> CatalogEntry {
        guard var entry = try self.entry(id) else { throw ReplicationError("there is no catalog entry '\(id)' at \(replica.nodeID)") }
        guard entry.sourceNode == replica.nodeID else {
            throw ReplicationError("catalog entry '\(id)' belongs to '\(entry.sourceNode)': only that node may withdraw it")
        }
        guard !entry.isWithdrawn else { throw ReplicationError("catalog entry '\(id)' is already withdrawn") }
        entry.version += 1
        entry.status = "withdrawn"
        entry.handover = nil
        try write(entry, action: "catalog withdraw")
        return entry
    }

    /// Hands entry `id` over to source node `target` (a department reorganised):
    /// the next version names the new source and is written by this node, the
    /// current one; from then on only `target` may change it.
    @discardableResult
    public func handOver(_ id: String, to target: String, reason: String?) throws -> CatalogEntry {
        guard var entry = try self.entry(id) else { throw ReplicationError("there is no catalog entry '\(id)' at \(replica.nodeID)") }
        guard entry.sourceNode == replica.nodeID else {
            throw ReplicationError("catalog entry '\(id)' belongs to '\(entry.sourceNode)': only that node may hand it over")
        }
        guard replica.topology.node(target) != nil, target != replica.nodeID else {
            throw ReplicationError("'\(target)' is not another node of this federation")
        }
        entry.version += 1
        entry.sourceNode = target
        entry.handover = CatalogEntry.Handover(from: replica.nodeID, to: target, at: Timestamp.iso(replica.wallClock.now()), reason: reason)
        do { try entry.validate(in: replica.topology) } catch { throw ReplicationError(error.description) }
        try write(entry, action: "catalog handover")
        return entry
    }

    private func write(_ entry: CatalogEntry, action: String) throws {
        try replica.write(try entry.change(by: replica.node, hlc: replica.tick()),
                          audit: replica.draft(action, entry.id, "version \(entry.version), \(entry.status)\(entry.handover.map { ", to \($0.to)" } ?? "")"))
    }
}

extension ApplyRun {
    /// Applies a catalog change: the owner's newer versions are taken; a
    /// change by anyone else is kept out and raises an alarm (written here, it is an error).
    mutating func applyCatalog(_ encoded: EncodedChange) throws {
        let change = encoded.change
        guard change.items.count == 1, let write = change.items[CatalogEntry.entryItem], let json = write.value.text, change.tombstone == nil else {
            throw ReplicationError("catalog change '\(change.key)' must carry exactly one item '\(CatalogEntry.entryItem)' holding the entry")
        }
        let entry: CatalogEntry
        do { entry = try CatalogEntry.decode(json: Array(json.utf8)) } catch {
            throw ReplicationError("catalog change '\(change.key)': \(error)")
        }
        do { try entry.validate(in: replica.topology) } catch { throw ReplicationError(error.description) }
        switch CatalogMerge.decide(entry, key: change.key, writer: write.stamp.origin, hlc: write.stamp.hlc,
                                   current: try tx.catalogOwnership(id: entry.id)) {
        case .ignore:
            return
        case .refuse(let reason):
            guard let from else { throw ReplicationError(reason) }
            try tx.raiseAlarm(kind: "catalog", subject: entry.id, message: "\(reason); the change relayed by \(from) was kept out", at: now)
            replica.counters.refused.increment("catalog")
            return
        case .accept(let owner):
            if try tx.catalogOwnership(id: entry.id) == nil,
               try !withinQuota("catalog entries", of: entry.sourceNode, held: try tx.catalogEntryCount(source: entry.sourceNode),
                                limit: replica.policy.maxCatalogEntriesPerNode, policy: "maxCatalogEntriesPerNode") {
                guard from != nil else {
                    throw ReplicationError("\(entry.sourceNode) publishes \(replica.policy.maxCatalogEntriesPerNode) catalog entries already, the most policy.maxCatalogEntriesPerNode allows")
                }
                return
            }
            try tx.putCatalogEntry(entry, json: json, stampHLC: write.stamp.hlc, owner: owner, at: now)
            // Every entry flows up; the merged catalog flows down to every node.
            let seq = try append(try logEntry(change, body: encoded.bytes, live: true,
                                              to: replica.topology.neighbours(of: node).map(\.id).filter { $0 != from }))
            // The newest version and every handover stay live; earlier versions retire.
            let previous = try tx.record(dataset: change.dataset, key: change.key)?.contributions ?? []
            let handovers = previous.filter { Self.isHandover($0.change) }.map(\.seq)
            try tx.setRecord(dataset: change.dataset, key: change.key, region: change.region, deleted: false,
                             contributions: handovers + [seq])
            try tx.retire(previous.map(\.seq).filter { !handovers.contains($0) })
            known = nil
            stats.applied += 1
        }
    }

    static func isHandover(_ change: Change) -> Bool {
        guard let json = change.items[CatalogEntry.entryItem]?.value.text,
              let entry = try? CatalogEntry.decode(json: Array(json.utf8)) else { return false }
        return entry.handover != nil
    }
}

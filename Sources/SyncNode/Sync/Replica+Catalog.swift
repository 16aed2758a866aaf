import Foundation
import SQLite
import SyncCore

/// A dataset's sharing facts as this node knows them now, and whether it has been withdrawn (下架).
struct KnownDataset {
    var definition: DatasetDefinition
    var withdrawn: Bool
}

/// The federated resource catalog. Entries are replicated as changes of the
/// `_catalog` dataset: written only by the entry's source node, newest stamp
/// winning, flowing up to the province and down to every node (目录全局化).
extension Replica {
    /// Datasets this node accepts records of: published or withdrawn catalog
    /// entries, then the topology's stop-gap definitions for datasets the catalog
    /// does not list yet.
    /// Entries are decoded again only when the catalog has changed (its count or newest stamp).
    func knownDatasets(_ db: Database) throws -> [String: KnownDataset] {
        let version = try db.first("SELECT COUNT(*), COALESCE(MAX(stamp_hlc), 0) FROM catalog_entry") { "\($0.int64(0))/\($0.int64(1))" } ?? ""
        if let cached = catalogCache.value, cached.version == version { return cached.known }
        var known: [String: KnownDataset] = [:]
        for dataset in context.topology.datasets { known[dataset.id] = KnownDataset(definition: dataset, withdrawn: false) }
        try db.forEach("SELECT body FROM catalog_entry WHERE status IN ('published', 'withdrawn')") { row in
            let entry = try JSON.decode(CatalogEntry.self, from: Data(row.text(0).utf8))
            known[entry.id] = KnownDataset(definition: entry.definition, withdrawn: entry.isWithdrawn)
        }
        catalogCache.value = (version, known)
        return known
    }

    /// The sharing facts of dataset `id`, nil when it is unknown here.
    func knownDataset(_ id: String) throws -> KnownDataset? {
        try store.read { try knownDatasets($0)[id] }
    }

    /// Every dataset this node accepts records of, by id, with whether it is withdrawn.
    public func datasets() throws -> [(definition: DatasetDefinition, withdrawn: Bool)] {
        try store.read { try knownDatasets($0) }.values.sorted { $0.definition.id < $1.definition.id }.map { ($0.definition, $0.withdrawn) }
    }

    /// Publishes `entry` at its source node: version 1, or the next version of
    /// an entry already published (a change). Only the source node may do it.
    @discardableResult
    public func publish(_ entry: CatalogEntry) throws -> CatalogEntry {
        guard entry.sourceNode == nodeID else {
            throw ReplicationError("catalog entry '\(entry.id)' names '\(entry.sourceNode)' as its source: only that node may publish or change it, not \(nodeID)")
        }
        var next = entry
        next.version = (try catalogEntry(entry.id)?.version ?? 0) + 1
        next.status = "published"
        do { try next.validate(in: context.topology) } catch { throw ReplicationError(error.description) }
        try writeCatalog(next)
        return next
    }

    /// Withdraws (下架) entry `id`: its records stop flowing; copies are kept, marked withdrawn.
    @discardableResult
    public func withdraw(_ id: String) throws -> CatalogEntry {
        guard var entry = try catalogEntry(id) else { throw ReplicationError("there is no catalog entry '\(id)' at \(nodeID)") }
        guard entry.sourceNode == nodeID else {
            throw ReplicationError("catalog entry '\(id)' belongs to '\(entry.sourceNode)': only that node may withdraw it")
        }
        guard !entry.isWithdrawn else { throw ReplicationError("catalog entry '\(id)' is already withdrawn") }
        entry.version += 1
        entry.status = "withdrawn"
        try writeCatalog(entry)
        return entry
    }

    private func writeCatalog(_ entry: CatalogEntry) throws {
        let body = String(decoding: try JSON.encode(entry) as Data, as: UTF8.self)
        let region = context.node.region
        try applyLocal { hlc in
            let stamp = Stamp(hlc: hlc(), origin: nodeID)
            return [Change(dataset: CatalogEntry.catalogDataset, key: entry.id, region: region,
                           items: ["entry": ItemWrite(value: .string(body), stamp: stamp)], origin: nodeID)]
        }
    }

    /// Applies a catalog change; returns whether it changed the catalog here.
    func applyCatalog(_ change: Change, from peer: String?, db: Database, now: Int64) throws -> Bool {
        guard let write = change.items["entry"], let body = write.value.text,
              let entry = try? JSON.decode(CatalogEntry.self, from: Data(body.utf8)) else {
            throw ReplicationError("catalog change '\(change.key)' does not carry a readable entry")
        }
        guard entry.id == change.key, write.stamp.origin == entry.sourceNode else {
            throw ReplicationError("catalog entry '\(entry.id)' names '\(entry.sourceNode)' as its source but was written by '\(write.stamp.origin)'; refused")
        }
        do { try entry.validate(in: context.topology) } catch { throw ReplicationError(error.description) }
        let current = try db.first("SELECT stamp_hlc FROM catalog_entry WHERE id = ?", entry.id) { $0.int64(0) }
        guard current.map({ write.stamp.hlc > $0 }) ?? true else { return false }
        try db.run("""
            INSERT INTO catalog_entry(id, version, source_node, status, body, stamp_hlc, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET version = excluded.version, source_node = excluded.source_node, status = excluded.status,
                body = excluded.body, stamp_hlc = excluded.stamp_hlc, updated_at = excluded.updated_at
            """, entry.id, entry.version, entry.sourceNode, entry.status, body, write.stamp.hlc, now)
        // Every entry flows up; the merged catalog flows down to every node.
        let neighbours = context.topology.neighbours(of: nodeID).map(\.id).filter { $0 != peer }
        try log(change, raw: nil, from: peer, to: neighbours, db: db, now: now)
        return true
    }

    /// Every catalog entry this node holds, by id.
    public func catalogEntries() throws -> [CatalogEntry] {
        try store.read { db in
            try db.rows("SELECT body FROM catalog_entry ORDER BY id") { try JSON.decode(CatalogEntry.self, from: Data($0.text(0).utf8)) }
        }
    }

    /// The catalog entry `id`, if this node holds it.
    public func catalogEntry(_ id: String) throws -> CatalogEntry? {
        try store.read { db in
            try db.first("SELECT body FROM catalog_entry WHERE id = ?", id) { try JSON.decode(CatalogEntry.self, from: Data($0.text(0).utf8)) }
        }
    }
}

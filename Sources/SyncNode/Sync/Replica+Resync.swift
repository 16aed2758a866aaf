import Foundation
import SQLite
import SyncCore

/// Where a full resync has got to: the last (dataset, region, key) sent.
public struct ResyncPosition: Sendable, Equatable {
    public var dataset: String
    public var region: String
    public var key: String

    /// As carried in a query parameter or a JSON string.
    public var token: String { [dataset, region, key].joined(separator: "\u{1F}") }

    public init(dataset: String, region: String, key: String) {
        self.dataset = dataset
        self.region = region
        self.key = key
    }

    public init?(token: String) {
        let parts = token.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { return nil }
        self.init(dataset: parts[0], region: parts[1], key: parts[2])
    }
}

extension Replica {
    /// Whether a full resync is owed to `peer` (its outbox overflowed).
    public func resyncOwed(to peer: String) throws -> Bool {
        try store.read { db in
            try db.first("SELECT resync FROM outbox_state WHERE peer = ?", peer) { $0.int(0) == 1 } ?? false
        }
    }

    /// Marks the resync owed to `peer` as delivered.
    public func finishResync(for peer: String) throws {
        try store.write { db in try db.run("UPDATE outbox_state SET resync = 0 WHERE peer = ?", peer) }
    }

    /// One page of everything `peer` is entitled to, as whole record states
    /// (tombstones included), in (dataset, region, key) order after `position`.
    /// For a child: what routing would send it; for the parent: every record
    /// of a shared dataset. Returns the entries (seq 0) and the position to
    /// continue from, nil when this was the last page.
    public func snapshot(for peer: String, after position: ResyncPosition?, limit: Int) throws -> (entries: [LogEntry], next: ResyncPosition?) {
        let topology = context.topology
        let isParent = topology.parent(of: nodeID)?.id == peer
        let child = isParent ? nil : topology.node(peer)
        guard isParent || (child != nil && topology.parent(of: peer)?.id == nodeID) else {
            throw ReplicationError("\(peer) is not a neighbour of \(nodeID)")
        }
        var entries: [LogEntry] = []
        var scanned = 0
        var last: ResyncPosition?
        let datasets = try self.datasets().map(\.definition).filter { position == nil || $0.id >= position!.dataset }
        try store.read { db in
            // The whole catalog first: every node holds every entry.
            if position == nil || position!.dataset == CatalogEntry.catalogDataset {
                try db.forEach("SELECT id, body, stamp_hlc, source_node FROM catalog_entry WHERE id > ? ORDER BY id LIMIT ?",
                               [position?.key ?? "", limit]) { row in
                    scanned += 1
                    last = ResyncPosition(dataset: CatalogEntry.catalogDataset, region: "", key: row.text(0))
                    let stamp = Stamp(hlc: row.int64(2), origin: row.text(3))
                    let change = Change(dataset: CatalogEntry.catalogDataset, key: row.text(0), region: context.node.region,
                                        items: ["entry": ItemWrite(value: .string(row.text(1)), stamp: stamp)], origin: nodeID)
                    entries.append(LogEntry(seq: 0, body: change.jsonBytes))
                }
            }
            for dataset in datasets where scanned < limit {
                let prefix: String
                if isParent {
                    guard dataset.shareType != .none else { continue }
                    prefix = ""
                } else {
                    // The index range below narrows to the child's region; `admits` decides per record.
                    guard let child, dataset.shareType == .unconditional, child.tier != .vertical else { continue }
                    switch dataset.backflow {
                    case .none: continue
                    case .all: prefix = ""
                    case .region: prefix = String(child.region.prefix(at: child.tier.regionLevel ?? child.region.level))
                    }
                }
                let start = position.flatMap { $0.dataset == dataset.id ? $0 : nil }
                let upper = prefix.isEmpty ? "\u{7F}" : prefix + "\u{7F}"
                try db.forEach("""
                    SELECT region, key, state FROM record
                    WHERE dataset = ? AND region >= ? AND region < ? AND (region, key) > (?, ?)
                    ORDER BY region, key LIMIT ?
                    """, [dataset.id, prefix, upper, start?.region ?? "", start?.key ?? "", limit - scanned]) { row in
                    scanned += 1
                    let state = try RecordState(json: row.text(2).utf8)
                    last = ResyncPosition(dataset: dataset.id, region: row.text(0), key: row.text(1))
                    if let child, !routing.admits(child: child, dataset: dataset, region: state.region) { return }
                    let change = Change(dataset: dataset.id, key: row.text(1), region: state.region, items: state.items,
                                        tombstone: state.tombstone, origin: nodeID)
                    entries.append(LogEntry(seq: 0, body: change.jsonBytes))
                }
            }
        }
        return (entries, scanned < limit ? nil : last)
    }
}

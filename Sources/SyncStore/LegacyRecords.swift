import Foundation
import SQLite
import SyncCore

/// What a migration may need to know about the federation.
public struct MigrationContext: Sendable {
    /// The region of a node, for changes rebuilt from stored states.
    public var regionOf: @Sendable (String) -> RegionCode?

    public init(regionOf: @escaping @Sendable (String) -> RegionCode?) { self.regionOf = regionOf }

    /// For stores of nodes whose topology is not at hand (nothing to rebuild needs it then).
    public static let none = MigrationContext { _ in nil }
}

/// Migration 7's data step: records that held a merged state become
/// references to logged changes, one per writer of the state; log entries
/// waiting in outboxes keep their sequence numbers (cursors refer to them);
/// the catalog's current versions become live `_catalog` entries.
enum LegacyRecords {
    static func migrate(_ db: Database, _ context: MigrationContext) throws {
        var highest: Int64 = 0
        try db.forEach("SELECT seq, dataset, from_peer, body, logged_at FROM change_log ORDER BY seq") { row in
            let seq = row.int64(0)
            highest = max(highest, seq)
            guard let change = try? ChangeCodec.decode(Array(row.text(3).utf8)) else { return }
            try db.run("INSERT INTO log(seq, dataset, region, from_peer, live, logged_at, body) VALUES (?, ?, ?, ?, 0, ?, ?)",
                       seq, row.text(1), change.change.region.code, row.optionalText(2), row.int64(4), Data(change.bytes))
        }
        var seq = highest
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try db.forEach("SELECT dataset, key, region, state, deleted, updated_at FROM record") { row in
            let dataset = row.text(0), key = row.text(1)
            guard let region = try? RegionCode(row.text(2)), let node = try? JSONNode.parse(Array(row.text(3).utf8)) else { return }
            var seqs: [Int64] = []
            for change in changes(from: node, dataset: dataset, key: key, region: region) {
                seq += 1
                try db.run("INSERT INTO log(seq, dataset, region, from_peer, live, logged_at, body) VALUES (?, ?, ?, NULL, 1, ?, ?)",
                           seq, dataset, region.code, row.int64(5), Data(ChangeCodec.encode(change)))
                seqs.append(seq)
            }
            guard let first = seqs.first else { return }
            try db.run("INSERT INTO record_state(dataset, key, region, deleted, seq, more) VALUES (?, ?, ?, ?, ?, ?)",
                       dataset, key, region.code, row.int(4), first,
                       seqs.count > 1 ? seqs.dropFirst().map(String.init).joined(separator: ",") : nil)
        }
        try db.forEach("SELECT id, body, stamp_hlc, source_node FROM catalog_entry") { row in
            guard let region = context.regionOf(row.text(3)) else { return }
            let stamp = Stamp(hlc: row.int64(2), origin: row.text(3))
            let change = Change(dataset: CatalogEntry.catalogDataset, key: row.text(0), region: region,
                                items: [CatalogEntry.entryItem: ItemWrite(value: .string(row.text(1)), stamp: stamp)], origin: row.text(3))
            seq += 1
            try db.run("INSERT INTO log(seq, dataset, region, from_peer, live, logged_at, body) VALUES (?, ?, ?, NULL, 1, ?, ?)",
                       seq, CatalogEntry.catalogDataset, region.code, now, Data(ChangeCodec.encode(change)))
        }
        try db.execute("DROP TABLE record; DROP TABLE change_log;")
    }

    /// A stored state (the old merged form, or a change stored as received)
    /// as one change per node that wrote part of it.
    static func changes(from node: JSONNode, dataset: String, key: String, region: RegionCode) -> [Change] {
        func stamp(_ n: JSONNode?) -> Stamp? {
            guard let n, let hlc = n["h"]?.int, let origin = n["o"]?.string else { return nil }
            return Stamp(hlc: hlc, origin: origin)
        }
        var byOrigin: [String: Change] = [:]
        for (name, item) in node["items"]?.members ?? [] {
            guard let s = stamp(item), let value = try? JSONValue(node: item["v"] ?? .null) else { continue }
            byOrigin[s.origin, default: Change(dataset: dataset, key: key, region: region, origin: s.origin)]
                .items[name] = ItemWrite(value: value, stamp: s)
        }
        if let tombstone = stamp(node["tombstone"]) {
            byOrigin[tombstone.origin, default: Change(dataset: dataset, key: key, region: region, origin: tombstone.origin)]
                .tombstone = tombstone
        }
        return byOrigin.keys.sorted().compactMap { byOrigin[$0] }
    }
}

import SQLite
import SyncCore

/// Anti-entropy: records as a digest reads them, the entries a repair sends, what comparisons found.
extension StoreAccess {
    func forEachDigestRow(dataset: String, regionPrefix: String, _ body: (DigestRow) throws -> Void) throws {
        let more = try db.statement("SELECT body FROM log WHERE seq = ?")
        try db.forEach("""
            SELECT r.key, r.region, r.deleted, r.more, l.body FROM record_state r LEFT JOIN log l ON l.seq = r.seq
            WHERE r.dataset = ? AND r.region LIKE ? || '%'
            """, [dataset, StoreAccess.likePrefix(regionPrefix)]) { row in
            // A record naming an entry that is gone digests as one without it: it differs, and is repaired.
            var bodies = row.isNull(4) ? [] : [row.bytes(4)]
            for seq in StoreAccess.contributions(0, row.optionalText(3)).dropFirst() {
                more.clear()
                try more.bind(1, seq)
                if try more.step() { bodies.append(more.row.bytes(0)) }
                more.reset()
            }
            try body(DigestRow(key: row.text(0), region: row.text(1), deleted: row.int(2) != 0, bodies: bodies))
        }
    }

    func liveEntries(dataset: String, keys: [String]) throws -> [LiveEntry] {
        var entries: [LiveEntry] = []
        var blocks = BlockCache()
        for key in keys {
            guard let (first, more) = try db.first("SELECT seq, more FROM record_state WHERE dataset = ? AND key = ?", dataset, key,
                                                   map: { ($0.int64(0), $0.optionalText(1)) }) else { continue }
            for seq in StoreAccess.contributions(first, more) {
                try db.forEach("SELECT seq, dataset, region, body, block, leaf, whole FROM log WHERE seq = ?", [seq]) { row in
                    entries.append(LiveEntry(seq: row.int64(0), dataset: row.text(1), region: row.text(2), body: row.bytes(3),
                                             proof: try proof(row, column: 4, blocks: &blocks)))
                }
            }
        }
        return entries
    }

    func linkDigests() throws -> [LinkDigest] {
        try db.rows("SELECT peer, dataset, checked_at, equal_at, records, differing, note FROM link_digest ORDER BY peer, dataset") { row in
            LinkDigest(peer: row.text(0), dataset: row.text(1), checkedAt: row.int64(2), equalAt: row.optionalInt64(3),
                       records: row.int(4), differing: row.int(5), note: row.optionalText(6))
        }
    }

    func putLinkDigest(_ d: LinkDigest) throws {
        try db.run("""
            INSERT INTO link_digest(peer, dataset, checked_at, equal_at, records, differing, note) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(peer, dataset) DO UPDATE SET checked_at = excluded.checked_at, equal_at = excluded.equal_at,
                records = excluded.records, differing = excluded.differing, note = excluded.note
            """, d.peer, d.dataset, d.checkedAt, d.equalAt.map(SQLValue.integer) ?? .null, d.records, d.differing,
            d.note.map(SQLValue.text) ?? .null)
    }
}

import Foundation
import SQLite
import SyncCore

/// Records: an index row per record naming the log entries whose join is its state.
extension StoreAccess {
    func record(dataset: String, key: String) throws -> StoredRecord? {
        guard let (seqs, _) = try db.first("SELECT seq, more FROM record_state WHERE dataset = ? AND key = ?", dataset, key, map: {
            (StoreAccess.contributions($0.int64(0), $0.optionalText(1)), 0)
        }) else { return nil }
        return try stored(seqs)
    }

    func records(dataset: String, regionPrefix: String, includeDeleted: Bool, limit: Int) throws -> [(key: String, state: RecordState)] {
        var result: [(key: String, state: RecordState)] = []
        try db.forEach("""
            SELECT key, seq, more FROM record_state WHERE dataset = ? AND region LIKE ? || '%' AND (? OR deleted = 0)
            ORDER BY key LIMIT ?
            """, [dataset, StoreAccess.likePrefix(regionPrefix), includeDeleted, min(limit, Int(Int32.max))]) { row in
            if let record = try stored(StoreAccess.contributions(row.int64(1), row.optionalText(2))) {
                result.append((row.text(0), record.state))
            }
        }
        return result
    }

    func recordCountsByRegion(dataset: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        try db.forEach("SELECT region, COUNT(*) FROM record_state WHERE dataset = ? AND deleted = 0 GROUP BY region", [dataset]) { row in
            counts[row.text(0)] = row.int(1)
        }
        return counts
    }

    func forEachRecord(dataset: String, regionPrefix: String, _ body: (String, RecordState) throws -> Void) throws {
        try db.forEach("""
            SELECT key, seq, more FROM record_state WHERE dataset = ? AND region LIKE ? || '%' AND deleted = 0 ORDER BY key
            """, [dataset, StoreAccess.likePrefix(regionPrefix)]) { row in
            if let record = try stored(StoreAccess.contributions(row.int64(1), row.optionalText(2))) {
                try body(row.text(0), record.state)
            }
        }
    }

    func createRecord(key: String, deleted: Bool, entry: LogWrite, at now: Int64) throws -> Int64? {
        let seq = try nextSeq()
        let insert = try db.statement("""
            INSERT INTO record_state(dataset, key, region, deleted, seq, more) VALUES (?, ?, ?, ?, ?, NULL)
            ON CONFLICT(dataset, key) DO NOTHING
            """)
        insert.clear()
        try insert.bind(1, text: entry.dataset)
        try insert.bind(2, text: key)
        try insert.bind(3, text: entry.region.code)
        try insert.bind(4, deleted ? 1 : 0)
        try insert.bind(5, seq)
        guard try insert.execute() > 0 else { return nil }
        try insertLog(seq: seq, entry, at: now)
        return seq
    }

    func setRecord(dataset: String, key: String, region: RegionCode, deleted: Bool, contributions: [Int64]) throws {
        guard let first = contributions.first else { return }
        try db.run("""
            INSERT INTO record_state(dataset, key, region, deleted, seq, more) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(dataset, key) DO UPDATE SET region = excluded.region, deleted = excluded.deleted,
                seq = excluded.seq, more = excluded.more
            """, dataset, key, region.code, deleted, first,
            contributions.count > 1 ? contributions.dropFirst().map(String.init).joined(separator: ",") : nil)
    }

    /// The state of the logged changes `seqs`, with them.
    func stored(_ seqs: [Int64]) throws -> StoredRecord? {
        var changes: [(seq: Int64, change: Change)] = []
        for seq in seqs {
            guard let body = try db.first("SELECT body FROM log WHERE seq = ?", seq, map: { $0.bytes(0) }) else {
                throw StoreError("read record state", "log entry \(seq) that a record names is missing",
                                 hint: "the database is damaged: restore it from a backup, or start the node afresh to resync")
            }
            do { changes.append((seq, try ChangeCodec.decode(body).change)) } catch {
                throw StoreError("read record state", "log entry \(seq) is unreadable: \(error)",
                                 hint: "the database is damaged: restore it from a backup, or start the node afresh to resync")
            }
        }
        guard let folded = Merge.fold(changes.map { (id: $0.seq, change: $0.change) }) else { return nil }
        return StoredRecord(state: folded.state, contributions: changes)
    }

    static func contributions(_ first: Int64, _ more: String?) -> [Int64] {
        [first] + (more?.split(separator: ",").compactMap { Int64($0) } ?? [])
    }

    /// A region prefix for LIKE: digits only, so no wildcard passes through.
    static func likePrefix(_ prefix: String) -> String {
        String(prefix.filter { $0.isASCII && $0.isNumber }.prefix(6))
    }
}

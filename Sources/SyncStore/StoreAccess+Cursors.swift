import Foundation
import SQLite
import SyncCore

/// Cursors, keyed by the neighbour's node id (never host or address), each
/// written in the same transaction as the changes it covers.
extension StoreAccess {
    func cursor(peer: String, name: String) throws -> Int64 {
        try db.first("SELECT value FROM cursor WHERE peer = ? AND name = ?", peer, name) { $0.int64(0) } ?? 0
    }

    func cursors() throws -> [String: [String: Int64]] {
        var result: [String: [String: Int64]] = [:]
        try db.forEach("SELECT peer, name, value FROM cursor") { result[$0.text(0), default: [:]][$0.text(1)] = $0.int64(2) }
        return result
    }

    func resetCursor(peer: String, name: String, value: Int64, at now: Int64) throws {
        try db.run("""
            INSERT INTO cursor(peer, name, value, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(peer, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """, peer, name, value, now)
    }

    func setCursor(peer: String, name: String, value: Int64, at now: Int64) throws {
        try db.run("""
            INSERT INTO cursor(peer, name, value, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(peer, name) DO UPDATE SET value = MAX(cursor.value, excluded.value), updated_at = excluded.updated_at
            """, peer, name, value, now)
    }
}

/// Conflicts: writes by a node that is not the item's authority, kept on both sides.
extension StoreAccess {
    func conflicts() throws -> [StoredConflict] {
        try db.rows("""
            SELECT dataset, key, item, origin, hlc, value, authority, received_at FROM conflict ORDER BY received_at DESC, dataset, key
            """) { row in
            let value = (try? JSONValue(json: row.text(5))) ?? .string(row.text(5))
            return StoredConflict(conflict: Conflict(dataset: row.text(0), key: row.text(1), item: row.text(2),
                                                     proposed: ItemWrite(value: value, stamp: Stamp(hlc: row.int64(4), origin: row.text(3))),
                                                     authority: row.text(6)),
                                  receivedAt: row.int64(7))
        }
    }

    func conflictCounts(authority: String) throws -> (held: Int, addressed: Int) {
        try db.first("SELECT COUNT(*), COALESCE(SUM(authority = ?), 0) FROM conflict", authority) { ($0.int(0), $0.int(1)) } ?? (0, 0)
    }

    func addConflict(_ conflict: Conflict, at now: Int64) throws -> Bool {
        try db.run("""
            INSERT OR IGNORE INTO conflict(dataset, key, item, origin, hlc, value, authority, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, conflict.dataset, conflict.key, conflict.item, conflict.proposed.stamp.origin, conflict.proposed.stamp.hlc,
            conflict.proposed.value.jsonText, conflict.authority, now) > 0
    }

    func closeConflict(dataset: String, key: String, item: String, proposer: String, hlc: Int64) throws -> Bool {
        try db.run("DELETE FROM conflict WHERE dataset = ? AND key = ? AND item = ? AND origin = ? AND hlc = ?",
                   dataset, key, item, proposer, hlc) > 0
    }
}

/// Statistics per dataset, kept in the same transactions as the records.
extension StoreAccess {
    func datasetStats() throws -> [String: DatasetStats] {
        var stats: [String: DatasetStats] = [:]
        try db.forEach("SELECT dataset, records, updated_at, last_write FROM dataset_stats") {
            stats[$0.text(0)] = DatasetStats(records: $0.int(1), lastUpdate: $0.int64(2), lastWrite: $0.int64(3))
        }
        return stats
    }

    func adjustDatasetStats(_ dataset: String, records: Int, updatedAt: Int64, lastWrite: Int64) throws {
        try db.run("""
            INSERT INTO dataset_stats(dataset, records, updated_at, last_write) VALUES (?, ?, ?, ?)
            ON CONFLICT(dataset) DO UPDATE SET records = dataset_stats.records + excluded.records,
                updated_at = MAX(dataset_stats.updated_at, excluded.updated_at),
                last_write = MAX(dataset_stats.last_write, excluded.last_write)
            """, dataset, records, updatedAt, lastWrite)
    }
}

/// Alarms an operator must look at.
extension StoreAccess {
    func alarms() throws -> [Alarm] {
        try db.rows("SELECT kind, subject, message, first_at, last_at, count FROM alarm ORDER BY last_at DESC") {
            Alarm(kind: $0.text(0), subject: $0.text(1), message: $0.text(2), firstAt: $0.int64(3), lastAt: $0.int64(4), count: $0.int(5))
        }
    }

    func raiseAlarm(kind: String, subject: String, message: String, at now: Int64) throws {
        try db.run("""
            INSERT INTO alarm(kind, subject, message, first_at, last_at, count) VALUES (?, ?, ?, ?, ?, 1)
            ON CONFLICT(kind, subject) DO UPDATE SET message = excluded.message, last_at = excluded.last_at, count = alarm.count + 1
            """, kind, subject, message, now, now)
    }

    func clearAlarm(kind: String, subject: String) throws {
        try db.run("DELETE FROM alarm WHERE kind = ? AND subject = ?", kind, subject)
    }
}

/// The revocation list and small facts about the node.
extension StoreAccess {
    func revocationList() throws -> (number: Int64, pem: String)? {
        try db.first("SELECT number, pem FROM revocation_list WHERE id = 1") { ($0.int64(0), $0.text(1)) }
    }

    func setRevocationList(number: Int64, pem: String, at now: Int64) throws {
        try db.run("""
            INSERT INTO revocation_list(id, number, pem, updated_at) VALUES (1, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET number = excluded.number, pem = excluded.pem, updated_at = excluded.updated_at
            """, number, pem, now)
    }

    func nodeMeta(_ key: String) throws -> String? {
        try db.first("SELECT value FROM node_meta WHERE key = ?", "fact:" + key) { $0.text(0) }
    }

    func setNodeMeta(_ key: String, _ value: String) throws {
        try db.run("INSERT INTO node_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", "fact:" + key, value)
    }
}

import Foundation
import SQLite
import SQLite
import SyncCore

/// A conflict as stored at a node.
public struct ConflictRecord: Codable, Sendable, Equatable {
    public var dataset: String
    public var key: String
    public var item: String
    public var origin: String
    public var hlc: Int64
    public var proposedValue: JSONValue
    public var authority: String
    public var currentValue: JSONValue?
    public var receivedAt: String
}

extension Replica {
    /// The state of one record, nil when this node holds none.
    public func record(dataset: String, key: String) throws -> RecordState? {
        try store.read { db in
            try db.first("SELECT state FROM record WHERE dataset = ? AND key = ?", dataset, key) {
                try RecordState(json: $0.text(0).utf8)
            }
        }
    }

    /// Records of `dataset` (live ones unless `includeDeleted`), optionally within a region prefix, in key order.
    public func records(dataset: String, regionPrefix: String = "", includeDeleted: Bool = false,
                        limit: Int = Int.max) throws -> [(key: String, state: RecordState)] {
        try store.read { db in
            try db.rows("""
                SELECT key, state FROM record WHERE dataset = ? AND region LIKE ? || '%' AND (? OR deleted = 0)
                ORDER BY key LIMIT ?
                """, dataset, regionPrefix, includeDeleted, min(limit, Int(Int32.max))) { row in
                (row.text(0), try RecordState(json: row.text(1).utf8))
            }
        }
    }

    /// Live record counts by dataset.
    public func recordCounts() throws -> [String: Int] {
        try datasetStats().mapValues(\.records)
    }

    /// Every conflict held here, newest first, with the value currently stored.
    public func conflicts() throws -> [ConflictRecord] {
        let rows = try store.read { db in
            try db.rows("""
                SELECT dataset, key, item, origin, hlc, value, authority, received_at FROM conflict ORDER BY received_at DESC, dataset, key
                """) { row in
                ConflictRecord(dataset: row.text(0), key: row.text(1), item: row.text(2), origin: row.text(3), hlc: row.int64(4),
                               proposedValue: try JSONDecoder().decode(JSONValue.self, from: Data(row.text(5).utf8)),
                               authority: row.text(6), currentValue: nil,
                               receivedAt: Timestamp.iso(Timestamp.date(millis: row.int64(7))))
            }
        }
        return try rows.map { conflict in
            var c = conflict
            c.currentValue = try record(dataset: c.dataset, key: c.key)?.items[c.item]?.value
            return c
        }
    }

    /// Each neighbour's outbox: entries waiting, whether a full resync is owed, when it last overflowed.
    public func outboxStates() throws -> [String: (depth: Int, resyncOwed: Bool, overflowedAt: Int64?)] {
        try store.read { db in
            var states: [String: (depth: Int, resyncOwed: Bool, overflowedAt: Int64?)] = [:]
            try db.forEach("SELECT peer, depth, resync, overflowed_at FROM outbox_state") {
                states[$0.text(0)] = ($0.int(1), $0.int(2) == 1, $0.optionalInt64(3))
            }
            return states
        }
    }

    /// Every cursor, by neighbour and name (pushed, pulled, received).
    public func cursors() throws -> [String: [String: Int64]] {
        try store.read { db in
            var result: [String: [String: Int64]] = [:]
            try db.forEach("SELECT peer, name, value FROM cursor") { result[$0.text(0), default: [:]][$0.text(1)] = $0.int64(2) }
            return result
        }
    }

    /// How many conflicts this node holds, and how many are addressed to it as the authority.
    public func conflictCounts() throws -> (held: Int, addressedHere: Int) {
        try store.read { db in
            try db.first("SELECT COUNT(*), COALESCE(SUM(authority = ?), 0) FROM conflict", nodeID) { ($0.int(0), $0.int(1)) } ?? (0, 0)
        }
    }

    /// When the oldest change still waiting for `peer` was logged (ms), nil when none waits.
    public func oldestWaiting(for peer: String) throws -> Int64? {
        try store.read { db in
            try db.first("""
                SELECT c.logged_at FROM outbox o JOIN change_log c ON c.seq = o.seq WHERE o.peer = ? ORDER BY o.seq LIMIT 1
                """, peer) { $0.int64(0) }
        }
    }

    /// Live records, the time of the last change, and of the last authority write (ms), per dataset.
    public func datasetStats() throws -> [String: (records: Int, lastUpdate: Int64, lastWrite: Int64)] {
        try store.read { db in
            var stats: [String: (records: Int, lastUpdate: Int64, lastWrite: Int64)] = [:]
            try db.forEach("SELECT dataset, records, updated_at, last_write FROM dataset_stats") {
                stats[$0.text(0)] = ($0.int(1), $0.int64(2), $0.int64(3))
            }
            return stats
        }
    }
}

extension Replica {
    /// Calls `body` with each live record of `dataset` within a region prefix, in key order, streaming.
    public func forEachRecord(dataset: String, regionPrefix: String = "", _ body: (RecordState) throws -> Void) throws {
        try store.read { db in
            try db.forEach("SELECT state FROM record WHERE dataset = ? AND region LIKE ? || '%' AND deleted = 0 ORDER BY key",
                           [dataset, regionPrefix]) { try body(try RecordState(json: $0.text(0).utf8)) }
        }
    }
}

import Foundation
import SQLite
import SyncCore

/// The federated resource catalog: every entry this node holds, with its owner.
extension StoreAccess {
    func catalogEntries() throws -> [CatalogEntry] {
        try db.rows("SELECT body FROM catalog_entry ORDER BY id") { try CatalogEntry.decode(json: $0.bytes(0)) }
    }

    func catalogEntry(id: String) throws -> CatalogEntry? {
        try db.first("SELECT body FROM catalog_entry WHERE id = ?", id) { try CatalogEntry.decode(json: $0.bytes(0)) }
    }

    func catalogOwnership(id: String) throws -> (stampHLC: Int64, owner: String)? {
        try db.first("SELECT stamp_hlc, COALESCE(owner, source_node) FROM catalog_entry WHERE id = ?", id) { ($0.int64(0), $0.text(1)) }
    }

    func catalogVersion() throws -> String {
        try db.first("SELECT COUNT(*), COALESCE(MAX(stamp_hlc), 0) FROM catalog_entry") { "\($0.int64(0))/\($0.int64(1))" } ?? ""
    }

    func putCatalogEntry(_ entry: CatalogEntry, json: String, stampHLC: Int64, owner: String, at now: Int64) throws {
        try db.run("""
            INSERT INTO catalog_entry(id, version, source_node, status, body, stamp_hlc, updated_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET version = excluded.version, source_node = excluded.source_node, status = excluded.status,
                body = excluded.body, stamp_hlc = excluded.stamp_hlc, updated_at = excluded.updated_at, owner = excluded.owner
            """, entry.id, entry.version, entry.sourceNode, entry.status, json, stampHLC, now, owner)
    }
}

/// Neighbours' health and the status reports of the subtree.
extension StoreAccess {
    func peerHealth() throws -> [String: PeerHealth] {
        var result: [String: PeerHealth] = [:]
        try db.forEach("SELECT node_id, last_heard_at, last_error, last_error_at, consecutive_failures, cert_not_after FROM peer") { row in
            let id = row.text(0)
            result[id] = PeerHealth(nodeID: id,
                                    lastHeardAt: row.optionalInt64(1).map { Timestamp.date(millis: $0) },
                                    lastError: row.optionalText(2),
                                    lastErrorAt: row.optionalInt64(3).map { Timestamp.date(millis: $0) },
                                    consecutiveFailures: row.int(4),
                                    certificateNotAfter: row.optionalInt64(5).map { Timestamp.date(millis: $0) })
        }
        return result
    }

    func recordHeard(peer: String, at date: Date, certificateNotAfter: Date?) throws {
        try db.run("""
            INSERT INTO peer(node_id, last_heard_at, consecutive_failures, cert_not_after) VALUES (?, ?, 0, ?)
            ON CONFLICT(node_id) DO UPDATE SET last_heard_at = excluded.last_heard_at, consecutive_failures = 0,
                cert_not_after = COALESCE(excluded.cert_not_after, peer.cert_not_after)
            """, peer, Timestamp.millis(date), certificateNotAfter.map { Timestamp.millis($0) })
    }

    func recordError(peer: String, message: String, at date: Date) throws {
        try db.run("""
            INSERT INTO peer(node_id, last_error, last_error_at, consecutive_failures) VALUES (?, ?, ?, 1)
            ON CONFLICT(node_id) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at,
                consecutive_failures = MIN(peer.consecutive_failures + 1, 1000000)
            """, peer, String(message.prefix(2000)), Timestamp.millis(date))
    }

    func storeReports(_ reports: [NodeSummary], via child: String, at date: Date) throws {
        for report in reports {
            try db.run("""
                INSERT INTO subtree_report(node_id, via, report, age_seconds, received_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(node_id) DO UPDATE SET via = excluded.via, report = excluded.report,
                    age_seconds = excluded.age_seconds, received_at = excluded.received_at
                """, report.id, child, String(decoding: report.jsonBytes, as: UTF8.self), report.ageSeconds, Timestamp.millis(date))
        }
    }

    func subtreeReports(now: Date) throws -> [String: NodeSummary] {
        var reports: [String: NodeSummary] = [:]
        try db.forEach("SELECT report, age_seconds, received_at FROM subtree_report") { row in
            guard var report = try? NodeSummary(json: row.bytes(0)) else { return }
            report.ageSeconds = min(row.int(1), Int(NodeSummary.maxAgeSeconds))
            let since = Int(max(0, min(now.timeIntervalSince(Timestamp.date(millis: row.int64(2))), Double(NodeSummary.maxAgeSeconds))))
            reports[report.id] = report.aged(by: since)
        }
        return reports
    }
}

import Foundation
import SQLite

/// What this node knows of one neighbour's health.
public struct PeerHealth: Sendable, Equatable, Codable {
    public var nodeID: String
    /// When this node last completed an exchange with it.
    public var lastHeardAt: Date?
    public var lastError: String?
    public var lastErrorAt: Date?
    public var consecutiveFailures: Int
    /// The peer certificate's expiry, as last seen.
    public var certificateNotAfter: Date?

    public init(nodeID: String, lastHeardAt: Date? = nil, lastError: String? = nil, lastErrorAt: Date? = nil,
                consecutiveFailures: Int = 0, certificateNotAfter: Date? = nil) {
        self.nodeID = nodeID
        self.lastHeardAt = lastHeardAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.consecutiveFailures = consecutiveFailures
        self.certificateNotAfter = certificateNotAfter
    }
}

extension Store {
    /// Records a successful exchange with `peer`.
    public func recordHeard(from peer: String, at date: Date = Date(), certificateNotAfter: Date? = nil) throws {
        try write { db in
            try db.run("""
                INSERT INTO peer(node_id, last_heard_at, consecutive_failures, cert_not_after) VALUES (?, ?, 0, ?)
                ON CONFLICT(node_id) DO UPDATE SET last_heard_at = excluded.last_heard_at, consecutive_failures = 0,
                    cert_not_after = COALESCE(excluded.cert_not_after, peer.cert_not_after)
                """, peer, Timestamp.millis(date), certificateNotAfter.map { Timestamp.millis($0) })
        }
    }

    /// Records a failed exchange with `peer`.
    public func recordError(with peer: String, _ message: String, at date: Date = Date()) throws {
        try write { db in
            try db.run("""
                INSERT INTO peer(node_id, last_error, last_error_at, consecutive_failures) VALUES (?, ?, ?, 1)
                ON CONFLICT(node_id) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at,
                    consecutive_failures = peer.consecutive_failures + 1
                """, peer, message, Timestamp.millis(date))
        }
    }

    /// Health of every neighbour this node has a record of, by node id.
    public func peerHealth() throws -> [String: PeerHealth] {
        try read { db in
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
    }
}

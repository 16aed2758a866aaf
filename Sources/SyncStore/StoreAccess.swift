import Foundation
import SQLite
import SyncCore

/// The port's reads and writes on one connection, inside the transaction
/// (or read snapshot) the store opened. The SQL of each concern is in the
/// extension named after it.
struct StoreAccess: ReplicaWriting {
    let db: Database
    /// What this transaction has learnt and may reuse: the next log sequence number, …
    let scratch = Scratch()

    final class Scratch {
        var nextSeq: Int64?
        var nextBlock: Int64?
        /// The neighbour whose outbox is a range of the log, once read (`logOutboxPeer`).
        var rangePeer: String??
        /// Entries were logged in this transaction.
        var logged = false
    }

    func schemaVersion() throws -> Int {
        try db.first("PRAGMA user_version") { $0.int(0) } ?? 0
    }

    func persistedClock() throws -> Int64 {
        try db.first("SELECT value FROM node_meta WHERE key = 'hlc'") { Int64($0.text(0)) ?? 0 } ?? 0
    }

    func setPersistedClock(_ hlc: Int64) throws {
        try db.run("INSERT INTO node_meta(key, value) VALUES ('hlc', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   String(hlc))
    }
}

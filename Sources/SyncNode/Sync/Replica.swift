import Foundation
import SQLite
import SyncCore

/// A change as logged: its sequence number in the sender's change log and
/// its JSON, forwarded as stored (never decoded and re-encoded on the way out).
public struct LogEntry: Sendable, Equatable {
    public var seq: Int64
    public var body: [UInt8]

    public init(seq: Int64, body: [UInt8]) {
        self.seq = seq
        self.body = body
    }

    /// The change, parsed.
    public func change() throws -> Change {
        do { return try Change(node: try JSONNode.parse(body)) } catch {
            throw ReplicationError("log entry \(seq) is unreadable: \(error)")
        }
    }

    /// The batch body for `entries` and the seq of the last one (nil when empty).
    /// (Top-level extras are integers or strings.)
    public static func batchJSONAndLast(_ entries: [LogEntry]) -> (body: [UInt8], last: Int64?, count: Int) {
        (batchJSON(entries), entries.last?.seq, entries.count)
    }

    /// `{"changes":[{"seq":N,"change":{...}},...]<extra>}`: the body of a push or a pull answer.
    public static func batchJSON(_ entries: [LogEntry], extra: [(String, JSONNode)] = []) -> [UInt8] {
        var w = JSONWriter(capacity: entries.reduce(64) { $0 + $1.body.count + 32 })
        w.raw("{\"changes\":[")
        for (i, entry) in entries.enumerated() {
            if i > 0 { w.comma() }
            w.raw("{\"seq\":"); w.int(entry.seq); w.raw(",\"change\":"); w.raw(entry.body); w.raw("}")
        }
        w.raw("]")
        for (key, value) in extra { w.comma(); w.key(key); w.node(value) }
        w.raw("}")
        return w.bytes
    }
}

/// What applying a batch did.
public struct ApplyStats: Sendable, Equatable {
    public var received = 0
    public var applied = 0
    public var conflicts = 0
}

/// A change refused before anything was applied, with the reason.
public struct ReplicationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A node's replication engine: merges changes into its records by source
/// authority, logs what changed, routes each logged change into the outboxes
/// of the neighbours that should receive it, and keeps the cursors — all in
/// one SQLite transaction per batch, so a crash at any point loses nothing
/// and applies nothing twice.
public final class Replica: @unchecked Sendable {
    public let context: NodeContext
    public let store: Store
    public let routing: Routing
    /// Bumped after every commit that adds changes.
    public let signal: ChangeSignal
    /// Counters for the node's metrics.
    public let metrics = Metrics()
    /// The datasets known from the catalog, with the catalog version they were read at.
    let catalogCache = Locked<(version: String, known: [String: KnownDataset])?>(nil)
    private var clock: HybridClock
    private let clockLock = NSLock()
    /// Outbox entries added per neighbour by the transaction in progress (store queue only).
    private var added: [String: Int] = [:]
    /// Per dataset, the change in live records and the newest update, in the transaction in progress (store queue only).
    private var statDeltas: [String: (records: Int, updatedAt: Int64, lastWrite: Int64)] = [:]
    /// Called after a commit in which `peer`'s outbox overflowed and was dropped
    /// (the neighbour will get a full resync). Set before the node starts.
    public var onOutboxOverflow: (@Sendable (_ peer: String) -> Void)?

    public init(context: NodeContext, store: Store, signal: ChangeSignal = ChangeSignal()) throws {
        self.context = context
        self.store = store
        self.signal = signal
        routing = Routing(topology: context.topology)
        let last = try store.read { db in
            try db.first("SELECT value FROM node_meta WHERE key = 'hlc'") { Int64($0.text(0)) ?? 0 } ?? 0
        }
        clock = HybridClock(last: last)
    }

    var nodeID: String { context.node.id }

    /// Applies changes from neighbour `peer` (or written here when nil) in one
    /// transaction, with the cursor that covers them.
    /// - Throws: `ReplicationError` for an unknown dataset or item; nothing is applied then.
    @discardableResult
    public func apply(_ changes: [Change], from peer: String?, cursor: (name: String, value: Int64)? = nil) throws -> ApplyStats {
        try apply(changes.map { Incoming(change: $0, raw: nil) }, from: peer, cursor: cursor)
    }

    /// Applies a batch received from `peer`, keeping each change's bytes as they came.
    @discardableResult
    public func apply(_ batch: [BatchEntry], from peer: String, cursor: (name: String, value: Int64)) throws -> ApplyStats {
        try apply(batch.map { Incoming(change: $0.change, raw: $0.raw) }, from: peer, cursor: cursor)
    }

    private func apply(_ changes: [Incoming], from peer: String?, cursor: (name: String, value: Int64)?) throws -> ApplyStats {
        try transaction(from: peer, cursor: cursor) { emit in
            for incoming in changes { try emit(incoming.change, incoming.raw) }
        }
    }

    /// A change and, when it came from a peer, the JSON bytes it came as.
    private struct Incoming {
        var change: Change
        var raw: ArraySlice<UInt8>?
    }

    /// Applies changes written here, stamped inside the transaction with a
    /// clock reading past every stamp this node has persisted, so writes from
    /// several processes on the same database are still strictly ordered.
    @discardableResult
    func applyLocal(_ make: (() -> Int64) throws -> [Change]) throws -> ApplyStats {
        try transaction(from: nil, cursor: nil) { emit in
            for change in try make({ self.tick() }) { try emit(change, nil) }
        }
    }

    /// Applies, in one transaction, every change `produce` emits (from `peer`,
    /// or written here when nil), then the cursor that covers them. Each change
    /// is validated against the catalog as it is at that moment; any error rolls
    /// everything back. The clock first catches up with the reading persisted
    /// by any process. Producing may stream: nothing is held in memory.
    func transaction(from peer: String?, cursor: (name: String, value: Int64)?,
                     _ produce: (_ emit: (Change, ArraySlice<UInt8>?) throws -> Void) throws -> Void) throws -> ApplyStats {
        var dropped: [String] = []
        let stats = try store.write { db -> ApplyStats in
            added.removeAll(keepingCapacity: true)      // nothing left from a transaction that rolled back
            statDeltas.removeAll(keepingCapacity: true)
            var stats = ApplyStats()
            let now = Timestamp.millis()
            let persisted = try db.first("SELECT value FROM node_meta WHERE key = 'hlc'") { Int64($0.text(0)) ?? 0 } ?? 0
            observe(persisted)
            var known = try knownDatasets(db)
            try produce { change, raw in
                stats.received += 1
                if change.dataset == CatalogEntry.catalogDataset {
                    if try applyCatalog(change, from: peer, db: db, now: now) {
                        stats.applied += 1
                        known = try knownDatasets(db)
                    }
                    return
                }
                let dataset = try validate(change, known: known)
                try apply(Incoming(change: change, raw: raw), dataset: dataset, from: peer, db: db, now: now, stats: &stats)
            }
            if let cursor, let peer {
                try setCursor(db, peer: peer, name: cursor.name, value: cursor.value, now: now)
            }
            dropped = try boundOutboxes(db, now: now)
            try flushDatasetStats(db)
            try db.run("INSERT INTO node_meta(key, value) VALUES ('hlc', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       String(clockReading))
            return stats
        }
        if stats.applied > 0 || stats.conflicts > 0 { signal.bump() }
        for peer in dropped { onOutboxOverflow?(peer) }
        return stats
    }

    private func validate(_ change: Change, known: [String: KnownDataset]) throws -> KnownDataset {
        guard let dataset = known[change.dataset] else {
            throw ReplicationError("dataset '\(change.dataset)' (record \(change.key)) has no published catalog entry here; "
                                   + "its source must publish it first (syncnode catalog publish)")
        }
        for name in change.items.keys where dataset.definition.item(name) == nil {
            throw ReplicationError("dataset '\(change.dataset)' has no data item '\(name)' (record \(change.key))")
        }
        if change.key.isEmpty { throw ReplicationError("a change of dataset '\(change.dataset)' has an empty key") }
        return dataset
    }

    private func apply(_ incoming: Incoming, dataset known: KnownDataset, from peer: String?, db: Database, now: Int64,
                       stats: inout ApplyStats) throws {
        let change = incoming.change
        let dataset = known.definition
        if let newest = change.newestStamp { observe(newest.hlc) }
        let (authoritative, proposals) = Merge.partition(change, dataset: dataset)
        // The bytes as received serve as log body, and as the state of a new record,
        // when the whole change is authoritative and no item predates its own tombstone.
        let tombstone = change.tombstone
        // A change written here is encoded once, for both.
        let whole = proposals == nil && change.items.values.allSatisfy({ w in tombstone.map { w.stamp > $0 } ?? true })
        let raw = whole ? String(decoding: incoming.raw.map(Array.init) ?? change.jsonBytes, as: UTF8.self) : nil

        if let authoritative {
            // New records (most of replication traffic) take one statement; existing ones are merged.
            let fresh = Merge.apply(authoritative, to: nil).state
            var changed = try db.run("""
                INSERT INTO record(dataset, key, region, state, deleted, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(dataset, key) DO NOTHING
                """, change.dataset, change.key, fresh.region.code, raw ?? String(decoding: fresh.jsonBytes, as: UTF8.self),
                fresh.isDeleted, now) > 0
            if changed { countRecord(change.dataset, fresh.isDeleted ? 0 : 1, at: now, written: authoritative.newestStamp) }
            if !changed {
                let current = try db.first("SELECT state FROM record WHERE dataset = ? AND key = ?", change.dataset, change.key) {
                    try RecordState(json: $0.text(0).utf8)
                }
                let merged = Merge.apply(authoritative, to: current)
                changed = merged.changed
                if changed {
                    let wasLive = current.map { !$0.isDeleted } ?? false
                    countRecord(change.dataset, (merged.state.isDeleted ? 0 : 1) - (wasLive ? 1 : 0), at: now,
                                written: authoritative.newestStamp)
                    try db.run("UPDATE record SET region = ?, state = ?, deleted = ?, updated_at = ? WHERE dataset = ? AND key = ?",
                               merged.state.region.code, String(decoding: merged.state.jsonBytes, as: UTF8.self),
                               merged.state.isDeleted, now, change.dataset, change.key)
                }
            }
            if changed {
                // A withdrawn dataset's (下架) records stop flowing; the copies stay.
                let destinations = known.withdrawn ? [] : routing.destinations(dataset: dataset, region: authoritative.region,
                                                                                at: nodeID, from: peer)
                try log(authoritative, raw: raw, from: peer, to: destinations, db: db, now: now)
                stats.applied += 1
            }
        }
        if let proposals {
            var added = 0
            for conflict in Merge.conflicts(in: proposals, dataset: dataset) {
                added += try db.run("""
                    INSERT OR IGNORE INTO conflict(dataset, key, item, origin, hlc, value, authority, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, conflict.dataset, conflict.key, conflict.item, conflict.proposed.stamp.origin, conflict.proposed.stamp.hlc,
                    conflict.proposed.value.jsonText, conflict.authority, now)
            }
            if added > 0 {
                let authorities = Set(Merge.conflicts(in: proposals, dataset: dataset).map(\.authority))
                let next = Set(authorities.compactMap { routing.towardAuthority($0, at: nodeID, from: peer) })
                try log(proposals, raw: nil, from: peer, to: next.sorted(), db: db, now: now)
                stats.conflicts += added
            }
        }
    }

    func log(_ change: Change, raw: String?, from peer: String?, to destinations: [String], db: Database, now: Int64) throws {
        try db.run("INSERT INTO change_log(dataset, from_peer, body, logged_at) VALUES (?, ?, ?, ?)",
                   change.dataset, peer, raw ?? String(decoding: change.jsonBytes, as: UTF8.self), now)
        let seq = db.lastInsertRowID
        for destination in destinations {
            try db.run("INSERT INTO outbox(peer, seq) VALUES (?, ?)", destination, seq)
            added[destination, default: 0] += 1
        }
    }

    /// Adds this transaction's entries to each outbox's depth; an outbox past
    /// the policy's bound is dropped and its neighbour marked for a full resync.
    private func boundOutboxes(_ db: Database, now: Int64) throws -> [String] {
        defer { added.removeAll(keepingCapacity: true) }
        var overflowed: [String] = []
        let limit = context.topology.policy.maxOutboxEntries
        for (peer, count) in added {
            let depth = try db.first("""
                INSERT INTO outbox_state(peer, depth) VALUES (?, ?)
                ON CONFLICT(peer) DO UPDATE SET depth = outbox_state.depth + excluded.depth RETURNING depth
                """, peer, count) { $0.int(0) } ?? 0
            if depth > limit {
                try db.run("DELETE FROM outbox WHERE peer = ?", peer)
                try db.run("UPDATE outbox_state SET depth = 0, resync = 1, overflowed_at = ? WHERE peer = ?", now, peer)
                overflowed.append(peer)
            }
        }
        return overflowed
    }

    /// Adds this transaction's changes to the per-dataset record counts, so
    /// status never has to count a million records.
    private func flushDatasetStats(_ db: Database) throws {
        defer { statDeltas.removeAll(keepingCapacity: true) }
        for (dataset, delta) in statDeltas {
            try db.run("""
                INSERT INTO dataset_stats(dataset, records, updated_at, last_write) VALUES (?, ?, ?, ?)
                ON CONFLICT(dataset) DO UPDATE SET records = dataset_stats.records + excluded.records,
                    updated_at = MAX(dataset_stats.updated_at, excluded.updated_at),
                    last_write = MAX(dataset_stats.last_write, excluded.last_write)
                """, dataset, delta.records, delta.updatedAt, delta.lastWrite)
        }
    }

    private func countRecord(_ dataset: String, _ delta: Int, at now: Int64, written: Stamp?) {
        let current = statDeltas[dataset] ?? (0, now, 0)
        statDeltas[dataset] = (current.records + delta, max(current.updatedAt, now), max(current.lastWrite, written?.millis ?? 0))
    }

    /// A new clock reading for a write made here.
    func tick() -> Int64 {
        clockLock.lock(); defer { clockLock.unlock() }
        return clock.tick(wallMillis: Timestamp.millis())
    }

    private func observe(_ hlc: Int64) {
        clockLock.lock(); clock.observe(hlc); clockLock.unlock()
    }

    private var clockReading: Int64 {
        clockLock.lock(); defer { clockLock.unlock() }
        return clock.last
    }

    // MARK: Outboxes and cursors

    /// Up to `limit` entries waiting for `peer` after `seq`, in order.
    public func outbox(for peer: String, after seq: Int64, limit: Int) throws -> [LogEntry] {
        try store.read { db in
            try db.rows("""
                SELECT o.seq, c.body FROM outbox o JOIN change_log c ON c.seq = o.seq
                WHERE o.peer = ? AND o.seq > ? ORDER BY o.seq LIMIT ?
                """, peer, seq, limit) { row in
                LogEntry(seq: row.int64(0), body: Array(row.text(1).utf8))
            }
        }
    }

    /// Forgets outbox entries up to `seq` for `peer` (it has them durably), and
    /// log entries no outbox needs any more.
    public func acknowledge(peer: String, upTo seq: Int64, cursor: String? = nil) throws {
        try store.write { db in
            let removed = try db.run("DELETE FROM outbox WHERE peer = ? AND seq <= ?", peer, seq)
            if let cursor { try setCursor(db, peer: peer, name: cursor, value: seq, now: Timestamp.millis()) }
            if removed > 0 {
                try db.run("UPDATE outbox_state SET depth = MAX(0, depth - ?) WHERE peer = ?", removed, peer)
                try db.run("DELETE FROM change_log WHERE seq <= ? AND seq < COALESCE((SELECT MIN(seq) FROM outbox), ?)", seq, Int64.max)
            }
        }
    }

    /// A cursor's value (0 when never set).
    public func cursor(_ peer: String, _ name: String) throws -> Int64 {
        try store.read { db in
            try db.first("SELECT value FROM cursor WHERE peer = ? AND name = ?", peer, name) { $0.int64(0) } ?? 0
        }
    }

    private func setCursor(_ db: Database, peer: String, name: String, value: Int64, now: Int64) throws {
        try db.run("""
            INSERT INTO cursor(peer, name, value, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(peer, name) DO UPDATE SET value = MAX(cursor.value, excluded.value), updated_at = excluded.updated_at
            """, peer, name, value, now)
    }
}

import Foundation
import SQLite
import SyncCore

/// The change log, per-peer outboxes and the scans a full resync makes.
extension StoreAccess {
    func appendLog(_ entry: LogWrite, at now: Int64) throws -> Int64 {
        let seq = try nextSeq()
        try insertLog(seq: seq, entry, at: now)
        return seq
    }

    /// The next sequence number: past every entry ever logged (the highest entry is never trimmed).
    func nextSeq() throws -> Int64 {
        if let next = scratch.nextSeq { return next }
        let next = (try db.first("SELECT MAX(seq) FROM log") { $0.optionalInt64(0) } ?? nil).map { $0 + 1 } ?? 1
        scratch.nextSeq = next
        return next
    }

    func insertLog(seq: Int64, _ entry: LogWrite, at now: Int64) throws {
        let insert = try db.statement("""
            INSERT INTO log(seq, dataset, region, from_peer, live, logged_at, body, block, leaf, whole, up) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insert.clear()
        try insert.bind(1, seq)
        try insert.bind(2, text: entry.dataset)
        try insert.bind(3, text: entry.region.code)
        if let from = entry.from { try insert.bind(4, text: from) } else { try insert.bindNull(4) }
        try insert.bind(5, entry.live ? 1 : 0)
        try insert.bind(6, now)
        try insert.bind(7, bytes: entry.body)
        if let proof = entry.proof {
            try insert.bind(8, proof.block)
            try insert.bind(9, Int64(proof.leaf))
            if let whole = proof.whole { try insert.bind(10, bytes: whole) } else { try insert.bindNull(10) }
        } else {
            try insert.bindNull(8); try insert.bindNull(9); try insert.bindNull(10)
        }
        let range = entry.outboxes.isEmpty ? nil : try logOutboxPeer()
        try insert.bind(11, (range.map { entry.outboxes.contains($0) } ?? false) ? 1 : 0)
        try insert.execute()
        scratch.nextSeq = seq + 1
        scratch.logged = true
        for peer in entry.outboxes where peer != range { try enqueueRow(seq, for: peer) }
    }

    func retire(_ seqs: [Int64]) throws {
        for seq in seqs { try db.run("UPDATE log SET live = 0 WHERE seq = ?", seq) }
    }

    /// An outbox kept as rows: one (peer, seq) row per entry waiting.
    private func enqueueRow(_ seq: Int64, for peer: String) throws {
        let insert = try db.statement("INSERT INTO outbox(peer, seq) VALUES (?, ?)")
        insert.clear()
        try insert.bind(1, text: peer)
        try insert.bind(2, seq)
        try insert.execute()
    }

    // MARK: The outbox kept as a range of the log

    /// node_meta: the neighbour whose outbox is the log's `up` entries ("" or absent: none).
    static let rangePeerKey = "outbox.range"

    func logOutboxPeer() throws -> String? {
        if let known = scratch.rangePeer { return known }
        let peer = try nodeMeta(StoreAccess.rangePeerKey).flatMap { $0.isEmpty ? nil : $0 }
        scratch.rangePeer = .some(peer)
        return peer
    }

    /// Where the range's waiting entries start (they come after it) and how many wait.
    private func range(of peer: String) throws -> (after: Int64, depth: Int) {
        try db.first("SELECT COALESCE(range_after, 0), depth FROM outbox_state WHERE peer = ?", peer) { ($0.int64(0), $0.int(1)) } ?? (0, 0)
    }

    /// The first sequence number some outbox may still send (nil: none waits), for trimming.
    private func firstPending() throws -> Int64? {
        var pending = try db.first("SELECT MIN(seq) FROM outbox", map: { $0.optionalInt64(0) }) ?? nil
        if let peer = try logOutboxPeer() {
            let range = try range(of: peer)
            if range.depth > 0 { pending = min(pending ?? .max, range.after + 1) }
        }
        return pending
    }

    func keepOutboxInLog(for peer: String?) throws {
        let old = try logOutboxPeer()
        guard old != peer else { return }
        if let old {
            // What waits for the neighbour kept so before becomes rows again; no entry is `up` after.
            try db.run("""
                INSERT OR IGNORE INTO outbox(peer, seq) SELECT ?, seq FROM log WHERE up = 1 AND seq > ? ORDER BY seq
                """, old, try range(of: old).after)
            try db.run("UPDATE outbox_state SET range_after = NULL WHERE peer = ?", old)
            try db.run("UPDATE log SET up = 0 WHERE up = 1")
        }
        if let peer {
            try db.run("UPDATE log SET up = 1 WHERE seq IN (SELECT seq FROM outbox WHERE peer = ?)", peer)
            let first = try db.first("SELECT MIN(seq) FROM outbox WHERE peer = ?", peer, map: { $0.optionalInt64(0) }) ?? nil
            try db.run("DELETE FROM outbox WHERE peer = ?", peer)
            try db.run("""
                INSERT INTO outbox_state(peer, depth, range_after) VALUES (?, 0, ?)
                ON CONFLICT(peer) DO UPDATE SET range_after = excluded.range_after
                """, peer, first.map { $0 - 1 } ?? (try lastLogSeq()))
        }
        try setNodeMeta(StoreAccess.rangePeerKey, peer ?? "")
        scratch.rangePeer = .some(peer)
    }

    /// At the end of a write transaction: an empty range starts after the last entry, so a reader
    /// of it never looks through entries logged while nothing waited (a district taking backflow).
    func finishTransaction() throws {
        guard scratch.logged, let peer = try logOutboxPeer() else { return }
        try db.run("UPDATE outbox_state SET range_after = MAX(COALESCE(range_after, 0), ?) WHERE peer = ? AND depth = 0",
                   try lastLogSeq(), peer)
    }

    /// What a child pulls: one index range on (peer, seq), whatever else the log holds.
    static let outboxSQL = """
        SELECT o.seq, l.body, l.block, l.leaf, l.whole FROM outbox o JOIN log l ON l.seq = o.seq
        WHERE o.peer = ? AND o.seq > ? ORDER BY o.seq LIMIT ?
        """
    /// What the parent is sent: the `up` entries after the range's start, in log order.
    static let rangeSQL = "SELECT seq, body, block, leaf, whole FROM log WHERE seq > ? AND up = 1 ORDER BY seq LIMIT ?"

    func outbox(peer: String, after seq: Int64, limit: Int) throws -> [LogEntry] {
        var blocks = BlockCache()
        func entry(_ row: Row) throws -> LogEntry {
            LogEntry(seq: row.int64(0), body: row.bytes(1), proof: try proof(row, column: 2, blocks: &blocks))
        }
        if peer == (try logOutboxPeer()) {
            return try db.rows(StoreAccess.rangeSQL, max(seq, try range(of: peer).after), limit, map: entry)
        }
        return try db.rows(StoreAccess.outboxSQL, peer, seq, limit, map: entry)
    }

    func oldestWaiting(peer: String) throws -> Int64? {
        if peer == (try logOutboxPeer()) {
            let range = try range(of: peer)
            guard range.depth > 0 else { return nil }
            return try db.first("SELECT logged_at FROM log WHERE seq > ? AND up = 1 ORDER BY seq LIMIT 1", range.after) { $0.int64(0) }
        }
        return try db.first("""
            SELECT l.logged_at FROM outbox o JOIN log l ON l.seq = o.seq WHERE o.peer = ? ORDER BY o.seq LIMIT 1
            """, peer) { $0.int64(0) }
    }

    func outboxStates() throws -> [String: OutboxState] {
        var states: [String: OutboxState] = [:]
        try db.forEach("SELECT peer, depth, resync, overflowed_at, resync_from FROM outbox_state") {
            states[$0.text(0)] = OutboxState(depth: $0.int(1), resyncOwed: $0.int(2) == 1, overflowedAt: $0.optionalInt64(3),
                                             resyncFrom: $0.optionalInt64(4))
        }
        return states
    }

    func lastLogSeq() throws -> Int64 {
        try nextSeq() - 1
    }

    func openLogGap(past seq: Int64, at now: Int64) throws -> ClosedRange<Int64> {
        let last = try lastLogSeq()
        let end = max(last, seq) + LogGaps.width
        // A placeholder entry, retired: the log's highest entry always stays, so numbering goes on from it.
        try db.run("INSERT INTO log(seq, dataset, region, from_peer, live, logged_at, body) VALUES (?, '_gap', '', NULL, 0, ?, x'')", end, now)
        scratch.nextSeq = end + 1
        let gap = (last + 1)...end
        try setNodeMeta(LogGaps.metaKey, LogGaps.text(try logGaps() + [gap]))
        return gap
    }

    func logGaps() throws -> [ClosedRange<Int64>] {
        LogGaps.parse(try nodeMeta(LogGaps.metaKey) ?? "")
    }

    func growOutbox(peer: String, by count: Int) throws -> Int {
        try db.first("""
            INSERT INTO outbox_state(peer, depth) VALUES (?, ?)
            ON CONFLICT(peer) DO UPDATE SET depth = outbox_state.depth + excluded.depth RETURNING depth
            """, peer, count) { $0.int(0) } ?? 0
    }

    func dropOutbox(peer: String, at now: Int64) throws {
        try db.run("DELETE FROM outbox WHERE peer = ?", peer)
        let last = try lastLogSeq()
        try db.run("""
            INSERT INTO outbox_state(peer, depth, resync, overflowed_at, resync_from, range_after) VALUES (?, 0, 1, ?, ?, ?)
            ON CONFLICT(peer) DO UPDATE SET depth = 0, resync = 1, overflowed_at = excluded.overflowed_at,
                resync_from = excluded.resync_from, range_after = excluded.range_after
            """, peer, now, last, peer == (try logOutboxPeer()) ? SQLValue.integer(last) : SQLValue.null)
    }

    func setResyncOwed(peer: String, _ owed: Bool) throws {
        try db.run("""
            INSERT INTO outbox_state(peer, depth, resync) VALUES (?, 0, ?)
            ON CONFLICT(peer) DO UPDATE SET resync = excluded.resync
            """, peer, owed)
    }

    func acknowledge(peer: String, upTo seq: Int64) throws -> Int {
        let removed: Int
        if peer == (try logOutboxPeer()) {
            let after = try range(of: peer).after
            guard seq > after else { return 0 }
            removed = try db.first("SELECT COUNT(*) FROM log WHERE seq > ? AND seq <= ? AND up = 1", after, seq) { $0.int(0) } ?? 0
            try db.run("UPDATE outbox_state SET range_after = ? WHERE peer = ?", seq, peer)
        } else {
            removed = try db.run("DELETE FROM outbox WHERE peer = ? AND seq <= ?", peer, seq)
        }
        if removed > 0 {
            try db.run("UPDATE outbox_state SET depth = MAX(0, depth - ?) WHERE peer = ?", removed, peer)
            try trimLog()
        }
        return removed
    }

    func purgeTombstones(loggedBefore cutoff: Int64, limit: Int) throws -> Int {
        // Every neighbour must have them: none is owed a resync, and no outbox still holds them.
        guard try db.first("SELECT COUNT(*) FROM outbox_state WHERE resync = 1", map: { $0.int(0) }) == 0 else { return 0 }
        let pending = try firstPending()
        var purged: [(dataset: String, key: String, seqs: [Int64])] = []
        try db.forEach("""

            SELECT r.dataset, r.key, r.seq, r.more FROM record_state r JOIN log l ON l.seq = r.seq
            WHERE r.deleted = 1 AND l.logged_at < ? ORDER BY r.seq LIMIT ?
            """, cutoff, limit) { row in
            let seqs = StoreAccess.contributions(row.int64(2), row.optionalText(3))
            if seqs.allSatisfy({ seq in pending.map { seq < $0 } ?? true }) { purged.append((row.text(0), row.text(1), seqs)) }
        }
        for tombstone in purged {
            try db.run("DELETE FROM record_state WHERE dataset = ? AND key = ?", tombstone.dataset, tombstone.key)
            try retire(tombstone.seqs)
        }
        if !purged.isEmpty { try trimLog() }
        return purged.count
    }

    /// Deletes retired entries that no outbox holds (never the highest entry,
    /// so sequence numbers are not reused), a bounded number at a time.
    func trimLog() throws {
        var pending = Int64.max
        let peers = try db.rows("SELECT peer FROM outbox_state") { $0.text(0) }
        for peer in peers {
            if let first = try db.first("SELECT seq FROM outbox WHERE peer = ? ORDER BY seq LIMIT 1", peer, map: { $0.int64(0) }) {
                pending = min(pending, first)
            }
        }
        if let peer = try logOutboxPeer() {
            let range = try range(of: peer)
            if range.depth > 0 { pending = min(pending, range.after + 1) }
        }
        guard let highest = try db.first("SELECT MAX(seq) FROM log", map: { $0.optionalInt64(0) }) ?? nil else { return }
        try db.run("""
            DELETE FROM log WHERE seq IN (SELECT seq FROM log WHERE live = 0 AND seq < ? AND seq < ? ORDER BY seq LIMIT 20000)
            """, pending, highest)
    }

    func liveEntries(after position: ResyncPosition, limit: Int, scanLimit: Int,
                     where admit: (String, String) -> Bool) throws -> (entries: [LiveEntry], lastScanned: Int64?) {
        struct Full: Error {}
        var entries: [LiveEntry] = []
        var last: Int64?
        var scanned = 0
        let sql = position.reserved
            ? "SELECT seq, dataset, region, body, block, leaf, whole FROM log WHERE substr(dataset, 1, 1) = '_' AND live = 1 AND seq > ? ORDER BY seq LIMIT ?"
            : "SELECT seq, dataset, region, body, block, leaf, whole FROM log WHERE seq > ? AND live = 1 ORDER BY seq LIMIT ?"
        var blocks = BlockCache()
        do {
            try db.forEach(sql, [position.seq, scanLimit]) { row in
                scanned += 1
                let seq = row.int64(0), dataset = row.text(1)
                last = seq
                if !position.reserved && dataset.hasPrefix("_") { return }
                if admit(dataset, row.text(2)) {
                    entries.append(LiveEntry(seq: seq, dataset: dataset, region: row.text(2), body: row.bytes(3),
                                             proof: try proof(row, column: 4, blocks: &blocks)))
                    if entries.count >= limit { throw Full() }
                }
            }
        } catch is Full {
            return (entries, last)
        }
        // The scan ran out of rows before its limit: this phase is done.
        return (entries, scanned < scanLimit ? nil : last)
    }
}

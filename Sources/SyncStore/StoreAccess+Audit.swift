import Foundation
import SQLite
import SyncCore

/// The audit log: append-only, hash-chained; and the heads children sent of theirs.
extension StoreAccess {
    func auditEntries(after seq: Int64, limit: Int) throws -> [AuditEntry] {
        try db.rows("SELECT seq, at, by, action, subject, detail, previous, hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                    seq, min(limit, Int(Int32.max))) { StoreAccess.auditEntry($0) }
    }

    func lastAuditEntry() throws -> AuditEntry? {
        try db.first("SELECT seq, at, by, action, subject, detail, previous, hash FROM audit ORDER BY seq DESC LIMIT 1") { StoreAccess.auditEntry($0) }
    }

    func appendAudit(_ draft: AuditDraft, at now: Int64) throws -> AuditEntry {
        let last = try db.first("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1") { ($0.int64(0), $0.text(1)) }
        let entry = AuditEntry(seq: (last?.0 ?? 0) + 1, at: now, by: draft.by, action: draft.action, subject: draft.subject,
                               detail: draft.detail, previous: last?.1 ?? AuditChain.genesis)
        try db.run("INSERT INTO audit(seq, at, by, action, subject, detail, previous, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   entry.seq, entry.at, entry.by, entry.action, entry.subject, entry.detail, entry.previous, entry.hash)
        return entry
    }

    func keptAuditHeads(child: String) throws -> [AuditHead] {
        try db.rows("SELECT seq, hash, signature, at FROM audit_head WHERE child = ? ORDER BY seq", child) {
            AuditHead(seq: $0.int64(0), hash: $0.text(1), signature: $0.text(2), at: $0.int64(3))
        }
    }

    func keepAuditHead(child: String, head: AuditHead, at now: Int64) throws {
        try db.run("INSERT OR IGNORE INTO audit_head(child, seq, hash, signature, at) VALUES (?, ?, ?, ?, ?)",
                   child, head.seq, head.hash, head.signature, now)
        try db.run("""
            DELETE FROM audit_head WHERE child = ? AND seq < (SELECT MIN(seq) FROM (SELECT seq FROM audit_head WHERE child = ? ORDER BY seq DESC LIMIT 1000))
            """, child, child)
    }

    static func auditEntry(_ row: Row) -> AuditEntry {
        var entry = AuditEntry(seq: row.int64(0), at: row.int64(1), by: row.text(2), action: row.text(3), subject: row.text(4),
                               detail: row.text(5), previous: row.text(6))
        entry.hash = row.text(7)   // as stored: verifying recomputes it
        return entry
    }
}

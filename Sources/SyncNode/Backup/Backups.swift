import Foundation
import SyncCore
import SyncEngine
import SyncStore

/// Online, encrypted backups of a node and restoring them (汕尾 §29, 普陀 §24,
/// 长沙 §32(5)): a consistent copy of the store while the node serves (SQLite's
/// VACUUM INTO), sealed with AES-256-GCM under the operator's key.
public enum Backups {
    /// What making a backup did.
    public struct Made: Sendable {
        public let header: BackupHeader
        public let file: String
        public let bytes: Int64
        public let seconds: Double
    }

    /// Makes an encrypted backup of the node's store into `output`.
    public static func make(context: NodeContext, key: BackupKey, to output: String) throws -> Made {
        let start = Date()
        let directory = (output as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let copy = (context.dataDirectory as NSString).appendingPathComponent("backup-\(UUID().uuidString).db")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try SQLiteStore.onlineCopy(of: context.databasePath, to: copy)
        let schema = try SQLiteStore(readingOnly: copy).read { try $0.schemaVersion() }
        let header = try BackupFile.seal(database: copy, to: output, key: key, node: context.node.id,
                                         federation: context.topology.federation, schemaVersion: schema)
        let bytes = Int64((try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0)
        return Made(header: header, file: output, bytes: bytes, seconds: Date().timeIntervalSince(start))
    }

    /// Makes a backup into `directory` named `NODE-YYYYMMDDTHHMMSSZ.snbk` and
    /// removes the oldest of the node's backups there beyond `keep`.
    public static func makeInto(directory: String, context: NodeContext, key: BackupKey, keep: Int) throws -> Made {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmssSSS'Z'"
        let made = try make(context: context, key: key,
                            to: (directory as NSString).appendingPathComponent("\(context.node.id)-\(formatter.string(from: Date())).snbk"))
        let prefix = "\(context.node.id)-"
        let ours = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".snbk") }.sorted(by: >)
        for old in ours.dropFirst(max(1, keep)) { try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(old)) }
        return made
    }

    /// Notes in the node's store that a backup was made (`status` shows its age).
    /// - Parameter by: who made it, for the audit log.
    public static func recordMade(_ made: Made, store: any ReplicaStore, by: String) throws {
        try store.write { w in
            try w.setNodeMeta("backup.lastAt", String(Timestamp.millis()))
            try w.setNodeMeta("backup.lastFile", made.file)
            try w.appendAudit(AuditDraft(by: by, action: "backup", subject: made.file,
                                         detail: "\(made.bytes) bytes, database \(made.header.size) bytes, SHA-256 \(made.header.sha256.prefix(16))…"),
                              at: Timestamp.millis())
        }
    }

    /// Notes in the node's store that an off-site copy reached the parent.
    public static func recordSent(_ copy: OffsiteCopies.Copy, parent: String, store: any ReplicaStore, by: String) throws {
        try store.write { w in
            try w.appendAudit(AuditDraft(by: by, action: "backup sent to parent", subject: copy.id, detail: "to \(parent)"), at: Timestamp.millis())
            try w.setNodeMeta("offsite.lastAt", String(Timestamp.millis()))
            try w.setNodeMeta("offsite.lastID", copy.id)
            try w.setNodeMeta("offsite.parent", parent)
        }
    }

    /// Restores `file` into the node's data directory, which must hold no store yet. The
    /// node then rejoins: its neighbours notice its cursors went back and resync it.
    @discardableResult
    public static func restore(context: NodeContext, from file: String, key: BackupKey) throws -> BackupHeader {
        let header = try BackupFile.header(of: file)
        guard header.node == context.node.id, header.federation == context.topology.federation else {
            throw SyncNodeError("restore \(file)", "it is a backup of node '\(header.node)' of federation '\(header.federation)', not \(context.node.id)",
                                hint: "restore each node from its own backups")
        }
        let existing = [context.databasePath, context.databasePath + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        guard existing.isEmpty else {
            throw SyncNodeError("restore into \(context.dataDirectory)", "it already holds a store (\(existing[0]))",
                                hint: "stop the node and move its data directory aside: a restore never overwrites")
        }
        try FileManager.default.createDirectory(atPath: context.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = context.databasePath + ".restoring"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        _ = try BackupFile.open(file, to: temporary, key: key)
        let problems = try SQLiteStore.integrityProblems(temporary)
        guard problems.isEmpty else {
            throw SyncNodeError("restore \(file)", "the database inside fails SQLite's integrity check: \(problems.prefix(3).joined(separator: "; "))")
        }
        try FileManager.default.moveItem(atPath: temporary, toPath: context.databasePath)
        let store = try context.openStore()   // brings an older schema up to date
        // What the node logged after the backup is lost: number on far past it, so neighbours whose
        // cursors point there are noticed and resynced; and take back from the parent what this
        // node and those below it wrote since.
        let now = Timestamp.millis()
        try store.write { w in
            try w.openLogGap(past: 0, at: now)
            if context.parent != nil { try w.setNodeMeta(Recovery.metaKey, "1") }
            try w.setNodeMeta("restored.from", header.createdAt)
        }
        return header
    }
}

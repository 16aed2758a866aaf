import Foundation
import SyncCore
import SyncNode

/// `syncnode restore`: restores a node from an encrypted backup.
enum RestoreCommand: Command {
    static let name = "restore"
    static let summary = "restore a node from an encrypted backup (a file, or its parent's off-site copy) into an empty data directory"
    static let details = """
        Decrypts the backup with the key file, checks every chunk's GCM tag, the whole
        database's SHA-256 and SQLite's integrity check, and only then puts it in place
        as DATA/node.db. The data directory must hold no store: a restore never
        overwrites (move the old directory aside first). Start the node afterwards:
        its neighbours see its cursors went back and send it what it missed since the
        backup; what it had sent up before is not sent twice.
        --from-parent fetches the newest off-site copy (or --id ID) from the parent first.
        """
    static let flags = NodeFlags.all + [
        Flag("key", value: "FILE", help: "the backup key file (required)"),
        Flag("in", value: "FILE", help: "the backup file"),
        Flag("from-parent", help: "fetch the off-site copy from the parent"),
        Flag("id", value: "ID", help: "with --from-parent: which copy (default: the newest; see syncnode backup list)"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode restore"
        let context = try NodeFlags.context(arguments, command: command)
        let operatorName = try NodeFlags.operatorName(arguments, command: command)
        let key = try BackupKey(file: try arguments.required("key", command: command))
        let file: String
        var fetched: String?
        if arguments.has("from-parent") {
            let temporary = NSTemporaryDirectory() + "syncnode-offsite-\(UUID().uuidString).snbk"
            let progress = Progress(total: 0, label: "fetching from the parent")
            let copy = try OffsiteTransfer.download(context: context, id: arguments.value("id"), to: temporary) { got, _ in progress.update(bytes: Int(got)) }
            progress.finish()
            Output.line(String(format: "fetched off-site copy %@ (stored %@, %.1f MB) from %@", copy.id, copy.storedAt, Double(copy.size) / 1e6, context.parent?.id ?? ""))
            file = temporary
            fetched = temporary
        } else {
            guard let input = arguments.value("in") else {
                throw SyncNodeError("run '\(command)'", "say which backup to restore", hint: "--in FILE, or --from-parent")
            }
            file = input
        }
        defer { if let fetched { try? FileManager.default.removeItem(atPath: fetched) } }
        let start = Date()
        let header = try Backups.restore(context: context, from: file, key: key)
        // The restored log goes on from the backup's last entry; the parent's kept heads show what came after it.
        try context.openStore().write { try $0.appendAudit(AuditDraft(by: operatorName, action: "restore", subject: header.node,
                                                                      detail: "from the backup of \(header.createdAt)\(fetched != nil ? " (off-site copy)" : "")"),
                                                          at: Timestamp.millis()) }
        Output.line(String(format: "restored %@ from its backup of %@ (%.1f MB) into %@ in %.1f s", header.node, header.createdAt,
                           Double(header.size) / 1e6, context.databasePath, Date().timeIntervalSince(start)))
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let retention = context.topology.policy.tombstoneRetentionDays
        if let made = parser.date(from: header.createdAt), Date().timeIntervalSince(made) > retention * 86_400 {
            Output.warn("warning: this backup is older than the tombstone retention (\(retention) days): records deleted elsewhere "
                        + "since it was made may come back here; check them with syncnode records after the node has rejoined")
        }
        Output.line("start the node (syncnode serve): its neighbours send it what changed since the backup")
        return 0
    }
}

import Foundation
import SyncCore
import SyncNode

/// `syncnode backup`: an online, encrypted backup of a node, kept locally
/// and/or sent to its parent as an off-site copy.
enum BackupCommand: Command {
    static let name = "backup"
    static let summary = "make an encrypted backup of a node while it serves; keep it here (--out) or at the parent (--to-parent)"
    static let details = """
        Copies the node's store consistently while 'serve' keeps running (SQLite's
        VACUUM INTO), then seals it with AES-256-GCM under the key file (64 hex digits,
        mode 0600: make one with 'syncnode backup key'). The key never leaves this
        machine: keep a copy of it offline, without it no backup can be restored.
        --to-parent also sends the sealed file to the node's parent, which keeps the
        newest few per child (policy offsiteBackupsKept) and cannot read them.
        Restore with 'syncnode restore'.
        """
    static let flags = NodeFlags.all + [
        Flag("key", value: "FILE", help: "the backup key file (required)"),
        Flag("out", value: "FILE", help: "where to write the backup (default with --to-parent: DATA/backups/NODE-TIME.snbk)"),
        Flag("to-parent", help: "send the backup to the parent as an off-site copy"),
        Flag("keep", value: "N", help: "with no --out: backups kept in DATA/backups (default: 7)"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode backup"
        let context = try NodeFlags.context(arguments, command: command)
        let operatorName = try NodeFlags.operatorName(arguments, command: command)
        let key = try BackupKey(file: try arguments.required("key", command: command))
        guard arguments.value("out") != nil || arguments.has("to-parent") else {
            throw SyncNodeError("run '\(command)'", "say where the backup goes", hint: "--out FILE, --to-parent, or both")
        }
        guard FileManager.default.fileExists(atPath: context.databasePath) else {
            throw SyncNodeError("back up \(context.node.id)", "\(context.databasePath) does not exist", hint: "check --data")
        }
        let made: Backups.Made
        if let out = arguments.value("out") {
            made = try Backups.make(context: context, key: key, to: out)
        } else {
            made = try Backups.makeInto(directory: (context.dataDirectory as NSString).appendingPathComponent("backups"), context: context, key: key,
                                        keep: try arguments.int("keep", default: 7, command: command))
        }
        let store = try context.openStore()
        try Backups.recordMade(made, store: store, by: operatorName)
        Output.line(String(format: "backed up %@ to %@: %.1f MB in %.1f s (database %.1f MB, SHA-256 %@…)", context.node.id, made.file,
                           Double(made.bytes) / 1e6, made.seconds, Double(made.header.size) / 1e6, String(made.header.sha256.prefix(12))))
        if arguments.has("to-parent") {
            let progress = Progress(total: Int(made.bytes), label: "sending to the parent")
            let start = Date()
            let copy = try OffsiteTransfer.upload(context: context, file: made.file) { sent, _ in progress.update(bytes: Int(sent)) }
            progress.finish()
            try Backups.recordSent(copy, parent: context.parent?.id ?? "", store: store, by: operatorName)
            Output.line(String(format: "sent to %@ as off-site copy %@ in %.1f s", context.parent?.id ?? "", copy.id, Date().timeIntervalSince(start)))
        }
        return 0
    }
}

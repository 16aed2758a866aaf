import Foundation
import SyncCore
import SyncNode

/// `syncnode backup list`: the off-site copies the parent keeps for this node.
enum BackupListCommand: Command {
    static let name = "backup list"
    static let summary = "list the off-site copies of this node its parent keeps"
    static let details = "Asks the parent over mutual TLS. Restore one with 'syncnode restore --from-parent [--id ID]'."
    static let flags = NodeFlags.all + [Flag("json", help: "print JSON instead of a table")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode backup list")
        let copies = try OffsiteTransfer.list(context: context)
        if arguments.has("json") { try Output.json(copies); return 0 }
        guard !copies.isEmpty else {
            Output.line("\(context.parent?.id ?? "the parent") keeps no off-site copy of \(context.node.id) (send one: syncnode backup --to-parent)")
            return 0
        }
        let now = Date()
        var table = Table(["ID", "STORED", "AGE", "SIZE (MB)"])
        for copy in copies {
            table.add([copy.id, copy.storedAt, Timestamp.ago(Timestamp.date(millis: copy.storedAtMillis), now: now), String(format: "%.1f", Double(copy.size) / 1e6)])
        }
        Output.write(table.render())
        return 0
    }
}

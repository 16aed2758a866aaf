import Foundation
import SyncCore
import SyncEngine
import SyncNode

enum CatalogListCommand: Command {
    static let name = "catalog list"
    static let summary = "list the merged catalog this node holds (every entry of the federation)"
    static let details = "A table by default; --json prints the entries."
    static let flags = NodeFlags.all + [Flag("json", help: "print JSON")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode catalog list")
        let entries = try CatalogService(replica: try context.openReplica()).entries()
        if arguments.has("json") {
            try Output.json(entries)
            return 0
        }
        Output.line("catalog at \(context.node.id): \(entries.count) entr\(entries.count == 1 ? "y" : "ies")")
        var table = Table(["ID", "NAME", "SOURCE", "PROVIDER", "SHARE", "BACKFLOW", "FREQUENCY", "STATUS", "VERSION"])
        for e in entries {
            table.add([e.id, e.name, e.sourceNode, e.provider, e.shareType, e.backflow, e.updateFrequency, e.status, String(e.version)])
        }
        Output.write(table.render())
        return 0
    }
}

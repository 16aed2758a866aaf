import Foundation
import SyncCore
import SyncNode

/// `syncnode conflicts`: non-authority writes held at this node.
enum ConflictsCommand: Command {
    static let name = "conflicts"
    static let summary = "list conflicts: writes by a node that is not the item's authority"
    static let details = """
        A non-authority write is never applied over the authority's value (一数一源):
        it is kept here and sent toward the authority, which sees it too.
        """
    static let flags = NodeFlags.all + [Flag("json", help: "print JSON")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode conflicts")
        let conflicts = try ConflictView.all(try context.openReplica())
        if arguments.has("json") {
            try Output.json(conflicts)
            return 0
        }
        Output.line("\(conflicts.count) conflict\(conflicts.count == 1 ? "" : "s") at \(context.node.id)")
        var table = Table(["DATASET", "KEY", "ITEM", "PROPOSED BY", "PROPOSED", "CURRENT", "AUTHORITY", "RECEIVED"])
        for c in conflicts {
            table.add([c.dataset, c.key, c.item, c.origin, c.proposedValue.description, c.currentValue?.description ?? "—",
                       c.authority, String(c.receivedAt.prefix(19)).replacingOccurrences(of: "T", with: " ")])
        }
        Output.write(table.render())
        return 0
    }
}

import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode conflicts`: non-authority writes held at this node.
enum ConflictsCommand: Command {
    static let name = "conflicts"
    static let summary = "list conflicts: writes by a node that is not the item's authority"
    static let details = """
        A non-authority write is never applied over the authority's value (一数一源):
        it is kept here and sent toward the authority, which sees it too. The authority
        answers it with 'syncnode conflicts accept ID' (the proposed value becomes its own
        write and flows everywhere) or 'syncnode conflicts refuse ID --reason TEXT'; the
        outcome travels back and closes it on both sides. --closed lists the outcomes held here.
        """
    static let flags = NodeFlags.all + [Flag("json", help: "print JSON"), Flag("closed", help: "list the answered conflicts (outcomes) instead")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode conflicts")
        let replica = try context.openReplica()
        if arguments.has("closed") {
            let outcomes = try ConflictService(replica: replica).outcomes()
            if arguments.has("json") { try Output.json(outcomes); return 0 }
            var table = Table(["ID", "DATASET", "KEY", "ITEM", "PROPOSED BY", "OUTCOME", "REASON", "AT"])
            for o in outcomes {
                table.add([o.id, o.dataset, o.key, o.item, o.proposer, o.decision.rawValue, o.reason ?? "—",
                           String(o.at.prefix(19)).replacingOccurrences(of: "T", with: " ")])
            }
            Output.line("\(outcomes.count) answered conflict\(outcomes.count == 1 ? "" : "s") at \(context.node.id)")
            Output.write(table.render())
            return 0
        }
        let conflicts = try ConflictView.all(replica)
        if arguments.has("json") {
            try Output.json(conflicts)
            return 0
        }
        Output.line("\(conflicts.count) conflict\(conflicts.count == 1 ? "" : "s") at \(context.node.id)")
        var table = Table(["ID", "DATASET", "KEY", "ITEM", "PROPOSED BY", "PROPOSED", "CURRENT", "AUTHORITY", "RECEIVED"])
        for c in conflicts {
            table.add([c.id, c.dataset, c.key, c.item, c.origin, c.proposedValue.description, c.currentValue?.description ?? "—",
                       c.authority, String(c.receivedAt.prefix(19)).replacingOccurrences(of: "T", with: " ")])
        }
        Output.write(table.render())
        return 0
    }
}

import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode status`: this node, its links, datasets and conflicts; or, with
/// --tree, every node below it.
enum StatusCommand: Command {
    static let name = "status"
    static let summary = "show this node's links, lag, datasets and conflicts (--tree: its whole subtree)"
    static let details = """
        Reads the node's store directly, so it works whether or not 'serve' is running.
        For each neighbour: its state (ok, never-connected, silent, failing, stalled,
        resync-owed), when it was last heard, lag in changes and seconds, cursors, the
        last error and its certificate's expiry. Then datasets and conflicts, and what
        needs attention. --tree shows every node below this one, from the reports that
        travel up with the health exchange; silent nodes are marked.
        Exit status: 0 when all is well, 2 when something needs attention, 1 on error.
        """
    static let flags = NodeFlags.all + [
        Flag("json", help: "print JSON instead of a table"),
        Flag("tree", help: "show this node and every node below it"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode status")
        let replica = try context.openReplica()
        let status = try NodeStatus.collect(context: context, replica: replica)
        if arguments.has("tree") {
            let tree = FederationTreeStatus.collect(context: context, own: status, reports: try replica.store.read { try $0.subtreeReports(now: Date()) })
            if arguments.has("json") { try Output.json(tree) } else { Output.write(tree.rendered()) }
            return tree.allWell ? 0 : 2
        }
        if arguments.has("json") { try Output.json(status) } else { Output.write(status.rendered()) }
        return status.attention.isEmpty ? 0 : 2
    }
}

import Foundation
import SyncCore

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
        let store = try Store(path: context.databasePath, nodeID: context.node.id, federation: context.topology.federation)
        let status = try NodeStatus.collect(context: context, store: store)
        if arguments.has("tree") {
            let tree = FederationTreeStatus.collect(context: context, own: status, reports: try store.subtreeReports())
            Output.write(arguments.has("json") ? String(decoding: try JSON.encode(tree, pretty: true) as Data, as: UTF8.self) + "\n"
                                               : tree.rendered())
            return tree.allWell ? 0 : 2
        }
        Output.write(arguments.has("json") ? String(decoding: try JSON.encode(status, pretty: true) as Data, as: UTF8.self) + "\n"
                                           : status.rendered())
        return status.attention.isEmpty ? 0 : 2
    }
}

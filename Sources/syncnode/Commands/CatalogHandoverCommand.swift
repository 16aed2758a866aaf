import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode catalog handover`: hands a dataset over to another source node.
enum CatalogHandoverCommand: Command {
    static let name = "catalog handover"
    static let summary = "hand a catalog entry over to another source node (a department reorganised)"
    static let details = """
        Run at the entry's current source. The next version of the entry names the new
        source (--to) and records the handover (who, to whom, when, why) in the entry;
        from then on only the new source may publish, withdraw or hand it over, and
        records of the dataset are its to write. Every node sees the handover in the
        entry (syncnode catalog show) and takes the new source's versions only after it.
        """
    static let flags = NodeFlags.all + [
        Flag("to", value: "NODE", help: "the node that becomes the dataset's source (required)"),
        Flag("reason", value: "TEXT", help: "why, for the catalog's history"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode catalog handover"
        let context = try NodeFlags.context(arguments, command: command)
        let id = try arguments.positional("the entry's id", command: command, example: "syncnode catalog handover ... --to NODE ID")
        let target = try arguments.required("to", command: command)
        let entry = try CatalogService(replica: try context.openReplicaForCommand(arguments)).handOver(id, to: target, reason: arguments.value("reason"))
        Output.line("handed \(entry.id) \(entry.name) over to \(target) (version \(entry.version)); only \(target) may change it from now on")
        return 0
    }
}

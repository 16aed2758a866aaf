import Foundation
import SyncCore
import SyncEngine
import SyncNode

enum CatalogWithdrawCommand: Command {
    static let name = "catalog withdraw"
    static let summary = "withdraw (下架) a catalog entry: its records stop flowing, copies are kept and marked"
    static let details = "Only the entry's source node may withdraw it. Publishing it again brings it back."
    static let flags = NodeFlags.all

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode catalog withdraw")
        let id = try arguments.positional("the entry's id", command: "syncnode catalog withdraw", example: "syncnode catalog withdraw ... ID")
        let entry = try CatalogService(replica: try context.openReplicaForCommand(arguments)).withdraw(id)
        Output.line("withdrew \(entry.id) \(entry.name) (version \(entry.version)) at \(context.node.id)")
        return 0
    }
}

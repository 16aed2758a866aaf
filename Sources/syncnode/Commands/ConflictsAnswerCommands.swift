import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode conflicts accept`: the authority takes a proposed value as its own write.
enum ConflictsAcceptCommand: Command {
    static let name = "conflicts accept"
    static let summary = "accept a conflict at the item's authority: the proposed value becomes its write and flows everywhere"
    static let details = "The outcome travels back to the proposing node and closes the conflict on both sides."
    static let flags = NodeFlags.all

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode conflicts accept"
        let context = try NodeFlags.context(arguments, command: command)
        let id = try arguments.positional("the conflict's id (syncnode conflicts)", command: command, example: "\(command) ... ID")
        let outcome = try ConflictService(replica: try context.openReplicaForCommand()).accept(id)
        Output.line("accepted \(id): \(outcome.dataset)/\(outcome.key) \(outcome.item) as proposed by \(outcome.proposer), now written by \(context.node.id)")
        return 0
    }
}

/// `syncnode conflicts refuse`: the authority keeps its value.
enum ConflictsRefuseCommand: Command {
    static let name = "conflicts refuse"
    static let summary = "refuse a conflict at the item's authority, with a reason: the value stands"
    static let details = "The outcome and its reason travel back to the proposing node and close the conflict on both sides."
    static let flags = NodeFlags.all + [Flag("reason", value: "TEXT", help: "why (required)")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode conflicts refuse"
        let context = try NodeFlags.context(arguments, command: command)
        let id = try arguments.positional("the conflict's id (syncnode conflicts)", command: command, example: "\(command) ... ID --reason TEXT")
        let outcome = try ConflictService(replica: try context.openReplicaForCommand()).refuse(id, reason: try arguments.required("reason", command: command))
        Output.line("refused \(id): \(outcome.dataset)/\(outcome.key) \(outcome.item) keeps its value")
        return 0
    }
}

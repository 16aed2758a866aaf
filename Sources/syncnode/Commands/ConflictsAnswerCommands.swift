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
        return try NodeFlags.onTicket(arguments, command: command, what: "the conflict's id (syncnode conflicts)", example: "\(command) ... ID") { replica, id in
            let outcome = try ConflictService(replica: replica).accept(id)
            return "accepted \(id): \(outcome.dataset)/\(outcome.key) \(outcome.item) as proposed by \(outcome.proposer), now written by \(replica.nodeID)"
        }
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
        let reason = try arguments.required("reason", command: command)
        return try NodeFlags.onTicket(arguments, command: command, what: "the conflict's id (syncnode conflicts)", example: "\(command) ... ID --reason TEXT") { replica, id in
            let outcome = try ConflictService(replica: replica).refuse(id, reason: reason)
            return "refused \(id): \(outcome.dataset)/\(outcome.key) \(outcome.item) keeps its value"
        }
    }
}

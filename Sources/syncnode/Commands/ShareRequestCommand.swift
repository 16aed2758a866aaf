import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode share request`: ask a conditional dataset's source for its records (有条件共享申请).
enum ShareRequestCommand: Command {
    static let name = "share request"
    static let summary = "ask the source of a conditional dataset for its records (有条件共享申请)"
    static let details = """
        The request travels along the tree to the dataset's source node, which must answer
        within the policy's shareRequestDays working days (汕尾 §19: 5; 长沙 §22: 10); the hubs
        on the way and each end's own hub file it (备案, 汕尾 §20). Prints the request's id.
        A granted request brings the granted records, masked as the grant says, to this node
        only: see them with 'syncnode records --dataset ID'.
        """
    static let flags = NodeFlags.all + [
        Flag("dataset", value: "ID", help: "the conditional dataset (required)"),
        Flag("items", value: "A,B", help: "only these data items (default: every item)"),
        Flag("region", value: "CODE", help: "only records within this region code"),
        Flag("purpose", value: "TEXT", help: "what the data will be used for (用途, required)"),
        Flag("basis", value: "TEXT", help: "the duty or law the request rests on (依据, required)"),
        Flag("until", value: "YYYY-MM-DD", help: "the last day the data is needed"),
        Flag("json", help: "print the request as JSON"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode share request"
        let context = try NodeFlags.context(arguments, command: command)
        let items = arguments.value("items").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let service = ShareService(replica: try context.openReplicaForCommand(arguments))
        let ticket = try service.request(dataset: try arguments.required("dataset", command: command), items: items,
                                         region: arguments.value("region"), purpose: try arguments.required("purpose", command: command),
                                         basis: try arguments.required("basis", command: command), until: arguments.value("until"))
        if arguments.has("json") {
            try Output.json(try ShareView.all(service.replica).first { $0.id == ticket.id })
            return 0
        }
        Output.line("requested \(ticket.request.dataset) from \(ticket.request.source): request \(ticket.id), answer due by \(ticket.request.deadline)")
        return 0
    }
}

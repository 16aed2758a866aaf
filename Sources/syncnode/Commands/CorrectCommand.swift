import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode correct`: file a correction (纠错) of a record held here, for its items' authority.
enum CorrectCommand: Command {
    static let name = "correct"
    static let summary = "file a correction (纠错) of a record held here: routed to the items' authority, with deadlines"
    static let details = """
        The correction travels along the tree to the authority of the items named (一数一源),
        which must acknowledge it within correctionAcknowledgeDays working days and resolve
        it within correctionResolveDays (坪山 §24: 1 and 3; 汕尾 §27: set 5), or extend once,
        with a reason, by up to correctionExtensionDays. Unresolved past that, it escalates
        to the hub common to both sides (汕尾 §34). Prints its id.
        Example: syncnode correct ... --dataset ps-enterprise --key 9144... name=新名称 --reason "已更名"
        """
    static let flags = NodeFlags.all + [
        Flag("dataset", value: "ID", help: "the dataset (required)"),
        Flag("key", value: "K", help: "the record's key (required)"),
        Flag("reason", value: "TEXT", help: "what is wrong, and the evidence (required)"),
        Flag("json", help: "print the correction as JSON"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode correct"
        let context = try NodeFlags.context(arguments, command: command)
        let values = try pairs(arguments.positionals, command: command)
        let service = CorrectionService(replica: try context.openReplicaForCommand(arguments))
        let ticket = try service.file(dataset: try arguments.required("dataset", command: command), key: try arguments.required("key", command: command),
                                      values: values, reason: try arguments.required("reason", command: command))
        if arguments.has("json") {
            try Output.json(try CorrectionView.all(service.replica).first { $0.id == ticket.id })
            return 0
        }
        Output.line("filed correction \(ticket.id) for \(ticket.request.authority): acknowledge by \(ticket.request.acknowledgeBy ?? "—"), resolve by \(ticket.request.resolveBy)")
        return 0
    }

    /// ITEM=VALUE words as a dictionary; the error names the word that is not one.
    static func pairs(_ words: [String], command: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for pair in words {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw SyncNodeError("run '\(command)'", "'\(pair.prefix(60))' is not ITEM=VALUE", hint: "e.g. name=张三")
            }
            values[parts[0]] = parts[1]
        }
        return values
    }
}

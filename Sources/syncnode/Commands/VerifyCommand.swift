import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode verify`: does a record hold these values? (核验) Exit 0 match, 1 no match, 2 unknown, like grep.
enum VerifyCommand: Command {
    static let name = "verify"
    static let summary = "verify values against a record this node may not copy (核验): exit 0 match, 1 no match, 2 unknown"
    static let details = """
        Answered by this node when it holds the dataset, else by the nearest node above it
        that does (the source, or a hub its data is aggregated to), over mutual TLS. The
        record never travels: only match, no match (with the items that differ, never their
        values) or unknown. The answering node logs every answer: see them there with --log.
        Example: syncnode verify ... --dataset cq-population --key P001 name=张三 birthDate=1990-01-01
        """
    static let flags = NodeFlags.all + [
        Flag("dataset", value: "ID", help: "the dataset (required unless --log)"),
        Flag("key", value: "K", help: "the record's key (required unless --log)"),
        Flag("json", help: "print the answer as JSON"),
        Flag("log", help: "list the verifications this node answered, newest first"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode verify"
        let context = try NodeFlags.context(arguments, command: command)
        let replica = arguments.has("log") ? try context.openReplica() : try context.openReplicaForCommand(arguments, command: command)
        if arguments.has("log") {
            let logged = try VerificationService(replica: replica).logged()
            if arguments.has("json") { try Output.json(logged); return 0 }
            Output.line("\(logged.count) verification\(logged.count == 1 ? "" : "s") answered at \(context.node.id)")
            var table = Table(["AT", "ASKER", "DATASET", "KEY", "ITEMS", "RESULT"])
            for entry in logged {
                table.add([String((entry["at"] ?? "").prefix(19)).replacingOccurrences(of: "T", with: " "), entry["asker"] ?? "",
                           entry["dataset"] ?? "", entry["key"] ?? "", entry["items"] ?? "", entry["result"] ?? ""])
            }
            Output.write(table.render())
            return 0
        }
        let values = try CorrectCommand.pairs(arguments.positionals, command: command)
        guard !values.isEmpty else { throw SyncNodeError("run '\(command)'", "no ITEM=VALUE to verify", hint: "e.g. \(command) ... name=张三") }
        let question = VerificationService.Question(asker: context.node.id, dataset: try arguments.required("dataset", command: command),
                                                    key: try arguments.required("key", command: command), values: values)
        let answer: VerificationService.Answer
        do {
            answer = try VerificationRelay(context: context, replica: replica, log: nil).answer(question)
        } catch {
            Output.warn("error: verify \(question.dataset)/\(question.key.prefix(80)): \(error)")
            return 2
        }
        try replica.auditRead("verify asked", "\(question.dataset)/\(question.key)",
                          "about \(values.keys.sorted().joined(separator: ",")): \(answer.result.rawValue), answered by \(answer.answeredBy)")
        if arguments.has("json") {
            try Output.json(answer)
        } else {
            Output.line("\(answer.result.rawValue) (answered by \(answer.answeredBy))\(answer.detail.map { ": \($0)" } ?? "")")
        }
        switch answer.result {
        case .match: return 0
        case .noMatch: return 1
        case .unknown: return 2
        }
    }
}

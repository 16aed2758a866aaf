import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode corrections list`: corrections and notices filed, answered, held or escalated here.
enum CorrectionsListCommand: Command {
    static let name = "corrections list"
    static let summary = "list corrections (纠错) and rectification notices (整改) here: escalated and overdue first"
    static let details = """
        ROLE is filer, authority (this node answers), filed (on the way) or escalated (this is
        the hub common to both sides and the authority let the extension pass). --json prints
        objects with id, kind, dataset, key, status (filed, acknowledged, extended, resolved,
        refused), deadline, overdue, escalated, role and the authority's steps.
        """
    static let flags = NodeFlags.all + [Flag("json", help: "print JSON")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode corrections list")
        let views = try CorrectionView.all(try context.openReplica())
        if arguments.has("json") {
            try Output.json(views)
            return 0
        }
        Output.line("\(views.count) correction\(views.count == 1 ? "" : "s") at \(context.node.id)")
        var table = Table(["ID", "KIND", "DATASET / KEY", "FILER", "AUTHORITY", "ROLE", "STATUS", "DEADLINE", "PROPOSED / REASON"])
        for v in views {
            let status = v.escalated ? "ESCALATED to \(v.escalatesTo ?? "?")" : v.overdue ? "OVERDUE (\(v.status))" : v.status
            let values = v.values ?? [:]
            let pairs = values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: " ")
            let proposed = (pairs.isEmpty ? "" : pairs + " — ") + (v.steps.last?.reason ?? v.reason)
            table.add([v.id, v.kind, v.dataset + (v.key.map { "/\($0)" } ?? ""), v.filer, v.authority, v.role, status, v.deadline,
                       String(proposed.prefix(80))])
        }
        Output.write(table.render())
        return 0
    }
}

/// `syncnode corrections ack|extend|resolve|refuse`: the authority's steps.
enum CorrectionsAckCommand: Command {
    static let name = "corrections ack"
    static let summary = "acknowledge (核实) a correction at its authority"
    static let details = "The step travels back to the filer."
    static let flags = NodeFlags.all

    static func run(_ arguments: Arguments) throws -> Int32 {
        try answer(arguments, name: name) { service, id in try service.acknowledge(id) }
    }

    /// Runs one answering step on ticket ID and says what it did.
    static func answer(_ arguments: Arguments, name: String,
                       _ step: (CorrectionService, String) throws -> CorrectionTicket) throws -> Int32 {
        let command = "syncnode \(name)"
        return try NodeFlags.onTicket(arguments, command: command, what: "the correction's id (syncnode corrections list)", example: "\(command) ... ID") { replica, id in
            let ticket = try step(CorrectionService(replica: replica), id)
            return "\(id) is \(ticket.status.rawValue)\(ticket.status.isOpen ? ", to resolve by \(ticket.resolveBy)" : "") (filed by \(ticket.request.filer))"
        }
    }
}

enum CorrectionsExtendCommand: Command {
    static let name = "corrections extend"
    static let summary = "extend a correction's deadline once, with a reason, by up to the policy's correctionExtensionDays"
    static let details = "Without --until the longest extension is taken."
    static let flags = NodeFlags.all + [
        Flag("reason", value: "TEXT", help: "why more time is needed (required)"),
        Flag("until", value: "YYYY-MM-DD", help: "the new last day"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let reason = try arguments.required("reason", command: "syncnode \(name)")
        return try CorrectionsAckCommand.answer(arguments, name: name) { service, id in try service.extend(id, reason: reason, until: arguments.value("until")) }
    }
}

enum CorrectionsResolveCommand: Command {
    static let name = "corrections resolve"
    static let summary = "resolve a correction: write the proposed values (or ITEM=VALUE given here) as the authority"
    static let details = "The write flows everywhere like any of the authority's; the ticket closes on both sides. For a rectification notice, resolving says the dataset was rectified."
    static let flags = NodeFlags.all

    static func run(_ arguments: Arguments) throws -> Int32 {
        let values = try CorrectCommand.pairs(Array(arguments.positionals.dropFirst()), command: "syncnode \(name)")
        return try CorrectionsAckCommand.answer(arguments, name: name) { service, id in try service.resolve(id, values: values.isEmpty ? nil : values) }
    }
}

enum CorrectionsRefuseCommand: Command {
    static let name = "corrections refuse"
    static let summary = "refuse a correction at its authority, with a reason: the value stands"
    static let details = "The refusal and its reason travel back to the filer."
    static let flags = NodeFlags.all + [Flag("reason", value: "TEXT", help: "why (required)")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let reason = try arguments.required("reason", command: "syncnode \(name)")
        return try CorrectionsAckCommand.answer(arguments, name: name) { service, id in try service.refuse(id, reason: reason) }
    }
}

/// `syncnode quality notify`: a hub tells a source to rectify a dataset (整改通知).
enum QualityNotifyCommand: Command {
    static let name = "quality notify"
    static let summary = "issue a rectification notice (整改通知) for a dataset to its source, with a rectificationDays clock"
    static let details = """
        From a hub above the dataset's source (坪山 §14, 长沙 §18, 普陀 §13). The source answers
        it like a correction: corrections ack / extend / resolve / refuse.
        """
    static let flags = NodeFlags.all + [
        Flag("dataset", value: "ID", help: "the dataset (required)"),
        Flag("reason", value: "TEXT", help: "what must be rectified (required)"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode quality notify"
        let context = try NodeFlags.context(arguments, command: command)
        let ticket = try CorrectionService(replica: try context.openReplicaForCommand(arguments))
            .notify(dataset: try arguments.required("dataset", command: command), reason: try arguments.required("reason", command: command))
        Output.line("issued rectification notice \(ticket.id) to \(ticket.request.authority): rectify by \(ticket.request.resolveBy)")
        return 0
    }
}

import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode share grant`: the source agrees to a request, with items, masks and a last day.
enum ShareGrantCommand: Command {
    static let name = "share grant"
    static let summary = "grant a share request at the dataset's source: items, masks (脱敏), last day"
    static let details = """
        The granted items of the granted records then flow to the requester only, masked,
        from the nearest node that holds them (the lowest hub common to both), until the
        last day or a revocation; then the flow stops and the requester's copies go.
        Masks: first:N, last:N, keep:FIRST:LAST (keep those characters, star the rest),
        hash (SHA-256 with a salt of this grant), drop (leave the item out).
        Example: syncnode share grant ... ID --items personId,name --mask name=first:1 --until 2027-06-30
        """
    static let flags = NodeFlags.all + [
        Flag("items", value: "A,B", help: "grant only these of the items asked for (default: all asked for)"),
        Flag("mask", value: "ITEM=RULE", help: "mask an item (repeat for more)"),
        Flag("until", value: "YYYY-MM-DD", help: "the last day of the grant (default: the day asked for)"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode share grant"
        var masks: [String: MaskRule] = [:]
        for text in arguments.all("mask") {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw SyncNodeError("run '\(command)'", "--mask '\(text.prefix(60))' must be ITEM=RULE, e.g. name=first:1") }
            do { masks[parts[0]] = try MaskRule(parsing: parts[1]) } catch { throw SyncNodeError("run '\(command)'", "\(error)") }
        }
        let items = arguments.value("items").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        return try NodeFlags.onTicket(arguments, command: command, what: "the request's id", example: "\(command) ... ID --mask name=first:1") { replica, id in
            let ticket = try ShareService(replica: replica).grant(id, items: items, masks: masks, until: arguments.value("until"))
            let masked = masks.isEmpty ? "unmasked" : "masked " + masks.keys.sorted().map { "\($0)=\(masks[$0]!)" }.joined(separator: " ")
            return "granted \(id) to \(ticket.request.requester): \(masked)\(ticket.answer?.until.map { ", until \($0)" } ?? "")"
        }
    }
}

/// `syncnode share refuse`: the source refuses a request, with its legal basis.
enum ShareRefuseCommand: Command {
    static let name = "share refuse"
    static let summary = "refuse a share request at the dataset's source, with its legal basis"
    static let details = "The refusal and its basis travel back to the requester (汕尾 §19)."
    static let flags = NodeFlags.all + [Flag("basis", value: "TEXT", help: "the legal basis of the refusal (required)")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode share refuse"
        let basis = try arguments.required("basis", command: command)
        return try NodeFlags.onTicket(arguments, command: command, what: "the request's id", example: "\(command) ... ID --basis TEXT") { replica, id in
            "refused \(id) of \(try ShareService(replica: replica).refuse(id, basis: basis).request.requester)"
        }
    }
}

/// `syncnode share revoke`: the source ends a grant before its last day.
enum ShareRevokeCommand: Command {
    static let name = "share revoke"
    static let summary = "revoke a grant at the dataset's source: the flow stops and the requester's copies go"
    static let details = "The policy's grantEnd decides whether the copies are removed (default) or kept, marked ended."
    static let flags = NodeFlags.all + [Flag("reason", value: "TEXT", help: "why (required)")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode share revoke"
        let reason = try arguments.required("reason", command: command)
        return try NodeFlags.onTicket(arguments, command: command, what: "the request's id", example: "\(command) ... ID --reason TEXT") { replica, id in
            "revoked \(id) of \(try ShareService(replica: replica).revoke(id, reason: reason).request.requester)"
        }
    }
}

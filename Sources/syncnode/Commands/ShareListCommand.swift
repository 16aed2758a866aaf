import Foundation
import SyncCore
import SyncNode

/// `syncnode share list`: the share requests this node made, must answer, or filed.
enum ShareListCommand: Command {
    static let name = "share list"
    static let summary = "list share requests made, answered or filed (备案) here: overdue first"
    static let details = """
        ROLE is requester, source (this node answers) or filed (a hub on the way). Pending
        requests show the working days left; overdue ones come first. --json prints an array
        of objects with id, dataset, requester, source, status (pending, granted, refused,
        expired, revoked), deadline, overdue, role and the answer's details.
        """
    static let flags = NodeFlags.all + [Flag("json", help: "print JSON")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode share list")
        let views = try ShareView.all(try context.openReplica())
        if arguments.has("json") {
            try Output.json(views)
            return 0
        }
        Output.line("\(views.count) share request\(views.count == 1 ? "" : "s") at \(context.node.id)")
        var table = Table(["ID", "DATASET", "REQUESTER", "SOURCE", "ROLE", "STATUS", "DEADLINE", "ITEMS / MASKS", "USE"])
        for v in views {
            var status = v.status
            if v.overdue { status = "OVERDUE" } else if let left = v.workingDaysLeft { status += " (\(left) working days left)" }
            if v.status == "granted" || v.status == "expired", let until = v.until { status += " until \(until)" }
            var items = (v.grantedItems ?? v.items).map { $0.joined(separator: ",") } ?? "all"
            if let masks = v.masks { items += " [" + masks.keys.sorted().map { "\($0)=\(masks[$0]!)" }.joined(separator: " ") + "]" }
            if let basis = v.answerBasis { items += " — \(basis)" }
            table.add([v.id, v.dataset + (v.region.map { " (\($0))" } ?? ""), v.requester, v.source, v.role, status, v.deadline,
                       String(items.prefix(90)), v.usage.map { "\($0.reads) reads, \($0.exports) exports" } ?? "—"])
        }
        Output.write(table.render())
        return 0
    }
}

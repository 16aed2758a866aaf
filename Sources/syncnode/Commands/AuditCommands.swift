import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode audit list`: what was done at this node, by whom.
enum AuditListCommand: Command {
    static let name = "audit list"
    static let summary = "list this node's audit log: every write, import, export, query, publish, answer and exchange, with its operator"
    static let details = """
        The log is append-only and hash-chained: each entry carries the hash of the one before
        ('syncnode audit verify' checks it). Operators are named by --operator, the
        configuration file's "operator" or SYNCNODE_OPERATOR; what the node does by itself
        (serving its neighbours' pushes and pulls, reloading its certificate) is by 'syncnode'.
        """
    static let flags = NodeFlags.all + [
        Flag("since", value: "YYYY-MM-DD", help: "only entries from this day on (UTC+8)"),
        Flag("action", value: "TEXT", help: "only entries whose action starts with TEXT (e.g. export)"),
        Flag("limit", value: "N", help: "at most the newest N entries (default: 100 in the table, all with --json)"),
        Flag("json", help: "print JSON"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode audit list"
        let context = try NodeFlags.context(arguments, command: command)
        let json = arguments.has("json")
        let limit = try arguments.int("limit", default: json ? Int.max : 100, command: command)
        var since: Int64 = 0
        if let text = arguments.value("since") {
            guard let day = CivilDate(text) else { throw SyncNodeError("run '\(command)'", "--since '\(text.prefix(20))' is not a date (YYYY-MM-DD)") }
            since = Int64((day.endOfDay.timeIntervalSince1970 - 86_400) * 1000)
        }
        let replica = try context.openReplica()
        var entries: [AuditEntry] = []
        var after: Int64 = 0
        while true {
            let page = try replica.store.read { try $0.auditEntries(after: after, limit: 10_000) }
            entries += page.filter { $0.at >= since && (arguments.value("action").map($0.action.hasPrefix) ?? true) }
            if entries.count > limit { entries.removeFirst(entries.count - limit) }
            guard let last = page.last else { break }
            after = last.seq
        }
        if json {
            try Output.json(entries)
            return 0
        }
        Output.line("audit log of \(context.node.id): \(after) entries\(entries.count < after ? ", \(entries.count) shown" : "")")
        var table = Table(["SEQ", "AT (UTC)", "BY", "ACTION", "SUBJECT", "DETAIL"])
        for e in entries {
            table.add([String(e.seq), String(Timestamp.iso(Timestamp.date(millis: e.at)).prefix(19)).replacingOccurrences(of: "T", with: " "),
                       e.by, e.action, String(e.subject.prefix(40)), String(e.detail.prefix(90))])
        }
        Output.write(table.render())
        return 0
    }
}

/// `syncnode audit verify`: the chain is whole, and matches the heads the parent kept.
enum AuditVerifyCommand: Command {
    static let name = "audit verify"
    static let summary = "check this node's audit log: every entry's hash and link, and with --against-parent the heads its parent kept"
    static let details = """
        Finds a changed byte (the entry's hash no longer matches), a removed entry (a gap, a broken
        link) and a moved or inserted one, and names the entry. With --against-parent it asks the
        parent (over mutual TLS) for the signed heads this node sent with its health messages: a
        log rewritten after a head was sent no longer has that hash at that place.
        Exit status 0 when intact, 1 when not.
        """
    static let flags = NodeFlags.all + [Flag("against-parent", help: "also check against the heads the parent kept")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode audit verify"
        let context = try NodeFlags.context(arguments, command: command)
        let replica = try context.openReplica()
        var problems: [String] = []
        var previous = AuditChain.genesis
        var next: Int64 = 1
        var hashes: [Int64: String] = [:]
        while true {
            let page = try replica.store.read { try $0.auditEntries(after: next - 1, limit: 10_000) }
            guard let last = page.last else { break }
            problems += AuditChain.problems(page, previous: previous, firstSeq: next)
            for entry in page { hashes[entry.seq] = entry.hash }
            previous = last.hash
            next = last.seq + 1
        }
        let count = next - 1
        if arguments.has("against-parent") {
            let heads = try AuditHeads.keptByParent(context: context)
            for head in heads {
                let at = head.at.map { Timestamp.iso(Timestamp.date(millis: $0)) } ?? "?"
                guard let held = hashes[head.seq] else {
                    problems.append("the parent kept entry \(head.seq) (received \(at)); this log has no such entry: it was cut after that")
                    continue
                }
                if held != head.hash {
                    problems.append("the parent kept entry \(head.seq) with hash \(head.hash.prefix(16))… (received \(at)); this log has \(held.prefix(16))… there: it was rewritten after that")
                }
            }
            Output.line("checked against \(heads.count) head\(heads.count == 1 ? "" : "s") kept by \(context.parent?.id ?? "the parent")")
        }
        if problems.isEmpty {
            Output.line("audit log of \(context.node.id): \(count) entries, chain intact (head \(count): \(previous.prefix(16))…)")
            return 0
        }
        Output.line("audit log of \(context.node.id): \(count) entries, NOT intact:")
        for problem in problems.prefix(50) { Output.line("  ✗ \(problem)") }
        if problems.count > 50 { Output.line("  … and \(problems.count - 50) more") }
        return 1
    }
}

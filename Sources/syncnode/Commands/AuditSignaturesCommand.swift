import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode audit signatures`: who wrote what this node holds, checked again now.
enum AuditSignaturesCommand: Command {
    static let name = "audit signatures"
    static let summary = "check the origin's signature of every change this node holds, and say who signed what"
    static let details = """
        Every change is signed by the node that made it (in blocks of up to 256, ECDSA P-256 with
        its certificate) and kept here with its block. This checks each live change again, from
        the database: its hash is its place in the block, the block's signature verifies with the
        certificate, the federation CA issued that certificate and it names the change's origin.
        Prints, per dataset and origin, how many changes verify. With --key, each change of that
        record. Exit status 0 when every change verifies, 1 when any does not (or is unsigned).
        """
    static let flags = NodeFlags.all + [
        Flag("dataset", value: "ID", help: "only this dataset (reserved ones too: _catalog, _shares, …)"),
        Flag("key", value: "KEY", help: "list each change of this record (with --dataset)"),
        Flag("json", help: "print JSON"),
    ]

    struct Tally: Encodable {
        var dataset: String
        var origin: String
        var changes = 0
        var verified = 0
        var problems: [String] = []
    }

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode audit signatures"
        let context = try NodeFlags.context(arguments, command: command)
        let dataset = arguments.value("dataset"), key = arguments.value("key")
        if key != nil && dataset == nil { throw SyncNodeError("run '\(command)'", "--key needs --dataset") }
        let replica = try context.openReplica()
        guard let signer = replica.signer else { throw SyncNodeError("run '\(command)'", "this node has no signer") }
        var tallies: [String: Tally] = [:]
        var rows: [[String]] = []
        var position: ResyncPosition? = ResyncPosition(reserved: true, seq: 0)
        while let at = position {
            let page = try replica.store.read { reader in
                try reader.liveEntries(after: at, limit: 10_000, scanLimit: 10_000) { id, _ in dataset.map { $0 == id } ?? true }
            }
            for entry in page.entries {
                guard let encoded = try? ChangeCodec.decode(entry.body) else {
                    tallies["\(entry.dataset)|?", default: Tally(dataset: entry.dataset, origin: "?")].problems.append("log entry \(entry.seq) is unreadable")
                    continue
                }
                let change = encoded.change
                if let key, change.key != key { continue }
                let problem = ProvenanceCheck.problem(with: encoded, proof: entry.proof, signer: signer)
                var tally = tallies["\(change.dataset)|\(change.origin)"] ?? Tally(dataset: change.dataset, origin: change.origin)
                tally.changes += 1
                if let problem { tally.problems.append("\(change.dataset)/\(change.key.prefix(60)) (log \(entry.seq)): \(problem)") } else { tally.verified += 1 }
                tallies["\(change.dataset)|\(change.origin)"] = tally
                if key != nil {
                    rows.append([String(entry.seq), change.origin, entry.proof.map { "\($0.leaf + 1) of \($0.block.count)" } ?? "-",
                                 problem.map { "✗ \($0)" } ?? "✓ signed by \(change.origin)"])
                }
            }
            if let last = page.lastScanned {
                position = ResyncPosition(reserved: at.reserved, seq: last)
            } else {
                position = at.reserved ? ResyncPosition(reserved: false, seq: 0) : nil
            }
        }
        let all = tallies.values.sorted { ($0.dataset, $0.origin) < ($1.dataset, $1.origin) }
        let failing = all.reduce(0) { $0 + $1.problems.count }
        if arguments.has("json") {
            try Output.json(all)
            return failing == 0 ? 0 : 1
        }
        if let key, let dataset {
            Output.line("changes of \(dataset)/\(key) held by \(context.node.id):")
            var table = Table(["LOG", "ORIGIN", "PLACE IN BLOCK", "SIGNATURE"])
            for row in rows { table.add(row) }
            Output.write(table.render())
        } else {
            var table = Table(["DATASET", "ORIGIN", "CHANGES", "VERIFIED", "NOT"])
            for t in all { table.add([t.dataset, t.origin, String(t.changes), String(t.verified), t.problems.isEmpty ? "" : String(t.problems.count)]) }
            Output.write(table.render())
        }
        let total = all.reduce(0) { $0 + $1.changes }
        if failing == 0 {
            Output.line("\(total) change\(total == 1 ? "" : "s") held by \(context.node.id): every one signed by its origin")
            return 0
        }
        Output.line("\(failing) of \(total) changes held by \(context.node.id) do NOT verify:")
        for problem in all.flatMap(\.problems).prefix(50) { Output.line("  ✗ \(problem)") }
        return 1
    }
}

import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode records`: the records this node holds of a dataset.
enum RecordsCommand: Command {
    static let name = "records"
    static let summary = "list the records this node holds of a dataset"
    static let details = """
        A table of key, region and values; --json prints one object per record with each item's stamp.
        Records granted to this node by a share request (有条件共享) are listed after its own,
        masked as the grant says, while the grant runs; each listing counts as a use that the
        source sees (使用情况反馈).
        """
    static let flags = NodeFlags.all + [
        Flag("dataset", value: "ID", help: "the dataset (required)"),
        Flag("region", value: "PREFIX", help: "only records whose region code starts with PREFIX"),
        Flag("limit", value: "N", help: "at most N records (default: 50 in the table, all with --json)"),
        Flag("json", help: "print JSON"),
        Flag("deleted", help: "include deletions still held as tombstones (until every neighbour has them and the retention passed)"),
    ]

    struct Entry: Encodable {
        var key: String
        var region: String
        var values: [String: JSONValue]
        var stamps: [String: String]
        /// The deletion's stamp, for a tombstone.
        var deleted: String?
        /// The share request whose grant brought this copy here.
        var grant: String?
    }

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode records"
        let context = try NodeFlags.context(arguments, command: command)
        let dataset = try arguments.required("dataset", command: command)
        let json = arguments.has("json")
        let limit = try arguments.int("limit", default: json ? Int.max : 50, command: command)
        let replica = try context.openReplicaForCommand(arguments, command: command)
        let shares = ShareService(replica: replica)
        let grants = dataset.hasPrefix("_") ? [] : try shares.usableGrants(dataset: dataset)
        var records: [(key: String, state: RecordState, grant: String?)] = []
        for (name, grant) in [(dataset, nil as String?)] + grants.map({ (ShareTicket.grantDataset($0.id), $0.id as String?) }) {
            let found = try replica.store.read {
                try $0.records(dataset: name, regionPrefix: arguments.value("region") ?? "", includeDeleted: arguments.has("deleted"),
                               limit: max(0, limit - records.count))
            }
            records += found.map { ($0.key, $0.state, grant) }
            if let ticket = grants.first(where: { $0.id == grant }), !found.isEmpty {
                try replica.evenWhenFull("the use of grant \(ticket.id) is not counted") { try shares.recordUse(of: ticket, reads: found.count) }
            }
        }
        try replica.auditRead("records", dataset, "\(records.count) records listed\(arguments.value("region").map { " in region \($0)" } ?? "")"
                          + (grants.isEmpty ? "" : "; granted copies under \(grants.map(\.id).joined(separator: ", "))"))
        if json {
            let entries = records.map { Entry(key: $0.key, region: $0.state.region.code, values: $0.state.values,
                                              stamps: $0.state.items.mapValues(\.stamp.description),
                                              deleted: $0.state.isDeleted ? $0.state.tombstone?.description : nil, grant: $0.grant) }
            try Output.json(entries)
            return 0
        }
        let stats = try replica.store.read { try $0.datasetStats() }
        let total = stats[dataset]?.records ?? 0
        Output.line("\(dataset) at \(context.node.id): \(total) record\(total == 1 ? "" : "s")"
                    + grants.map { ", \(stats[ShareTicket.grantDataset($0.id)]?.records ?? 0) granted by request \($0.id) (masked)" }.joined())
        var table = Table(["KEY", "REGION", "VALUES"] + (grants.isEmpty ? [] : ["GRANT"]))
        for (key, state, grant) in records {
            let values = state.items.keys.sorted().map { "\($0)=\(state.items[$0]!.value)" }.joined(separator: " ")
            table.add([key, state.region.code, state.isDeleted ? "(deleted)" : String(values.prefix(100))] + (grants.isEmpty ? [] : [grant ?? "—"]))
        }
        Output.write(table.render())
        return 0
    }
}

import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode records`: the records this node holds of a dataset.
enum RecordsCommand: Command {
    static let name = "records"
    static let summary = "list the records this node holds of a dataset"
    static let details = "A table of key, region and values; --json prints one object per record with each item's stamp."
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
    }

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode records"
        let context = try NodeFlags.context(arguments, command: command)
        let dataset = try arguments.required("dataset", command: command)
        let json = arguments.has("json")
        let limit = try arguments.int("limit", default: json ? Int.max : 50, command: command)
        let replica = try context.openReplica()
        let records = try replica.store.read {
            try $0.records(dataset: dataset, regionPrefix: arguments.value("region") ?? "", includeDeleted: arguments.has("deleted"), limit: limit)
        }
        if json {
            let entries = records.map { Entry(key: $0.key, region: $0.state.region.code, values: $0.state.values,
                                              stamps: $0.state.items.mapValues(\.stamp.description),
                                              deleted: $0.state.isDeleted ? $0.state.tombstone?.description : nil) }
            try Output.json(entries)
            return 0
        }
        let total = try replica.store.read { try $0.datasetStats()[dataset]?.records } ?? 0
        Output.line("\(dataset) at \(context.node.id): \(total) record\(total == 1 ? "" : "s")")
        var table = Table(["KEY", "REGION", "VALUES"])
        for (key, state) in records {
            let values = state.items.keys.sorted().map { "\($0)=\(state.items[$0]!.value)" }.joined(separator: " ")
            table.add([key, state.region.code, state.isDeleted ? "(deleted)" : String(values.prefix(100))])
        }
        Output.write(table.render())
        return 0
    }
}

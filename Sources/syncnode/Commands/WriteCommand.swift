import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode write`: writes or deletes one record at this node.
enum WriteCommand: Command {
    static let name = "write"
    static let summary = "write or delete one record at this node (as its source, or as a proposal)"
    static let details = """
        Writes ITEM=VALUE pairs as one record of --dataset; the key and region items
        are required. Items this node is the authority for (一数一源) become the
        record's values and replicate; others are kept as conflicts addressed to
        their authority. --delete KEY deletes a record (only its source may).
        Works whether or not 'serve' is running; a running node sends it on at once.
        To load a file, use 'syncnode import'.
        """
    static let flags = NodeFlags.all + [
        Flag("dataset", value: "ID", help: "the dataset to write (required)"),
        Flag("delete", value: "KEY", help: "delete the record with this key instead of writing"),
        Flag("jsonl", value: "FILE", help: "write every line of FILE (one JSON object of items per line) in one transaction"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode write"
        let context = try NodeFlags.context(arguments, command: command)
        let datasetID = try arguments.required("dataset", command: command)
        let replica = try context.openReplicaForCommand(arguments)
        let writer = LocalWriter(replica: replica)
        if let key = arguments.value("delete") {
            try writer.delete(dataset: datasetID, key: key)
            Output.line("deleted \(datasetID)/\(key) at \(context.node.id)")
            return 0
        }
        guard let dataset = try replica.datasets().first(where: { $0.definition.id == datasetID })?.definition else {
            throw SyncNodeError("write to '\(datasetID)'", "no such dataset: it has no published catalog entry at \(context.node.id)",
                                hint: "datasets are: \(try replica.datasets().map(\.definition.id).joined(separator: ", "))")
        }
        if let file = arguments.value("jsonl") {
            let rows = try readJSONLines(file)
            let outcome = try writer.write(dataset: datasetID, rows: rows)
            Output.line("wrote \(rows.count) records of \(datasetID) at \(context.node.id)"
                        + (outcome.proposed.isEmpty ? "" : "; items \(outcome.proposed.joined(separator: ", ")) kept as conflicts"))
            return 0
        }
        var values: [String: JSONValue] = [:]
        for pair in arguments.positionals {
            guard let eq = pair.firstIndex(of: "=") else {
                throw SyncNodeError("write to '\(datasetID)'", "'\(pair)' is not ITEM=VALUE")
            }
            let name = String(pair[..<eq]), text = String(pair[pair.index(after: eq)...])
            guard let item = dataset.item(name) else {
                throw SyncNodeError("write to '\(datasetID)'", "no data item '\(name)'",
                                    hint: "items are: \(dataset.items.map(\.name).joined(separator: ", "))")
            }
            guard let value = ValueCheck.parse(text, for: item) else {
                throw SyncNodeError("write to '\(datasetID)'", "item '\(name)': '\(text)' is not of type \(item.type.rawValue)")
            }
            values[name] = value
        }
        let outcome = try writer.write(dataset: datasetID, values: values)
        let key = values[dataset.keyItem]?.description ?? ""
        if !outcome.applied.isEmpty {
            Output.line("wrote \(datasetID)/\(key) at \(context.node.id): \(outcome.applied.joined(separator: ", "))")
        }
        if !outcome.proposed.isEmpty {
            let authorities = Set(outcome.proposed.map { dataset.authority(for: $0) }).sorted()
            Output.line("conflict: \(context.node.id) is not the authority for \(outcome.proposed.joined(separator: ", ")); "
                        + "kept as a conflict addressed to \(authorities.joined(separator: ", ")) (see syncnode conflicts)")
        }
        return 0
    }
}

/// Reads a JSON-lines file of item objects; an unreadable line names its number.
func readJSONLines(_ path: String) throws -> [[String: JSONValue]] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw SyncNodeError("read \(path)", "the file cannot be read", hint: "check the path")
    }
    var rows: [[String: JSONValue]] = []
    for (number, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
    where !line.allSatisfy({ $0 == 32 || $0 == 13 || $0 == 9 }) {
        do {
            guard let members = try JSONNode.parse(Array(line)).members else { throw WireError("not a JSON object") }
            var row: [String: JSONValue] = [:]
            for (name, value) in members { row[name] = try JSONValue(node: value) }
            rows.append(row)
        } catch {
            throw SyncNodeError("read \(path)", "line \(number + 1) is not a JSON object of item values: \(error)")
        }
    }
    return rows
}

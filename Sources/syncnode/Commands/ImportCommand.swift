import Foundation
import SyncCore
import Posix
import SyncEngine
import SyncNode
import TextEncoding

/// `syncnode import`: loads a file of records at their source node, all or nothing.
enum ImportCommand: Command {
    static let name = "import"
    static let summary = "load a CSV or JSON-lines file into a dataset at this node, all rows or none"
    static let details = """
        CSV needs a header row of item names; JSON lines hold one object of item values
        per line. The file is read in a stream (its size does not matter) and decoded
        from UTF-8 or GB18030 (detected, or chosen with --encoding). Every row is checked
        against the dataset's catalog entry: unknown item, wrong type, bad date, missing
        key or region, region outside this node's area. If any row is wrong nothing is
        applied, the errors are listed (all of them with --report FILE) and the exit status
        is 1. Items this node is not the authority for become conflicts. Works whether or
        not 'serve' runs; while a large import runs, the node's replication waits for it.
        """
    static let flags = NodeFlags.all + [
        Flag("dataset", value: "ID", help: "the dataset to load (required)"),
        Flag("format", value: "csv|jsonl", help: "the file's format (default: from its extension, else csv)"),
        Flag("encoding", value: "auto|utf-8|gb18030", help: "the file's text encoding (default: auto)"),
        Flag("report", value: "FILE", help: "write every row error to FILE"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode import"
        let context = try NodeFlags.context(arguments, command: command)
        let datasetID = try arguments.required("dataset", command: command)
        let path = try arguments.positional("the file to import", command: command, example: "syncnode import ... --dataset ID FILE")
        let formatName = arguments.value("format") ?? (path.lowercased().hasSuffix(".jsonl") || path.lowercased().hasSuffix(".ndjson") ? "jsonl" : "csv")
        guard let format = RowSource.Format(rawValue: formatName) else {
            throw SyncNodeError("run '\(command)'", "--format must be csv or jsonl, not '\(formatName)'")
        }
        let encoding = (arguments.value("encoding") ?? "auto").lowercased()
        guard ["auto", "utf-8", "utf8", "gb18030"].contains(encoding) else {
            throw SyncNodeError("run '\(command)'", "--encoding must be auto, utf-8 or gb18030, not '\(encoding)'")
        }
        let replica = try context.openReplicaForCommand(arguments)
        guard let dataset = try replica.dataset(datasetID)?.definition else {
            throw SyncNodeError("import into '\(datasetID)'", "no published catalog entry for it at \(context.node.id)",
                                hint: "publish it first: syncnode catalog publish")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let progress = Progress(total: size, label: "\(datasetID) ← \((path as NSString).lastPathComponent)")
        let source = RowSource(path: path, format: format, encoding: encoding == "utf8" ? "utf-8" : encoding, dataset: dataset)
        var errors: [RowError] = []
        var rows = 0
        let start = Date()
        struct Rejected: Error {}
        do {
            try LocalWriter(replica: replica).bulkWrite(dataset: datasetID, action: "import") { writer in
                // Reading, checking and encoding rows on one core, writing them on the other.
                let ahead = RowReadAhead(source: source, replica: replica)
                defer { ahead.close() }
                while let batch = try ahead.next() {
                    for item in batch.items {
                        rows += 1
                        switch item {
                        case .row(let line, let row):
                            do { try writer.writePrepared(row) } catch let error as ReplicationError {
                                errors.append(RowError(row: line, item: nil, message: error.message))
                            }
                        case .failed(let error):
                            errors.append(error)
                        }
                    }
                    progress.update(bytes: batch.bytesRead, rows: rows)
                    ahead.done(with: consume batch)   // its last reference: freed on the reading thread
                }
                if !errors.isEmpty { throw Rejected() }   // rolls the whole import back
            }
        } catch is Rejected {
            progress.finish()
            return try reject(path: path, rows: rows, errors: errors, report: arguments.value("report"))
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        Output.line(String(format: "imported %d rows of %@ from %@ at %@ in %.1f s (%.0f rows/s)", rows, datasetID, path,
                           context.node.id, seconds, Double(rows) / max(seconds, 0.001)))
        return 0
    }

    static func reject(path: String, rows: Int, errors: [RowError], report: String?) throws -> Int32 {
        let lines = errors.map { "\(path): \($0)" }
        if let report {
            try Files.write(lines.joined(separator: "\n") + "\n", to: report)
        }
        var message = "import of \(path) refused: \(errors.count) of \(rows) rows have errors; nothing was applied\n"
        message += lines.prefix(10).map { "  \($0)\n" }.joined()
        if errors.count > 10 { message += "  … and \(errors.count - 10) more\n" }
        message += report.map { "  every error is in \($0)\n" } ?? "  hint: --report FILE writes every error\n"
        FileHandle.standardError.write(Data(message.utf8))
        return 1
    }
}

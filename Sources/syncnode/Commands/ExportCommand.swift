import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode export`: what this node holds of a dataset, as CSV or JSON lines.
enum ExportCommand: Command {
    static let name = "export"
    static let summary = "write the records this node holds of a dataset as CSV or JSON lines"
    static let details = """
        CSV has a header row of the catalog entry's item names; JSON lines have one object
        per record whose keys are the item names. Streams to standard output or --out FILE.
        A CSV text cell a spreadsheet would run as a formula (it starts with =, +, -, @)
        is written with a leading apostrophe. Records granted to this node by a share
        request follow its own, masked, while the grant runs; the export is reported to
        the source as a use (使用情况反馈).
        Works whether or not 'serve' runs.
        """
    static let flags = NodeFlags.all + [
        Flag("dataset", value: "ID", help: "the dataset (required)"),
        Flag("format", value: "csv|jsonl", help: "output format (default: csv)"),
        Flag("region", value: "CODE", help: "only records within this region (a 2-, 4- or 6-digit prefix)"),
        Flag("out", value: "FILE", help: "write to FILE instead of standard output"),
        Flag("purpose", value: "TEXT", help: "what the data is for (default: $SYNCNODE_PURPOSE); required for data received from other nodes, and audited"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode export"
        let context = try NodeFlags.context(arguments, command: command)
        let datasetID = try arguments.required("dataset", command: command)
        let format = arguments.value("format") ?? "csv"
        guard format == "csv" || format == "jsonl" else { throw SyncNodeError("run '\(command)'", "--format must be csv or jsonl") }
        let replica = try context.openReplicaForCommand(arguments, command: command)
        guard let dataset = try replica.dataset(datasetID)?.definition else {
            throw SyncNodeError("export '\(datasetID)'", "no published catalog entry for it at \(context.node.id)", hint: "see syncnode catalog list")
        }
        // Data received from others leaves only for a stated purpose (长沙 §22, 新昌 一(六): no side channel).
        let purpose = (arguments.value("purpose") ?? ProcessInfo.processInfo.environment["SYNCNODE_PURPOSE"])?.trimmingCharacters(in: .whitespaces)
        if dataset.sourceNode != context.node.id, purpose?.isEmpty ?? true {
            throw SyncNodeError("export '\(datasetID)'", "its source is \(dataset.sourceNode): data received from other nodes is exported only for a stated purpose",
                                hint: "pass --purpose TEXT (or set SYNCNODE_PURPOSE); it is kept in the audit log")
        }
        var prefix = arguments.value("region") ?? ""
        if let code = try? RegionCode(prefix) { prefix = String(code.prefix(at: code.level)) }
        guard prefix.allSatisfy(\.isNumber), prefix.count <= 6 else {
            throw SyncNodeError("export '\(datasetID)'", "--region must be a region code or its 2-, 4- or 6-digit prefix, not '\(prefix)'")
        }
        let sink: FileHandle
        if let out = arguments.value("out") {
            guard FileManager.default.createFile(atPath: out, contents: nil), let handle = FileHandle(forWritingAtPath: out) else {
                throw SyncNodeError("write \(out)", "the file cannot be created", hint: "check the directory exists and is writable")
            }
            sink = handle
        } else {
            sink = .standardOutput
        }
        let names = dataset.items.map(\.name)
        var buffer = [UInt8]()
        if format == "csv" { buffer += Array((names.map(CSVReader.escape).joined(separator: ",") + "\n").utf8) }
        var count = 0
        let shares = ShareService(replica: replica)
        let grants = try shares.usableGrants(dataset: datasetID)
        for name in [datasetID] + grants.map({ ShareTicket.grantDataset($0.id) }) { try replica.store.read { try $0.forEachRecord(dataset: name, regionPrefix: prefix) { _, state in
            count += 1
            if format == "csv" {
                let fields = names.map { name -> String in
                    switch state.items[name]?.value {
                    case nil, .null?: return ""
                    case .string(let text)?: return CSVReader.exportCell(text)
                    case let value?: return CSVReader.escape(value.description)
                    }
                }
                buffer += Array((fields.joined(separator: ",") + "\n").utf8)
            } else {
                var w = JSONWriter()
                w.raw("{")
                for (i, name) in names.enumerated() where state.items[name] != nil {
                    if i > 0 && w.bytes.count > 1 { w.comma() }
                    w.key(name)
                    state.items[name]!.value.write(to: &w)
                }
                w.raw("}\n")
                buffer += w.bytes
            }
            if buffer.count > 1 << 20 { sink.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
        } } }
        for ticket in grants {
            try replica.evenWhenFull("the use of grant \(ticket.id) is not counted") { try shares.recordUse(of: ticket, exports: 1) }
        }
        try replica.auditRead("export", datasetID, "\(count) records as \(format)\(arguments.value("out").map { " to \($0)" } ?? " to standard output")"
                          + (prefix.isEmpty ? "" : ", region \(prefix)") + (purpose.map { "; purpose: \($0)" } ?? ""))
        sink.write(Data(buffer))
        if arguments.value("out") != nil {
            try sink.close()
            Output.line("exported \(count) records of \(datasetID) to \(arguments.value("out")!)")
        }
        return 0
    }
}

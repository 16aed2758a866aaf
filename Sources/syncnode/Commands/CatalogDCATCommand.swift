import Foundation
import SyncCore
import SyncEngine
import SyncNode

enum CatalogDCATCommand: Command {
    static let name = "catalog dcat"
    static let summary = "export the merged catalog as DCAT (JSON-LD) for tools outside the federation"
    static let details = """
        A dcat:Catalog whose dcat:dataset are the entries, fields mapped to DCAT, Dublin Core and vCard terms.
        Only entries whose open type (开放属性) allows opening are listed — not those marked none —
        unless --internal asks for the federation's internal catalog.
        """
    static let flags = NodeFlags.all + [Flag("out", value: "FILE", help: "write to FILE instead of standard output"),
                                        Flag("internal", help: "list every entry, those not to be opened too (for use inside the federation)")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode catalog dcat")
        let everything = arguments.has("internal")
        let entries = try CatalogService(replica: try context.openReplica()).entries()
            .filter { $0.status != "draft" && (everything || $0.openType != "none") }
        let text = try DCAT.document(federation: context.topology.federation, entries: entries, topology: context.topology)
        if let out = arguments.value("out") {
            try Files.write(text, to: out)
            Output.line("wrote \(entries.count) entries as DCAT to \(out)")
        } else {
            Output.write(text)
        }
        return 0
    }
}

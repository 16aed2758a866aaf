import Foundation
import SyncCore

/// `syncnode catalog publish|withdraw|list|show|dcat`: the resource catalog (资源目录).
enum CatalogPublishCommand: Command {
    static let name = "catalog publish"
    static let summary = "publish a catalog entry (or a new version of one) at its source node"
    static let details = """
        Reads one entry (JSON, the fields of a 资源目录条目) from FILE, checks every rule
        and publishes it: version 1, or the next version when the entry exists (a
        change). Only the entry's sourceNode may publish it. The entry flows up to the
        province and down to every node. Records of a dataset flow only once its entry
        is published.
        """
    static let flags = NodeFlags.all

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode catalog publish")
        let file = try arguments.positional("the entry's JSON file", command: "syncnode catalog publish", example: "syncnode catalog publish ... entry.json")
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SyncNodeError("read \(file)", "the file cannot be read", hint: "check the path")
        }
        var entry: CatalogEntry
        do { entry = try JSON.decode(CatalogEntry.self, from: data) } catch {
            throw SyncNodeError("read catalog entry \(file)", describe(error), hint: "see README for the entry's fields")
        }
        if entry.status.isEmpty { entry.status = "published" }
        let published = try Replica.open(context).publish(entry)
        Output.line("published \(published.id) \(published.name) version \(published.version) at \(context.node.id)")
        return 0
    }
}

enum CatalogWithdrawCommand: Command {
    static let name = "catalog withdraw"
    static let summary = "withdraw (下架) a catalog entry: its records stop flowing, copies are kept and marked"
    static let details = "Only the entry's source node may withdraw it. Publishing it again brings it back."
    static let flags = NodeFlags.all

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode catalog withdraw")
        let id = try arguments.positional("the entry's id", command: "syncnode catalog withdraw", example: "syncnode catalog withdraw ... ID")
        let entry = try Replica.open(context).withdraw(id)
        Output.line("withdrew \(entry.id) \(entry.name) (version \(entry.version)) at \(context.node.id)")
        return 0
    }
}

enum CatalogListCommand: Command {
    static let name = "catalog list"
    static let summary = "list the merged catalog this node holds (every entry of the federation)"
    static let details = "A table by default; --json prints the entries."
    static let flags = NodeFlags.all + [Flag("json", help: "print JSON")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode catalog list")
        let entries = try Replica.open(context).catalogEntries()
        if arguments.has("json") {
            try Output.json(entries)
            return 0
        }
        Output.line("catalog at \(context.node.id): \(entries.count) entr\(entries.count == 1 ? "y" : "ies")")
        var table = Table(["ID", "NAME", "SOURCE", "PROVIDER", "SHARE", "BACKFLOW", "FREQUENCY", "STATUS", "VERSION"])
        for e in entries {
            table.add([e.id, e.name, e.sourceNode, e.provider, e.shareType, e.backflow, e.updateFrequency, e.status, String(e.version)])
        }
        Output.write(table.render())
        return 0
    }
}

enum CatalogShowCommand: Command {
    static let name = "catalog show"
    static let summary = "show one catalog entry with its data items"
    static let details = "--json prints the entry as published."
    static let flags = NodeFlags.all + [Flag("json", help: "print JSON")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode catalog show")
        let id = try arguments.positional("the entry's id", command: "syncnode catalog show", example: "syncnode catalog show ... ID")
        guard let e = try Replica.open(context).catalogEntry(id) else {
            throw SyncNodeError("show catalog entry '\(id)'", "\(context.node.id) holds no such entry", hint: "see syncnode catalog list")
        }
        if arguments.has("json") {
            try Output.json(e)
            return 0
        }
        var facts = Table(["FIELD", "VALUE"])
        for (field, value) in [("id", e.id), ("名称 name", e.name), ("摘要 summary", e.summary), ("提供部门 provider", e.provider),
                               ("数源节点 sourceNode", e.sourceNode), ("格式 format", e.format), ("关联系统 relatedSystem", e.relatedSystem ?? "—"),
                               ("分类分级 classification", "\(e.classification.category) / \(e.classification.grade)"),
                               ("共享属性 shareType", e.shareType), ("共享条件 shareConditions", e.shareConditions ?? "—"),
                               ("法律依据 legalBasis", e.legalBasis ?? "—"), ("共享方式 shareMethod", e.shareMethod),
                               ("开放属性 openType", e.openType), ("更新频率 updateFrequency", e.updateFrequency),
                               ("使用要求 usageConditions", e.usageConditions ?? "—"), ("用途 purpose", e.purpose ?? "—"),
                               ("联系人 contact", "\(e.contact.name) \(e.contact.phone)"), ("回流 backflow", e.backflow),
                               ("status", e.status), ("version", String(e.version))] {
            facts.add([field, value])
        }
        Output.write(facts.render() + "\n")
        var items = Table(["ITEM", "TITLE", "TYPE", "AUTHORITY"])
        for item in e.items {
            let role = item.name == e.keyItem ? " (key)" : item.name == e.regionItem ? " (region)" : ""
            items.add([item.name + role, item.title, item.type.rawValue, item.authority ?? e.sourceNode])
        }
        Output.write(items.render())
        return 0
    }
}

enum CatalogDCATCommand: Command {
    static let name = "catalog dcat"
    static let summary = "export the merged catalog as DCAT (JSON-LD) for tools outside the federation"
    static let details = "A dcat:Catalog whose dcat:dataset are the entries, fields mapped to DCAT, Dublin Core and vCard terms."
    static let flags = NodeFlags.all + [Flag("out", value: "FILE", help: "write to FILE instead of standard output")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode catalog dcat")
        let entries = try Replica.open(context).catalogEntries().filter { $0.status != "draft" }
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

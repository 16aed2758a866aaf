import Foundation
import SyncCore
import SyncEngine
import SyncNode

enum CatalogShowCommand: Command {
    static let name = "catalog show"
    static let summary = "show one catalog entry with its data items"
    static let details = "--json prints the entry as published."
    static let flags = NodeFlags.all + [Flag("json", help: "print JSON")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode catalog show")
        let id = try arguments.positional("the entry's id", command: "syncnode catalog show", example: "syncnode catalog show ... ID")
        guard let e = try CatalogService(replica: try context.openReplica()).entry(id) else {
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
                               ("共享依据 shareBasis", e.shareBasis ?? "—"), ("共享期限 sharingPeriod", e.sharingPeriod ?? "—"),
                               ("共享范围 sharingScope", e.sharingScope ?? "—"),
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

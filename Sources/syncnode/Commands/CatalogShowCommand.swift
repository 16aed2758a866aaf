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
        for (field, value) in e.labelledFacts { facts.add([field, value]) }
        Output.write(facts.render() + "\n")
        var items = Table(["ITEM", "TITLE", "TYPE", "AUTHORITY", "ELEMENT", "RULES"])
        for item in e.items {
            let role = item.name == e.keyItem ? " (key)" : item.name == e.regionItem ? " (region)" : ""
            items.add([item.name + role, item.title, item.type.rawValue, item.authority ?? e.sourceNode, item.element ?? "—",
                       item.rules.map { (try? TicketJSON.encode($0)) ?? "" } ?? "—"])
        }
        Output.write(items.render())
        return 0
    }
}

import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode catalog publish`: publishes an entry of the resource catalog (资源目录) at its source.
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
        do { entry = try CatalogEntry.decode(json: Array(data)) } catch {
            throw SyncNodeError("read catalog entry \(file)", "\(error)", hint: "see README for the entry's fields")
        }
        if entry.status.isEmpty { entry.status = "published" }
        let published = try CatalogService(replica: try context.openReplicaForCommand(arguments)).publish(entry)
        Output.line("published \(published.id) \(published.name) version \(published.version) at \(context.node.id)")
        return 0
    }
}

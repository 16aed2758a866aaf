import Foundation
import SyncCore
import SyncEngine
import SyncNode
import SyncStore
import SyncTesting
import XCTest

/// What a command's view of a node does differently from the node serving it.
final class NodeContextTests: XCTestCase {
    /// A command's commits leave the write-ahead log for the serving node to copy: an import of 1M
    /// rows used to copy its ~500 MB of log inside its commit before the node could send a row.
    func testACommandsCommitsLeaveTheLogToTheServingNode() throws {
        let directory = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let context = try NodeContext(topology: try FleetTopology.small().topology(), nodeID: "sz-pingshan",
                                      dataDirectory: directory, certificateDirectory: directory)
        let serving = try context.openStore()   // the node's connection: the command's close is not the last
        let command = try context.openReplica(announcing: true)
        try command.store.write(.powerCut) { tx in
            for i in 0..<8_000 { try tx.setNodeMeta("k\(i)", String(repeating: "x", count: 1_000)) }   // ~2,100 pages: past SQLite's automatic checkpoint at 1,000
        }
        func bytes(_ file: String) throws -> Int { try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) }
        XCTAssertGreaterThan(try bytes(context.databasePath + "-wal"), 8_000_000, "the commit is in the log")
        XCTAssertLessThan(try bytes(context.databasePath), 1_000_000, "and was not copied into the database by the command")
        XCTAssertEqual(try serving.read { try $0.nodeMeta("k7999") }?.count, 1_000, "the node reads it")
    }
}

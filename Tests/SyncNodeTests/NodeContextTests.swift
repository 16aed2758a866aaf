import Foundation
import Posix
import SyncCore
import SyncEngine
import SyncNode
import SyncStore
import SyncTesting
import XCTest

/// What a command's view of a node does differently from the node serving it.
final class NodeContextTests: XCTestCase {
    func context() throws -> NodeContext {
        let directory = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        return try NodeContext(topology: try FleetTopology.small().topology(), nodeID: "sz-pingshan",
                               dataDirectory: directory, certificateDirectory: directory)
    }

    /// ~2,100 pages in one commit of a command: past SQLite's automatic checkpoint at 1,000.
    func commitALot(_ replica: Replica) throws {
        try replica.store.write(.powerCut) { tx in
            for i in 0..<8_000 { try tx.setNodeMeta("k\(i)", String(repeating: "x", count: 1_000)) }
        }
    }

    func bytes(_ file: String) throws -> Int { try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) }

    /// While a node serves the store, a command's commits leave the write-ahead log for the node to
    /// copy: an import of 1M rows used to copy its ~500 MB of log inside its commit before the node
    /// could send a row.
    func testWhileANodeServesACommandsCommitsLeaveTheLogToIt() throws {
        let context = try context()
        let serving = try context.openStore()                    // the node's connection
        let wake = try WakeReceiver(name: context.wakeName)      // and its wake socket: a node is serving
        defer { wake.close() }
        let command = try context.openReplica(announcing: true)
        try commitALot(command)
        XCTAssertGreaterThan(try bytes(context.databasePath + "-wal"), 8_000_000, "the commit is in the log")
        XCTAssertLessThan(try bytes(context.databasePath), 1_000_000, "and was not copied into the database by the command")
        XCTAssertEqual(try serving.read { try $0.nodeMeta("k7999") }?.count, 1_000, "the node reads it")
        XCTAssertTrue(wake.wait(milliseconds: 1_000), "the command told the node")
    }

    /// With no node serving, nobody else would copy it (another connection, a shell say, may keep
    /// SQLite's close from doing so): the command keeps SQLite's own copy after large commits.
    func testWithNoNodeServingACommandCopiesItsOwnLargeCommit() throws {
        let context = try context()
        let other = try context.openStore()   // open, so the command's close is not the last
        let command = try context.openReplica(announcing: true)
        try commitALot(command)
        XCTAssertGreaterThan(try bytes(context.databasePath), 8_000_000, "copied into the database by the command's commit")
        XCTAssertEqual(try other.read { try $0.nodeMeta("k7999") }?.count, 1_000)
    }
}

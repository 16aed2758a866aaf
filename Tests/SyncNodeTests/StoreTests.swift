import Foundation
import SQLite
@testable import SyncNode
import XCTest

final class StoreTests: XCTestCase {
    func testMigrationsApplyAndAreRecorded() throws {
        let dir = try temporaryDirectory(self)
        let store = try Store(path: "\(dir)/data/node.db", nodeID: "sz", federation: "gd-test")
        XCTAssertEqual(try store.schemaVersion(), Schema.latestVersion)
        let tables = try store.read { try $0.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") { $0.text(0) } }
        XCTAssertTrue(tables.contains("peer"))
        XCTAssertTrue(tables.contains("node_meta"))
        let mode = try store.read { try $0.first("PRAGMA journal_mode") { $0.text(0) } }
        XCTAssertEqual(mode, "wal")
    }

    func testReopeningKeepsDataAndDoesNotReapply() throws {
        let dir = try temporaryDirectory(self)
        let path = "\(dir)/node.db"
        try Store(path: path, nodeID: "sz", federation: "gd-test").recordHeard(from: "gd")
        let again = try Store(path: path, nodeID: "sz", federation: "gd-test")
        XCTAssertNotNil(try again.peerHealth()["gd"]?.lastHeardAt)
        XCTAssertEqual(try again.schemaVersion(), Schema.latestVersion)
    }

    func testConcurrentOpensMigrateOnce() throws {
        let dir = try temporaryDirectory(self)
        for round in 0..<10 {
            let path = "\(dir)/node\(round).db"
            let errors = Locked<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                do { _ = try Store(path: path, nodeID: "sz", federation: "gd-test") } catch { errors.value.append("\(error)") }
            }
            XCTAssertEqual(errors.value, [], "round \(round)")
        }
    }

    func testMigrationsAreNumberedInOrder() {
        XCTAssertEqual(Schema.migrations.map(\.version), Array(1...Schema.migrations.count))
    }

    func testNewerDatabaseIsRefusedWithAClearError() throws {
        let dir = try temporaryDirectory(self)
        let path = "\(dir)/node.db"
        _ = try Store(path: path, nodeID: "sz", federation: "gd-test")
        try Database(path: path).execute("PRAGMA user_version = \(Schema.latestVersion + 5)")
        XCTAssertThrowsError(try Store(path: path, nodeID: "sz", federation: "gd-test")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("newer syncnode"), text)
            XCTAssertTrue(text.contains("hint:"), text)
        }
    }

    func testUnreadableDatabaseIsRefusedWithAClearError() throws {
        let dir = try temporaryDirectory(self)
        let path = "\(dir)/node.db"
        try Data(String(repeating: "this is not a database ", count: 200).utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Store(path: path, nodeID: "sz", federation: "gd-test")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("not a readable syncnode database"), text)
            XCTAssertTrue(text.contains("restore"), text)
        }
    }

    func testADataDirectoryBelongsToOneNode() throws {
        let dir = try temporaryDirectory(self)
        let path = "\(dir)/node.db"
        _ = try Store(path: path, nodeID: "sz", federation: "gd-test")
        XCTAssertThrowsError(try Store(path: path, nodeID: "sw", federation: "gd-test")) { error in
            XCTAssertTrue("\(error)".contains("belongs to node 'sz'"), "\(error)")
        }
    }

    func testPeerHealthRecordsSuccessAndFailure() throws {
        let dir = try temporaryDirectory(self)
        let store = try Store(path: "\(dir)/node.db", nodeID: "sz", federation: "gd-test")
        try store.recordError(with: "gd", "connection refused")
        try store.recordError(with: "gd", "connection refused again")
        var gd = try XCTUnwrap(try store.peerHealth()["gd"])
        XCTAssertNil(gd.lastHeardAt)
        XCTAssertEqual(gd.consecutiveFailures, 2)
        XCTAssertEqual(gd.lastError, "connection refused again")
        try store.recordHeard(from: "gd")
        gd = try XCTUnwrap(try store.peerHealth()["gd"])
        XCTAssertNotNil(gd.lastHeardAt)
        XCTAssertEqual(gd.consecutiveFailures, 0)
        XCTAssertEqual(gd.lastError, "connection refused again", "the last error stays visible with its time")
    }

    func testFailedTransactionAppliesNothing() throws {
        let dir = try temporaryDirectory(self)
        let store = try Store(path: "\(dir)/node.db", nodeID: "sz", federation: "gd-test")
        struct Boom: Error {}
        XCTAssertThrowsError(try store.write { db in
            try db.run("INSERT INTO peer(node_id) VALUES ('a')")
            throw Boom()
        })
        XCTAssertNil(try store.peerHealth()["a"])
    }
}

import Foundation
import SQLite
import SyncCore
@testable import SyncStore
import SyncTesting
import Synchronization
import XCTest

/// Opening, migrating and claiming a node's database.
final class StoreTests: XCTestCase {
    func testMigrationsApplyAndAreRecorded() throws {
        let store = try SQLiteStore(path: "\(try directory())/data/node.db", nodeID: "sz", federation: "gd-test")
        XCTAssertEqual(try store.read { try $0.schemaVersion() }, Schema.latestVersion)
        let names = try Database(path: store.path, readOnly: true).rows("SELECT name FROM sqlite_master WHERE type = 'table'") { $0.text(0) }
        for table in ["peer", "node_meta", "log", "record_state", "outbox", "cursor", "conflict", "catalog_entry", "alarm"] {
            XCTAssertTrue(names.contains(table), "\(table) in \(names)")
        }
        XCTAssertFalse(names.contains("record"), "the old record table is gone")
        let mode = try Database(path: store.path, readOnly: true).first("PRAGMA journal_mode") { $0.text(0) }
        XCTAssertEqual(mode, "wal")
    }

    func testReopeningKeepsDataAndDoesNotReapply() throws {
        let path = "\(try directory())/node.db"
        try SQLiteStore(path: path, nodeID: "sz", federation: "gd-test").write { try $0.recordHeard(peer: "gd", at: Date(), certificateNotAfter: nil) }
        let again = try SQLiteStore(path: path, nodeID: "sz", federation: "gd-test")
        XCTAssertNotNil(try again.read { try $0.peerHealth()["gd"]?.lastHeardAt })
        XCTAssertEqual(try again.read { try $0.schemaVersion() }, Schema.latestVersion)
    }

    func testConcurrentOpensMigrateOnce() throws {
        let dir = try directory()
        for round in 0..<10 {
            let path = "\(dir)/node\(round).db"
            let errors = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                do { _ = try SQLiteStore(path: path, nodeID: "sz", federation: "gd-test") } catch { errors.withLock { $0.append("\(error)") } }
            }
            XCTAssertEqual(errors.withLock { $0 }, [], "round \(round)")
        }
    }

    func testALongReadDoesNotHoldUpShortOnes() throws {
        let store = try SQLiteStore(path: "\(try directory())/node.db", nodeID: "sz", federation: "gd-test")
        try store.write { try $0.setNodeMeta("k", "v") }
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let long = Thread {
            _ = try? store.read { reader -> String? in
                started.signal()
                release.wait()   // a dashboard counting records per region, say
                return try reader.nodeMeta("k")
            }
        }
        long.start()
        started.wait()
        // Meanwhile the replication loops read, several at once: each gets an answer while the long read goes on.
        let answers = Mutex<[String?]>([])
        let done = DispatchGroup()
        for _ in 0..<6 {
            DispatchQueue.global().async(group: done) {
                let value = try? store.read { try $0.nodeMeta("k") }
                answers.withLock { $0.append(value ?? nil) }
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success, "short reads waited for the long one")
        XCTAssertEqual(answers.withLock { $0 }, Array(repeating: "v", count: 6))
        release.signal()
    }

    func testMigrationsAreNumberedInOrder() {
        XCTAssertEqual(Schema.migrations.map { $0.version }, Array(1...Schema.migrations.count))
    }

    func testNewerDatabaseIsRefusedWithAClearError() throws {
        let path = "\(try directory())/node.db"
        _ = try SQLiteStore(path: path, nodeID: "sz", federation: "gd-test")
        try Database(path: path).execute("PRAGMA user_version = \(Schema.latestVersion + 5)")
        XCTAssertThrowsError(try SQLiteStore(path: path, nodeID: "sz", federation: "gd-test")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("newer syncnode"), text)
            XCTAssertTrue(text.contains("hint:"), text)
        }
    }

    func testUnreadableDatabaseIsRefusedWithAClearError() throws {
        let path = "\(try directory())/node.db"
        try Data(String(repeating: "this is not a database ", count: 200).utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SQLiteStore(path: path, nodeID: "sz", federation: "gd-test")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("not a readable syncnode database"), text)
            XCTAssertTrue(text.contains("restore"), text)
            XCTAssertNotNil((error as? StoreError)?.underlying, "the SQLite error is kept")
        }
    }

    func testADataDirectoryBelongsToOneNode() throws {
        let path = "\(try directory())/node.db"
        _ = try SQLiteStore(path: path, nodeID: "sz", federation: "gd-test")
        XCTAssertThrowsError(try SQLiteStore(path: path, nodeID: "sw", federation: "gd-test")) { error in
            XCTAssertTrue("\(error)".contains("belongs to node 'sz'"), "\(error)")
        }
    }

    func testPeerHealthRecordsSuccessAndFailure() throws {
        let store = try SQLiteStore.inMemory(nodeID: "sz", federation: "gd-test")
        try store.write { try $0.recordError(peer: "gd", message: "connection refused", at: Date()) }
        try store.write { try $0.recordError(peer: "gd", message: "connection refused again", at: Date()) }
        var gd = try XCTUnwrap(try store.read { try $0.peerHealth()["gd"] })
        XCTAssertNil(gd.lastHeardAt)
        XCTAssertEqual(gd.consecutiveFailures, 2)
        XCTAssertEqual(gd.lastError, "connection refused again")
        try store.write { try $0.recordHeard(peer: "gd", at: Date(), certificateNotAfter: nil) }
        gd = try XCTUnwrap(try store.read { try $0.peerHealth()["gd"] })
        XCTAssertNotNil(gd.lastHeardAt)
        XCTAssertEqual(gd.consecutiveFailures, 0)
        XCTAssertEqual(gd.lastError, "connection refused again", "the last error stays visible with its time")
    }

    /// A writer that meets another connection's transaction waits for it (in short steps) and
    /// goes on once it ends; past its timeout it fails with SQLITE_BUSY rather than hang.
    func testAWriterWaitsForAnotherConnectionUpToItsTimeout() throws {
        let path = "\(try directory())/busy.db"
        try Database(path: path).execute("PRAGMA journal_mode=WAL; CREATE TABLE t(x INTEGER)")
        let waiter = try Database(path: path)
        let locked = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let holder = Thread {
            // Another connection holds the write lock until the test lets it go.
            guard let db = try? Database(path: path), (try? db.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")) != nil else { return }
            locked.signal()
            release.wait()
            Thread.sleep(forTimeInterval: 0.1)
            try? db.execute("COMMIT")
            done.signal()
        }
        holder.start()
        XCTAssertEqual(locked.wait(timeout: .now() + 10), .success)
        waiter.setBusyTimeout(milliseconds: 50)
        XCTAssertThrowsError(try waiter.execute("INSERT INTO t VALUES (2)")) { error in
            XCTAssertEqual((error as? SQLiteError).map { $0.code & 0xff }, 5, "SQLITE_BUSY: \(error)")
        }
        waiter.setBusyTimeout(milliseconds: 5_000)
        release.signal()
        try waiter.execute("INSERT INTO t VALUES (3)")
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(try waiter.first("SELECT group_concat(x) FROM t") { $0.text(0) }, "1,3")
    }

    /// A transaction that only needs to survive a process crash commits like any other and is
    /// seen by the next reader; the connection goes back to synchronous=FULL after it.
    func testAProcessCrashWriteCommitsAndRestoresFullSync() throws {
        let store = try SQLiteStore(path: "\(try directory())/node.db", nodeID: "sz", federation: "gd-test")
        try store.write(.processCrash) { try $0.setCursor(peer: "gd", name: "pushed", value: 7, at: 1) }
        XCTAssertEqual(try store.read { try $0.cursor(peer: "gd", name: "pushed") }, 7)
        XCTAssertThrowsError(try store.write(.processCrash) { tx -> Void in
            try tx.setCursor(peer: "gd", name: "pushed", value: 9, at: 2)
            throw StoreError("test", "rolled back")
        })
        XCTAssertEqual(try store.read { try $0.cursor(peer: "gd", name: "pushed") }, 7)
        XCTAssertEqual(try store.synchronousSetting(), 2, "FULL again after a processCrash write")
    }

    func testFailedTransactionAppliesNothing() throws {
        let store = try SQLiteStore.inMemory(nodeID: "sz", federation: "gd-test")
        struct Boom: Error {}
        XCTAssertThrowsError(try store.write { tx in
            try tx.recordHeard(peer: "a", at: Date(), certificateNotAfter: nil)
            throw Boom()
        })
        XCTAssertNil(try store.read { try $0.peerHealth()["a"] })
    }

    func testAReadOnlyStoreRefusesWrites() throws {
        let path = "\(try directory())/node.db"
        _ = try SQLiteStore(path: path, nodeID: "sz", federation: "gd-test")
        let reader = try SQLiteStore(readingOnly: path)
        XCTAssertEqual(try reader.read { try $0.schemaVersion() }, Schema.latestVersion)
        XCTAssertThrowsError(try reader.write { try $0.setPersistedClock(1) })
    }
}

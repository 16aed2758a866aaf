import Foundation
import SQLite
import SyncCore
@testable import SyncStore
import SyncTesting
import XCTest

/// Records by reference to the log: creating, merging, retiring, trimming;
/// and migrating a database that held merged states.
final class LogAndRecordsTests: XCTestCase {
    let region = try! RegionCode("440310")

    func change(_ key: String, _ values: [String: JSONValue], by origin: String = "sz-pingshan", at hlc: Int64) -> Change {
        Change.write(dataset: "d", key: key, region: region, values: values, origin: origin, hlc: hlc)
    }

    func entry(_ change: Change, live: Bool = true) -> LogWrite {
        LogWrite(dataset: change.dataset, region: change.region, from: nil, live: live, body: ChangeCodec.encode(change))
    }

    func testANewRecordIsOneLogEntryAndARowNamingIt() throws {
        let store = try SQLiteStore.inMemory(nodeID: "sz", federation: "t")
        let first = change("K1", ["name": .string("甲")], at: 100)
        let seq = try store.write { try $0.createRecord(key: "K1", deleted: false, entry: entry(first), at: 1) }
        XCTAssertEqual(seq, 1)
        XCTAssertNil(try store.write { try $0.createRecord(key: "K1", deleted: false, entry: entry(first), at: 1) }, "it exists: nothing written")
        let stored = try XCTUnwrap(try store.read { try $0.record(dataset: "d", key: "K1") })
        XCTAssertEqual(stored.state.values, ["name": .string("甲")])
        XCTAssertEqual(stored.contributions.map { $0.seq }, [1])
    }

    func testAStateIsTheJoinOfTheEntriesItNames() throws {
        let store = try SQLiteStore.inMemory(nodeID: "sz", federation: "t")
        let a = change("K1", ["name": .string("甲"), "capital": .int(5)], at: 100)
        let b = change("K1", ["licence": .string("L-1")], by: "gd-amr", at: 200)
        try store.write { tx in
            let s1 = try XCTUnwrap(try tx.createRecord(key: "K1", deleted: false, entry: entry(a), at: 1))
            let s2 = try tx.appendLog(entry(b), at: 2)
            try tx.setRecord(dataset: "d", key: "K1", region: region, deleted: false, contributions: [s1, s2])
        }
        let stored = try XCTUnwrap(try store.read { try $0.record(dataset: "d", key: "K1") })
        XCTAssertEqual(stored.state.values, ["name": .string("甲"), "capital": .int(5), "licence": .string("L-1")])
        XCTAssertEqual(stored.contributions.map { $0.change }, [a, b])
    }

    func testRetiredEntriesGoOnceNoOutboxHoldsThemAndSequenceNumbersAreNeverReused() throws {
        // The same whether the parent's outbox is rows or a range of the log.
        for inLog in [nil, "gd"] {
            let store = try SQLiteStore.inMemory(nodeID: "sz", federation: "t")
            try store.write { try $0.keepOutboxInLog(for: inLog) }
            try store.write { tx in
                for n in 1...5 {
                    var write = entry(change("K\(n)", ["name": .string("\(n)")], at: Int64(n)), live: false)
                    write.outboxes = ["gd"]
                    _ = try tx.appendLog(write, at: 1)
                }
                _ = try tx.growOutbox(peer: "gd", by: 5)
            }
            try store.write { try $0.acknowledge(peer: "gd", upTo: 3) }
            XCTAssertEqual(try store.read { try $0.outbox(peer: "gd", after: 0, limit: 10).map(\.seq) }, [4, 5], "\(inLog ?? "rows")")
            XCTAssertEqual(try store.read { try $0.outboxStates()["gd"]?.depth }, 2)
            try store.write { try $0.acknowledge(peer: "gd", upTo: 5) }
            // Every entry was delivered; the highest one stays so that the next is number 6.
            let next = try store.write { try $0.appendLog(entry(change("K6", [:], at: 6)), at: 1) }
            XCTAssertEqual(next, 6)
            XCTAssertEqual(try store.read { try $0.outboxStates()["gd"]?.depth }, 0)
            XCTAssertEqual(try store.read { try $0.outbox(peer: "gd", after: 0, limit: 10).map(\.seq) }, [], "\(inLog ?? "rows")")
        }
    }

    func testThePullIsAnIndexRangeOnThePeersOutbox() throws {
        let store = try SQLiteStore(path: "\(try directory())/node.db", nodeID: "sz", federation: "t")
        let plan = try store.queryPlan(StoreAccess.outboxSQL, "sz-pingshan", 0, 100)
        XCTAssertTrue(plan.contains { $0.contains("SEARCH o USING PRIMARY KEY (peer=? AND seq>?)") }, "\(plan)")
        XCTAssertTrue(plan.contains { $0.contains("SEARCH l USING INTEGER PRIMARY KEY (rowid=?)") }, "\(plan)")
        XCTAssertFalse(plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
    }

    func testLiveEntriesForAResyncComeReservedFirstThenByPhase() throws {
        let store = try SQLiteStore.inMemory(nodeID: "sz", federation: "t")
        try store.write { tx in
            _ = try tx.createRecord(key: "K1", deleted: false, entry: entry(change("K1", ["name": .string("1")], at: 1)), at: 1)
            _ = try tx.appendLog(LogWrite(dataset: "_catalog", region: region, from: nil, live: true,
                                          body: ChangeCodec.encode(Change(dataset: "_catalog", key: "d", region: region, origin: "sz-pingshan"))), at: 1)
            _ = try tx.appendLog(entry(change("K2", ["name": .string("2")], at: 2), live: false), at: 1)
            _ = try tx.createRecord(key: "K3", deleted: false, entry: entry(change("K3", ["name": .string("3")], at: 3)), at: 1)
        }
        let reserved = try store.read { try $0.liveEntries(after: ResyncPosition(reserved: true, seq: 0), limit: 10, scanLimit: 100) { _, _ in true } }
        XCTAssertEqual(reserved.entries.map(\.dataset), ["_catalog"])
        XCTAssertNil(reserved.lastScanned)
        let records = try store.read { try $0.liveEntries(after: ResyncPosition(reserved: false, seq: 0), limit: 1, scanLimit: 100) { _, _ in true } }
        XCTAssertEqual(records.entries.map(\.seq), [1])
        let rest = try store.read { try $0.liveEntries(after: ResyncPosition(reserved: false, seq: 1), limit: 10, scanLimit: 100) { _, _ in true } }
        XCTAssertEqual(rest.entries.map(\.seq), [4], "retired entries and the catalog are not records")
        XCTAssertNil(rest.lastScanned)
    }

    /// A database written by the previous release (schema 6, merged states) opens with its data intact.
    func testMigratingMergedStatesKeepsRecordsOutboxesAndTheCatalog() throws {
        let path = "\(try directory())/node.db"
        let old = try Database(path: path)
        try old.execute("PRAGMA journal_mode=WAL")
        for migration in Schema.migrations where migration.version <= 6 { try old.execute(migration.sql) }
        try old.execute("PRAGMA user_version = 6")
        let state = #"{"items":{"licence":{"h":300,"o":"gd-amr","v":"L-1"},"name":{"h":200,"o":"sz-pingshan","v":"甲"}},"region":"440310","regionStamp":{"h":300,"o":"gd-amr"}}"#
        try old.run("INSERT INTO record(dataset, key, region, state, deleted, updated_at) VALUES ('d', 'K1', '440310', ?, 0, 5)", state)
        let pending = ChangeCodec.encode(change("K2", ["name": .string("乙")], at: 400))
        try old.run("INSERT INTO change_log(seq, dataset, from_peer, body, logged_at) VALUES (7, 'd', NULL, ?, 6)", String(decoding: pending, as: UTF8.self))
        try old.run("INSERT INTO outbox(peer, seq) VALUES ('sz', 7)")
        try old.run("""
            INSERT INTO catalog_entry(id, version, source_node, status, body, stamp_hlc, updated_at) VALUES ('d', 1, 'sz-pingshan', 'published', '{}', 50, 1)
            """)
        let store = try SQLiteStore(path: path, nodeID: "sz-pingshan", federation: "t",
                                    migration: MigrationContext { $0 == "sz-pingshan" ? try? RegionCode("440310") : nil })
        let k1 = try XCTUnwrap(try store.read { try $0.record(dataset: "d", key: "K1") })
        XCTAssertEqual(k1.state.values, ["licence": .string("L-1"), "name": .string("甲")])
        XCTAssertEqual(Set(k1.contributions.map { $0.change.origin }), ["gd-amr", "sz-pingshan"], "one change per writer of the state")
        XCTAssertEqual(try store.read { try $0.outbox(peer: "sz", after: 0, limit: 10) }, [LogEntry(seq: 7, body: pending)],
                       "a waiting change keeps its sequence number")
        XCTAssertEqual(try store.read { try $0.catalogOwnership(id: "d")?.owner }, "sz-pingshan")
        let reserved = try store.read { try $0.liveEntries(after: ResyncPosition(reserved: true, seq: 0), limit: 10, scanLimit: 10) { _, _ in true } }
        XCTAssertEqual(reserved.entries.count, 1, "the catalog's current version is live in the log")
        XCTAssertGreaterThan(try store.write { try $0.appendLog(entry(change("K9", [:], at: 9)), at: 1) }, 7)
    }
}

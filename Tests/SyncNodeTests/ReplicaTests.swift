import Foundation
import SQLite
import SyncCore
@testable import SyncNode
import XCTest

/// The replica in-process: routing into outboxes, and that what a child pulls
/// is found through an index whatever else the parent holds.
final class ReplicaTests: XCTestCase {
    func makeCity(_ dir: String) throws -> Replica {
        let json = """
        {"federation": "t", "policy": {"maxOutboxEntries": 100000},
         "nodes": [
           {"id": "sz", "tier": "city", "region": "440300", "name": "深圳市", "url": "https://127.0.0.1:1"},
           {"id": "sz-pingshan", "tier": "district", "region": "440310", "parent": "sz", "name": "坪山区", "url": "https://127.0.0.1:2"},
           {"id": "sz-futian", "tier": "district", "region": "440304", "parent": "sz", "name": "福田区", "url": "https://127.0.0.1:3"}],
         "datasets": [{"id": "housing", "name": "房屋", "sourceNode": "sz", "shareType": "unconditional", "backflow": "region",
           "keyItem": "id", "regionItem": "region",
           "items": [{"name": "id", "title": "编号", "type": "string"}, {"name": "region", "title": "区划", "type": "string"}]}]}
        """
        let topology = try Topology.decode(Data(json.utf8))
        let context = try NodeContext(topology: topology, nodeID: "sz", dataDirectory: dir, certificateDirectory: dir)
        return try Replica(context: context, store: try Store(path: context.databasePath, nodeID: "sz", federation: "t"))
    }

    func rows(_ range: Range<Int>, region: String) -> [[String: JSONValue]] {
        range.map { ["id": .string("R\(region)-\($0)"), "region": .string(region)] }
    }

    func testWritesAreRoutedIntoTheRightOutboxes() throws {
        let city = try makeCity(try temporaryDirectory(self))
        try city.write(dataset: "housing", rows: rows(0..<3, region: "440310"))
        try city.write(dataset: "housing", rows: rows(0..<5, region: "440304"))
        XCTAssertEqual(try city.outbox(for: "sz-pingshan", after: 0, limit: 100).count, 3)
        XCTAssertEqual(try city.outbox(for: "sz-futian", after: 0, limit: 100).count, 5)
        let first = try city.outbox(for: "sz-pingshan", after: 0, limit: 100)[0].change()
        XCTAssertEqual(first.region.code, "440310")
        XCTAssertEqual(first.origin, "sz")
        // Acknowledging removes entries and trims the log once no outbox needs them.
        let last = try city.outbox(for: "sz-pingshan", after: 0, limit: 100).last!.seq
        try city.acknowledge(peer: "sz-pingshan", upTo: last)
        XCTAssertTrue(try city.outbox(for: "sz-pingshan", after: 0, limit: 100).isEmpty)
        XCTAssertEqual(try city.outboxStates()["sz-pingshan"]?.depth, 0)
        XCTAssertEqual(try city.outboxStates()["sz-futian"]?.depth, 5)
    }

    func testDatasetCountsFollowWritesAndDeletes() throws {
        let city = try makeCity(try temporaryDirectory(self))
        try city.write(dataset: "housing", rows: rows(0..<5, region: "440310"))
        try city.write(dataset: "housing", rows: rows(0..<2, region: "440310"))   // rewrites: no new records
        try city.delete(dataset: "housing", key: "R440310-0")
        try city.delete(dataset: "housing", key: "R440310-1")
        XCTAssertEqual(try city.recordCounts()["housing"], 3)
        let counted = try city.store.read { try $0.first("SELECT COUNT(*) FROM record WHERE deleted = 0") { $0.int(0) } }
        XCTAssertEqual(counted, 3)
        try city.write(dataset: "housing", rows: rows(0..<1, region: "440310"))   // a write after the delete revives it
        XCTAssertEqual(try city.recordCounts()["housing"], 4)
    }

    func testAPullIsAnIndexRangeNotAScan() throws {
        let city = try makeCity(try temporaryDirectory(self))
        try city.write(dataset: "housing", rows: rows(0..<10, region: "440310"))
        let plan = try city.store.read { db in
            try db.rows("""
                EXPLAIN QUERY PLAN SELECT o.seq, c.body FROM outbox o JOIN change_log c ON c.seq = o.seq
                WHERE o.peer = ? AND o.seq > ? ORDER BY o.seq LIMIT ?
                """, "sz-pingshan", 0, 100) { $0.text(3) }
        }
        XCTAssertTrue(plan.contains { $0.contains("SEARCH o USING PRIMARY KEY (peer=? AND seq>?)") }, "\(plan)")
        XCTAssertFalse(plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
        // And the snapshot for a resync reads the child's region through the region index.
        let snapshotPlan = try city.store.read { db in
            try db.rows("""
                EXPLAIN QUERY PLAN SELECT region, key, state FROM record
                WHERE dataset = ? AND region >= ? AND region < ? AND (region, key) > (?, ?) ORDER BY region, key LIMIT ?
                """, "housing", "440310", "440310\u{7F}", "", "", 10) { $0.text(3) }
        }
        XCTAssertTrue(snapshotPlan.contains { $0.contains("USING INDEX record_by_region") }, "\(snapshotPlan)")
    }

    func testSnapshotForAChildHoldsOnlyItsRegion() throws {
        let city = try makeCity(try temporaryDirectory(self))
        try city.write(dataset: "housing", rows: rows(0..<7, region: "440310"))
        try city.write(dataset: "housing", rows: rows(0..<9, region: "440304"))
        var all: [LogEntry] = []
        var position: ResyncPosition?
        repeat {
            let page = try city.snapshot(for: "sz-pingshan", after: position, limit: 3)
            all += page.entries
            position = page.next
        } while position != nil
        XCTAssertEqual(all.count, 7)
        XCTAssertTrue(try all.allSatisfy { try $0.change().region.code == "440310" })
    }

    func testOverflowDropsTheOutboxAndOwesAResync() throws {
        let dir = try temporaryDirectory(self)
        let city = try makeCity(dir)
        XCTAssertFalse(try city.resyncOwed(to: "sz-pingshan"))
        // The policy in makeCity allows 100000; write past a smaller bound through a second topology.
        let small = try Topology.decode(Data(try String(decoding: JSONSerialization.data(withJSONObject: [
            "federation": "t", "policy": ["maxOutboxEntries": 4],
            "nodes": city.context.topology.nodes.map { ["id": $0.id, "tier": $0.tier.rawValue, "region": $0.region.code,
                                                         "name": $0.name, "url": $0.url, "parent": $0.parent as Any] },
            "datasets": [["id": "housing", "name": "房屋", "sourceNode": "sz", "shareType": "unconditional", "backflow": "region",
                          "keyItem": "id", "regionItem": "region",
                          "items": [["name": "id", "title": "编号", "type": "string"], ["name": "region", "title": "区划", "type": "string"]]]],
        ]), as: UTF8.self).utf8))
        let context = try NodeContext(topology: small, nodeID: "sz", dataDirectory: dir, certificateDirectory: dir)
        let bounded = try Replica(context: context, store: city.store)
        let dropped = Locked<[String]>([])
        bounded.onOutboxOverflow = { peer in dropped.value.append(peer) }
        try bounded.write(dataset: "housing", rows: rows(0..<5, region: "440310"))
        XCTAssertEqual(dropped.value, ["sz-pingshan"])
        XCTAssertTrue(try bounded.resyncOwed(to: "sz-pingshan"))
        XCTAssertTrue(try bounded.outbox(for: "sz-pingshan", after: 0, limit: 100).isEmpty)
        try bounded.finishResync(for: "sz-pingshan")
        XCTAssertFalse(try bounded.resyncOwed(to: "sz-pingshan"))
    }
}

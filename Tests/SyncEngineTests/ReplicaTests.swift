import Foundation
import SyncCore
import SyncEngine
import SyncTesting
import Synchronization
import XCTest

/// One engine: routing into outboxes, counts, resync pages, bounded outboxes.
final class ReplicaTests: XCTestCase {
    func city(maxOutbox: Int = 100_000) throws -> Replica {
        let topology = try FleetTopology(federation: "t", nodes: [
            .init(id: "sz", tier: "city", region: "440300", name: "深圳市"),
            .init(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
            .init(id: "sz-futian", tier: "district", region: "440304", parent: "sz", name: "福田区"),
        ], datasets: [FleetTopology.dataset("housing", source: "sz", key: "id", items: [])], policy: ["maxOutboxEntries": maxOutbox]).topology()
        return try Replica(topology: topology, nodeID: "sz", store: try SQLiteStoreFactory.memory("sz"))
    }

    func rows(_ range: Range<Int>, region: String) -> [[String: JSONValue]] {
        range.map { ["id": .string("R\(region)-\($0)"), "region": .string(region)] }
    }

    func outbox(_ replica: Replica, _ peer: String) throws -> [LogEntry] {
        try replica.store.read { try $0.outbox(peer: peer, after: 0, limit: 1000) }
    }

    func testWritesAreRoutedIntoTheRightOutboxes() throws {
        let city = try city()
        let writer = LocalWriter(replica: city)
        try writer.write(dataset: "housing", rows: rows(0..<3, region: "440310"))
        try writer.write(dataset: "housing", rows: rows(0..<5, region: "440304"))
        XCTAssertEqual(try outbox(city, "sz-pingshan").count, 3)
        XCTAssertEqual(try outbox(city, "sz-futian").count, 5)
        let first = try outbox(city, "sz-pingshan")[0].change()
        XCTAssertEqual(first.region.code, "440310")
        XCTAssertEqual(first.origin, "sz")
        let last = try outbox(city, "sz-pingshan").last!.seq
        try city.store.write { try $0.acknowledge(peer: "sz-pingshan", upTo: last) }
        XCTAssertTrue(try outbox(city, "sz-pingshan").isEmpty)
        XCTAssertEqual(try city.store.read { try $0.outboxStates()["sz-pingshan"]?.depth }, 0)
        XCTAssertEqual(try city.store.read { try $0.outboxStates()["sz-futian"]?.depth }, 5)
    }

    func testDatasetCountsFollowWritesAndDeletes() throws {
        let city = try city()
        let writer = LocalWriter(replica: city)
        try writer.write(dataset: "housing", rows: rows(0..<5, region: "440310"))
        try writer.write(dataset: "housing", rows: rows(0..<2, region: "440310"))   // rewrites: no new records
        try writer.delete(dataset: "housing", key: "R440310-0")
        try writer.delete(dataset: "housing", key: "R440310-1")
        XCTAssertEqual(try city.store.read { try $0.datasetStats()["housing"]?.records }, 3)
        let live = try city.store.read { try $0.records(dataset: "housing", regionPrefix: "", includeDeleted: false, limit: 100) }
        XCTAssertEqual(live.count, 3)
        try writer.write(dataset: "housing", rows: rows(0..<1, region: "440310"))   // a write after the delete revives it
        XCTAssertEqual(try city.store.read { try $0.datasetStats()["housing"]?.records }, 4)
    }

    func testARewriteKeepsOnlyTheChangesTheStateNeeds() throws {
        let city = try city()
        let writer = LocalWriter(replica: city)
        try writer.write(dataset: "housing", values: ["id": .string("A"), "region": .string("440310")])
        try writer.write(dataset: "housing", values: ["id": .string("A"), "region": .string("440310")])
        let stored = try XCTUnwrap(try city.store.read { try $0.record(dataset: "housing", key: "A") })
        XCTAssertEqual(stored.contributions.count, 1, "the second write supersedes the first")
    }

    func testAResyncPageForAChildHoldsOnlyItsRegion() throws {
        let city = try city()
        let writer = LocalWriter(replica: city)
        try writer.write(dataset: "housing", rows: rows(0..<7, region: "440310"))
        try writer.write(dataset: "housing", rows: rows(0..<9, region: "440304"))
        var all: [LogEntry] = []
        var position: ResyncPosition?
        let resync = ResyncService(replica: city)
        while true {
            let page = try resync.page(for: "sz-pingshan", after: position, limit: 3)
            all += page.entries
            guard case .next(let next) = page.next else { break }
            position = next
        }
        XCTAssertEqual(all.count, 7)
        XCTAssertTrue(try all.allSatisfy { try $0.change().region.code == "440310" && $0.seq == 0 })
    }

    func testOverflowDropsTheOutboxAndOwesAResync() throws {
        let city = try city(maxOutbox: 4)
        let dropped = Mutex<[String]>([])
        city.onOutboxOverflow { peer in dropped.withLock { $0.append(peer) } }
        XCTAssertFalse(try ResyncService(replica: city).owed(to: "sz-pingshan"))
        try LocalWriter(replica: city).write(dataset: "housing", rows: rows(0..<5, region: "440310"))
        XCTAssertEqual(dropped.withLock { $0 }, ["sz-pingshan"])
        XCTAssertTrue(try ResyncService(replica: city).owed(to: "sz-pingshan"))
        XCTAssertTrue(try outbox(city, "sz-pingshan").isEmpty)
        try ResyncService(replica: city).finish(for: "sz-pingshan")
        XCTAssertFalse(try ResyncService(replica: city).owed(to: "sz-pingshan"))
    }

    func testBadWritesAreRefusedWithTheReasonAndNothingIsApplied() throws {
        let city = try city()
        let writer = LocalWriter(replica: city)
        XCTAssertThrowsError(try writer.write(dataset: "housing", values: ["id": .string("X"), "region": .string("440310"), "colour": .string("red")])) {
            XCTAssertTrue("\($0)".contains("no data item 'colour'"), "\($0)")
        }
        XCTAssertThrowsError(try writer.write(dataset: "housing", values: ["id": .string("X"), "region": .string("441502")])) {
            XCTAssertTrue("\($0)".contains("outside this node's area"), "\($0)")
        }
        XCTAssertThrowsError(try writer.write(dataset: "housing", rows: [["id": .string("A"), "region": .string("440310")],
                                                                          ["id": .string("B"), "region": .string("4403")]])) {
            XCTAssertTrue("\($0)".contains("row 2"), "\($0)")
        }
        XCTAssertEqual(try city.store.read { try $0.datasetStats()["housing"]?.records } ?? 0, 0)
    }
}

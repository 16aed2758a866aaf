import Foundation
import SyncCore
import SyncEngine
import SyncTesting
import XCTest

/// Publishing, changing, withdrawing and handing over entries; who may.
final class CatalogLifecycleTests: XCTestCase {
    func federation() throws -> InProcessFederation { try InProcessFederation(topology: try SampleCatalog.topology()) }

    let record: [String: JSONValue] = ["uscc": .string("A1"), "region": .string("440310"), "name": .string("企业")]

    func testPublishChangeWithdraw() throws {
        let f = try federation()
        let district = f.replica("sz-pingshan")
        let catalog = CatalogService(replica: district)
        let writer = LocalWriter(replica: district)
        XCTAssertThrowsError(try writer.write(dataset: "ps-enterprise", values: record)) {
            XCTAssertTrue("\($0)".contains("no published catalog entry"), "\($0)")
        }
        var entry = SampleCatalog.entry()
        XCTAssertEqual(try catalog.publish(entry).version, 1)
        try writer.write(dataset: "ps-enterprise", values: record)
        XCTAssertEqual(try district.store.read { try $0.outbox(peer: "sz", after: 0, limit: 10) }.count, 2, "the entry, then the record, go up")
        entry.summary = "新摘要"
        XCTAssertEqual(try catalog.publish(entry).version, 2)
        XCTAssertEqual(try catalog.entry("ps-enterprise")?.summary, "新摘要")
        let withdrawn = try catalog.withdraw("ps-enterprise")
        XCTAssertEqual(withdrawn.status, "withdrawn")
        XCTAssertEqual(withdrawn.version, 3)
        XCTAssertThrowsError(try writer.write(dataset: "ps-enterprise", values: record)) { XCTAssertTrue("\($0)".contains("withdrawn"), "\($0)") }
        XCTAssertNotNil(try district.store.read { try $0.record(dataset: "ps-enterprise", key: "A1") }, "existing copies are kept")
        XCTAssertEqual(try district.datasets().first?.withdrawn, true, "and marked")
        XCTAssertThrowsError(try catalog.withdraw("ps-enterprise"))
        XCTAssertEqual(try catalog.publish(entry).status, "published", "publishing again brings it back")
        try f.settle()
        XCTAssertEqual(try CatalogService(replica: f.replica("sz-futian")).entry("ps-enterprise")?.version, 4, "every node has the newest version")
    }

    /// One push carries an entry, a record, a changed entry and another record: the city routes
    /// each record by the entry in force when it applies it, not by what it worked out for the
    /// first (backflow `all` sends a record down to the sibling district; conditional data does not).
    func testAnEntryChangedInsideOneBatchRoutesTheRecordsAfterIt() throws {
        let f = try federation()
        let district = f.replica("sz-pingshan")
        let writer = LocalWriter(replica: district)
        try CatalogService(replica: district).publish(SampleCatalog.entry(backflow: "all"))
        try writer.write(dataset: "ps-enterprise", values: record)
        try CatalogService(replica: district).publish(SampleCatalog.entry(shareType: "conditional", backflow: "all"))
        try writer.write(dataset: "ps-enterprise", values: ["uscc": .string("A2"), "region": .string("440310"), "name": .string("企业二")])
        XCTAssertEqual(try district.store.read { try $0.outbox(peer: "sz", after: 0, limit: 10) }.count, 4, "all four go up in one batch")
        try f.settle()
        let sibling = f.replica("sz-futian")
        XCTAssertNotNil(try sibling.store.read { try $0.record(dataset: "ps-enterprise", key: "A1") }, "written while shared with backflow all")
        XCTAssertNil(try sibling.store.read { try $0.record(dataset: "ps-enterprise", key: "A2") }, "written once the data was conditional")
        XCTAssertNotNil(try f.replica("gd").store.read { try $0.record(dataset: "ps-enterprise", key: "A2") }, "conditional data still goes up")
    }

    func testOnlyTheSourceMayPublishAndInvalidEntriesNameTheField() throws {
        let f = try federation()
        XCTAssertThrowsError(try CatalogService(replica: f.replica("sz")).publish(SampleCatalog.entry())) {
            XCTAssertTrue("\($0)".contains("only that node may publish"), "\($0)")
        }
        var entry = SampleCatalog.entry()
        entry.shareType = "conditional"
        XCTAssertThrowsError(try CatalogService(replica: f.replica("sz-pingshan")).publish(entry)) {
            XCTAssertTrue("\($0)".contains("shareConditions: is required"), "\($0)")
        }
    }

    /// Another district publishes 坪山区's dataset naming itself the source: everyone keeps the owner's entry.
    func testATakeoverIsKeptOutEverywhereWithAnAlarm() throws {
        let f = try federation()
        try CatalogService(replica: f.replica("sz-pingshan")).publish(SampleCatalog.entry())
        try f.settle()
        var takeover = SampleCatalog.entry(source: "sz-futian")
        takeover.summary = "福田区接管"
        // sz-futian's own catalog already knows the owner: publishing is refused at once.
        XCTAssertThrowsError(try CatalogService(replica: f.replica("sz-futian")).publish(takeover))
        // Forged into its log directly (as a compromised node would), it is kept out by every other node.
        let forged = try takeover.change(by: f.topology.node("sz-futian")!, hlc: HybridClock.reading(wallMillis: f.clock.millis() + 1000))
        let futian = f.replica("sz-futian")
        _ = try futian.store.write { tx in
            _ = try tx.appendLog(LogWrite(dataset: forged.dataset, region: forged.region, from: nil, live: true, body: ChangeCodec.encode(forged),
                                          outboxes: ["sz"]), at: 0)
            _ = try tx.growOutbox(peer: "sz", by: 1)
        }
        try f.settle()
        for node in ["sz", "gd", "sz-pingshan"] {
            XCTAssertEqual(try CatalogService(replica: f.replica(node)).entry("ps-enterprise")?.sourceNode, "sz-pingshan", node)
        }
        let alarms = try f.replica("sz").store.read { try $0.alarms() }
        XCTAssertTrue(alarms.contains { $0.kind == "catalog" && $0.message.contains("belongs to 'sz-pingshan'") }, "\(alarms)")
    }

    func testAHandoverMovesTheDatasetToItsNewSourceEverywhere() throws {
        let f = try federation()
        try CatalogService(replica: f.replica("sz-pingshan")).publish(SampleCatalog.entry())
        try LocalWriter(replica: f.replica("sz-pingshan")).write(dataset: "ps-enterprise", values: record)
        try f.settle()
        let handed = try CatalogService(replica: f.replica("sz-pingshan")).handOver("ps-enterprise", to: "sz", reason: "区划调整")
        XCTAssertEqual(handed.handover?.from, "sz-pingshan")
        try f.settle()
        XCTAssertEqual(try CatalogService(replica: f.replica("gd")).entry("ps-enterprise")?.sourceNode, "sz")
        // The new source publishes the next version; the old one may not any more.
        var next = SampleCatalog.entry(source: "sz")
        next.summary = "市级接管后"
        XCTAssertEqual(try CatalogService(replica: f.replica("sz")).publish(next).version, 3)
        XCTAssertThrowsError(try CatalogService(replica: f.replica("sz-pingshan")).publish(SampleCatalog.entry()))
        try f.settle()
        XCTAssertEqual(try CatalogService(replica: f.replica("sz-futian")).entry("ps-enterprise")?.summary, "市级接管后")
    }
}

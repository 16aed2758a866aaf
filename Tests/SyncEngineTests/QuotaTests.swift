import Foundation
import SyncCore
import SyncEngine
import SyncTesting
import XCTest

/// What one node can make another keep is bounded: a neighbour that floods its
/// parent with proposals gets the policy's number kept and an alarm raised, and
/// the rest of its batch goes on; an operator past a bound is told at once.
final class QuotaTests: XCTestCase {
    static let datasets: [[String: any Sendable]] = [
        FleetTopology.dataset("ps-enterprise", source: "sz-pingshan", key: "uscc", items: [FleetTopology.item("name")]),
        FleetTopology.dataset("sz-housing", source: "sz", key: "id", items: [FleetTopology.item("address")]),
    ]

    func federation(_ policy: [String: any Sendable]) throws -> InProcessFederation {
        try InProcessFederation(topology: try SampleCatalog.topology(datasets: Self.datasets, policy: policy))
    }

    func testAFloodOfProposalsFromAChildIsBoundedAndTheBatchGoesOn() throws {
        let f = try federation(["maxConflictsPerNode": 3])
        let city = f.replica("sz")
        try LocalWriter(replica: city).write(dataset: "sz-housing", rows: (0..<5).map {
            ["id": .string("H\($0)"), "region": .string("440310"), "address": .string("原址\($0)")]
        })
        // A district (hostile, or with a bug) sends eight writes of the city's items, and one of its own record.
        let hlc = (Int64(Date().timeIntervalSince1970 * 1000) << 16)
        var entries = (0..<8).map { n in
            LogEntry(seq: Int64(n + 1), body: ChangeCodec.encode(Change.write(dataset: "sz-housing", key: "H\(n % 5)-\(n)", region: try! RegionCode("440310"),
                                                                          values: ["address": .string("改\(n)")], origin: "sz-pingshan", hlc: hlc + Int64(n))))
        }
        entries.append(LogEntry(seq: 9, body: ChangeCodec.encode(Change.write(dataset: "ps-enterprise", key: "E1", region: try RegionCode("440310"),
                                                                              values: ["uscc": .string("E1"), "region": .string("440310"), "name": .string("企业")],
                                                                              origin: "sz-pingshan", hlc: hlc + 9))))
        let answer = try ReplicationServer(replica: city).push(from: "sz-pingshan", body: Batch.encode(entries))
        XCTAssertEqual(answer.received, 9, "the batch is taken: the link goes on")
        XCTAssertEqual(try city.store.read { try $0.conflictCount(proposer: "sz-pingshan") }, 3)
        XCTAssertNotNil(try f.records("sz", "ps-enterprise")["E1"], "its own record is applied")
        let alarms = try city.store.read { try $0.alarms() }.filter { $0.kind == "quota" }
        XCTAssertEqual(alarms.count, 1)
        XCTAssertTrue(alarms.first?.message.contains("sz-pingshan has 3 open conflicts kept here") ?? false, "\(alarms)")
        XCTAssertTrue(alarms.first?.message.contains("maxConflictsPerNode") ?? false)
        // At the node itself, an operator past the bound is told, and nothing is written.
        let district = LocalWriter(replica: f.replica("sz-pingshan"))
        try f.settle()
        for n in 0..<3 { try district.write(dataset: "sz-housing", values: ["id": .string("H\(n)"), "region": .string("440310"), "address": .string("本地\(n)")]) }
        XCTAssertThrowsError(try district.write(dataset: "sz-housing", values: ["id": .string("H3"), "region": .string("440310"), "address": .string("本地3")])) {
            XCTAssertTrue("\($0)".contains("policy.maxConflictsPerNode"), "\($0)")
        }
    }

    func testCatalogEntriesPerSourceAreBounded() throws {
        let f = try federation(["maxCatalogEntriesPerNode": 2])
        let catalog = CatalogService(replica: f.replica("sz-pingshan"))
        try catalog.publish(SampleCatalog.entry("ps-a"))
        try catalog.publish(SampleCatalog.entry("ps-b"))
        try catalog.publish(SampleCatalog.entry("ps-b"))   // a new version of one it has is no new entry
        XCTAssertThrowsError(try catalog.publish(SampleCatalog.entry("ps-c"))) {
            XCTAssertTrue("\($0)".contains("policy.maxCatalogEntriesPerNode"), "\($0)")
        }
        try f.settle()
        XCTAssertEqual(try f.replica("gd").store.read { try $0.catalogEntryCount(source: "sz-pingshan") }, 2)
    }

    func testTicketsPerFilerAreBounded() throws {
        let f = try federation(["maxTicketsPerNode": 2])
        try LocalWriter(replica: f.replica("sz")).write(dataset: "sz-housing", values: ["id": .string("H1"), "region": .string("440310"), "address": .string("原址")])
        try f.settle()
        let filer = CorrectionService(replica: f.replica("sz-pingshan"))
        _ = try filer.file(dataset: "sz-housing", key: "H1", values: ["address": "一"], reason: "门牌有误")
        _ = try filer.file(dataset: "sz-housing", key: "H1", values: ["address": "二"], reason: "门牌有误")
        XCTAssertThrowsError(try filer.file(dataset: "sz-housing", key: "H1", values: ["address": "三"], reason: "门牌有误")) {
            XCTAssertTrue("\($0)".contains("policy.maxTicketsPerNode"), "\($0)")
        }
        try f.settle()
        XCTAssertEqual(try f.replica("sz").store.read { try $0.recordCount(dataset: CorrectionTicket.dataset, keyPrefix: "sz-pingshan-") }, 2)
    }
}

import Foundation
import SyncCore
import SyncEngine
import SyncTesting
import XCTest

/// A whole federation in one process (engines on in-memory stores, linked by
/// loopback channels): aggregation, backflow, conflicts and resyncs in milliseconds.
final class FederationInProcessTests: XCTestCase {
    static let datasets: [[String: any Sendable]] = [
        FleetTopology.dataset("ps-enterprise", source: "sz-pingshan", key: "uscc",
                              items: [FleetTopology.item("name"), FleetTopology.item("licence", authority: "gd-amr")]),
        FleetTopology.dataset("sz-housing", source: "sz", key: "id", items: [FleetTopology.item("address")]),
        FleetTopology.dataset("amr-licence", source: "gd-amr", key: "uscc", items: [FleetTopology.item("licence")]),
        FleetTopology.dataset("gd-place", source: "gd", key: "id", items: [FleetTopology.item("name")], backflow: "all"),
    ]

    func federation(policy: [String: any Sendable] = [:]) throws -> InProcessFederation {
        try InProcessFederation(topology: try SampleCatalog.topology(datasets: Self.datasets, policy: policy))
    }

    func write(_ f: InProcessFederation, _ node: String, _ dataset: String, _ values: [String: JSONValue]) throws -> WriteOutcome {
        try LocalWriter(replica: f.replica(node)).write(dataset: dataset, values: values)
    }

    func testAggregationBackflowAndVerticalBackflow() throws {
        let f = try federation()
        _ = try write(f, "sz-pingshan", "ps-enterprise", ["uscc": .string("E1"), "region": .string("440310"), "name": .string("坪山企业")])
        _ = try write(f, "sz", "sz-housing", ["id": .string("H1"), "region": .string("440310"), "address": .string("坪山大道1号")])
        _ = try write(f, "sz", "sz-housing", ["id": .string("H2"), "region": .string("440304"), "address": .string("福田路2号")])
        _ = try write(f, "gd-amr", "amr-licence", ["uscc": .string("X"), "region": .string("440304"), "licence": .string("粤-1")])
        _ = try write(f, "gd", "gd-place", ["id": .string("P"), "region": .string("440310"), "name": .string("坪山广场")])
        try f.settle()
        XCTAssertEqual(Set(try f.records("gd", "ps-enterprise").keys), ["E1"], "up to the province")
        XCTAssertEqual(Set(try f.records("sz", "ps-enterprise").keys), ["E1"])
        XCTAssertTrue(try f.records("sz-futian", "ps-enterprise").isEmpty, "never to a sibling")
        XCTAssertEqual(Set(try f.records("sz-pingshan", "sz-housing").keys), ["H1"], "back down by region")
        XCTAssertEqual(Set(try f.records("sz-futian", "sz-housing").keys), ["H2"])
        XCTAssertEqual(Set(try f.records("sz-futian", "amr-licence").keys), ["X"], "a vertical system's records reach their district")
        XCTAssertTrue(try f.records("sz-pingshan", "amr-licence").isEmpty)
        XCTAssertEqual(Set(try f.records("sz-futian", "gd-place").keys), ["P"], "backflow 'all' reaches every district")
        XCTAssertTrue(try f.records("gd-amr", "gd-place").isEmpty, "vertical systems are sources, not destinations")
    }

    func testANonAuthorityWriteIsAConflictOnBothSidesAndTheAuthorityWins() throws {
        let f = try federation()
        _ = try write(f, "sz-pingshan", "ps-enterprise", ["uscc": .string("E1"), "region": .string("440310"), "name": .string("原名")])
        try f.settle()
        let outcome = try write(f, "sz", "ps-enterprise", ["uscc": .string("E1"), "region": .string("440310"), "name": .string("城市改名")])
        XCTAssertEqual(outcome.proposed, ["name"])
        // The vertical system is the authority of 'licence': its write is applied everywhere.
        _ = try write(f, "gd-amr", "ps-enterprise", ["uscc": .string("E1"), "region": .string("440310"), "licence": .string("L-9")])
        try f.settle()
        for node in ["sz-pingshan", "sz", "gd"] {
            XCTAssertEqual(try f.records(node, "ps-enterprise")["E1"], ["uscc": .string("E1"), "region": .string("440310"),
                                                                        "name": .string("原名"), "licence": .string("L-9")], node)
        }
        for node in ["sz", "sz-pingshan"] {
            let conflicts = try f.replica(node).store.read { try $0.conflicts() }
            XCTAssertEqual(conflicts.map { $0.conflict.proposed.value }, [.string("城市改名")], node)
            XCTAssertEqual(conflicts.first?.conflict.authority, "sz-pingshan")
        }
        XCTAssertTrue(try f.replica("gd").store.read { try $0.conflicts() }.isEmpty, "only the path to the authority sees it")
    }

    func testADeleteByTheSourceReachesEveryCopy() throws {
        let f = try federation()
        for n in 1...3 {
            _ = try write(f, "sz-pingshan", "ps-enterprise", ["uscc": .string("E\(n)"), "region": .string("440310"), "name": .string("\(n)")])
        }
        try f.settle()
        try LocalWriter(replica: f.replica("sz-pingshan")).delete(dataset: "ps-enterprise", key: "E2")
        try f.settle()
        XCTAssertEqual(Set(try f.records("gd", "ps-enterprise").keys), ["E1", "E3"])
        XCTAssertEqual(try f.replica("gd").store.read { try $0.datasetStats()["ps-enterprise"]?.records }, 2)
    }

    func testAnOverflowedOutboxIsReplacedByAFullResyncBothWays() throws {
        let f = try federation(policy: ["maxOutboxEntries": 10])
        f.cut("sz-pingshan")
        let writer = LocalWriter(replica: f.replica("sz"))
        try writer.write(dataset: "sz-housing", rows: (0..<30).map { ["id": .string("H\($0)"), "region": .string("440310")] })
        let district = LocalWriter(replica: f.replica("sz-pingshan"))
        try district.write(dataset: "ps-enterprise", rows: (0..<30).map { ["uscc": .string("E\($0)"), "region": .string("440310")] })
        try f.settle()
        XCTAssertTrue(try ResyncService(replica: f.replica("sz")).owed(to: "sz-pingshan"))
        XCTAssertTrue(try ResyncService(replica: f.replica("sz-pingshan")).owed(to: "sz"))
        XCTAssertTrue(try f.records("sz", "ps-enterprise").isEmpty)
        f.cut("sz-pingshan", false)
        try f.settle()
        XCTAssertEqual(try f.records("sz-pingshan", "sz-housing").count, 30, "the district got a full resync")
        XCTAssertEqual(try f.records("gd", "ps-enterprise").count, 30, "and sent one")
        XCTAssertFalse(try ResyncService(replica: f.replica("sz")).owed(to: "sz-pingshan"))
        XCTAssertFalse(try ResyncService(replica: f.replica("sz-pingshan")).owed(to: "sz"))
        // Afterwards the outboxes carry on.
        _ = try write(f, "sz-pingshan", "ps-enterprise", ["uscc": .string("after"), "region": .string("440310")])
        try f.settle()
        XCTAssertNotNil(try f.records("gd", "ps-enterprise")["after"])
    }

    func testTheSameChangesInAnyOrderGiveTheSameStateEverywhere() throws {
        let f = try federation()
        let sz = LocalWriter(replica: f.replica("sz"))
        for round in 0..<5 {
            _ = try write(f, "sz-pingshan", "ps-enterprise", ["uscc": .string("E"), "region": .string("440310"), "name": .string("v\(round)")])
            _ = try write(f, "gd-amr", "ps-enterprise", ["uscc": .string("E"), "region": .string("440310"), "licence": .string("L\(round)")])
            try sz.write(dataset: "sz-housing", values: ["id": .string("H"), "region": .string("440310"), "address": .string("a\(round)")])
            if round % 2 == 0 { try f.settle() }
        }
        try f.settle()
        let expected = try f.records("sz-pingshan", "ps-enterprise")
        XCTAssertEqual(expected["E"]?["name"], .string("v4"))
        XCTAssertEqual(expected["E"]?["licence"], .string("L4"))
        for node in ["sz", "gd"] { XCTAssertEqual(try f.records(node, "ps-enterprise"), expected, node) }
    }

    /// A hub restored from a backup takes back its subtree's writes from its parent; it must not
    /// send them down again to the child they came from, which would refuse them (its own writes from
    /// its parent) and so stop that link for good (found by the kill loop with restores).
    func testARecoveringHubSendsNoChildItsOwnWritesBack() throws {
        let before = try federation()
        _ = try write(before, "sz-pingshan", "ps-enterprise", ["uscc": .string("E1"), "region": .string("440310"), "name": .string("坪山企业")])
        try before.settle()
        let entries = try before.replica("gd").store.read { try $0.liveEntries(dataset: "ps-enterprise", keys: ["E1"]) }
        let returned = try Batch.decode(Batch.encode(entries.enumerated().map { LogEntry(seq: Int64($0.offset + 1), body: $0.element.body, proof: $0.element.proof) }))

        let restored = try federation()
        let city = restored.replica("sz")
        let stats = try city.apply(returned.entries, from: "gd", cursor: nil, recovering: true)
        XCTAssertEqual(stats.applied, 1, "the city takes its district's record back")
        XCTAssertTrue(try city.store.read { try $0.outbox(peer: "sz-pingshan", after: 0, limit: 10) }.isEmpty, "and does not send it back down to its origin")
        XCTAssertNoThrow(try restored.settle(), "every link goes on")
    }
}

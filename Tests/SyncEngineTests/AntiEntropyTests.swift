import Foundation
import SQLite
import SyncCore
import SyncEngine
import SyncTesting
import XCTest

/// Anti-entropy in one process: neighbours compare digests of what both must
/// hold and repair what differs through the change path. The stores are files,
/// edited behind the engine's back as an operator's `sqlite3` would.
final class AntiEntropyTests: XCTestCase {
    static let datasets: [[String: any Sendable]] = [
        FleetTopology.dataset("ps-enterprise", source: "sz-pingshan", key: "uscc", items: [FleetTopology.item("name")]),
        FleetTopology.dataset("sz-housing", source: "sz", key: "id", items: [FleetTopology.item("address")]),
    ]

    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "antientropy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func federation(policy: [String: any Sendable] = [:]) throws -> InProcessFederation {
        try InProcessFederation(topology: try SampleCatalog.topology(datasets: Self.datasets, policy: policy), directory: directory)
    }

    /// `count` records of ps-enterprise written at their source and settled everywhere.
    func seeded(_ count: Int) throws -> InProcessFederation {
        let f = try federation()
        let writer = LocalWriter(replica: f.replica("sz-pingshan"))
        for n in 0..<count {
            _ = try writer.write(dataset: "ps-enterprise", values: ["uscc": .string("E\(n)"), "region": .string("440310"), "name": .string("企业\(n)")])
        }
        try f.settle()
        return f
    }

    /// Runs SQL on node `id`'s store file, beside the engine's own connection.
    func edit(_ id: String, _ sql: String) throws {
        try Database(path: "\(directory)/\(id).db").execute(sql)
    }

    func digest(_ f: InProcessFederation, _ node: String, peer: String, _ dataset: String) throws -> LinkDigest? {
        try f.replica(node).store.read { try $0.linkDigests() }.first { $0.peer == peer && $0.dataset == dataset }
    }

    func testEqualCopiesAreProvenEqualByTheirRootsAlone() throws {
        let f = try seeded(500)
        let outcome = try f.compare("sz-pingshan")
        XCTAssertFalse(outcome.postponed)
        XCTAssertEqual(outcome.equal, ["ps-enterprise", "sz-housing"], "pingshan shares ps-enterprise (up) and its region of sz-housing (down)")
        XCTAssertEqual(outcome.found, [:])
        XCTAssertLessThan(outcome.bytes, 400, "two copies that agree compare by one small request")
        for (node, peer) in [("sz-pingshan", "sz"), ("sz", "sz-pingshan")] {
            let d = try XCTUnwrap(try digest(f, node, peer: peer, "ps-enterprise"), node)
            XCTAssertEqual(d.differing, 0, node)
            XCTAssertEqual(d.records, 500, node)
            XCTAssertNotNil(d.equalAt, node)
        }
        // The city compares with the province in its turn: the district's records are in their scope too.
        XCTAssertEqual(try f.compare("sz").equal, ["ps-enterprise", "sz-housing"])
    }

    func testRecordsLostAtTheParentAreFoundAndSentAgain() throws {
        let f = try seeded(1000)
        try edit("sz", "DELETE FROM record_state WHERE dataset = 'ps-enterprise' AND key IN ('E1', 'E20', 'E300', 'E999')")
        XCTAssertEqual(try f.records("sz", "ps-enterprise").count, 996)
        f.replica("sz").digests.forget()   // a running node's trees are recomputed every 10 minutes, and at each start
        let outcome = try f.compare("sz-pingshan")
        XCTAssertEqual(outcome.found, ["ps-enterprise": 4])
        XCTAssertEqual(outcome.remaining, ["ps-enterprise": 0])
        XCTAssertEqual(outcome.equal, ["ps-enterprise", "sz-housing"], "proven equal after the repair (by a second comparison), and at once")
        XCTAssertEqual(try f.records("sz", "ps-enterprise").count, 1000)
        XCTAssertEqual(try f.records("sz", "ps-enterprise")["E999"]?["name"], .string("企业999"))
        XCTAssertEqual(try f.replica("sz").store.read { try $0.datasetStats()["ps-enterprise"]?.records }, 1000,
                       "the count the hand edit left wrong is taken again")
        XCTAssertLessThan(outcome.bytes, 200_000, "the repair moves the differing records and a few branches of the tree, not the dataset")
        // Both ends keep what was found: proven equal again.
        XCTAssertEqual(try digest(f, "sz-pingshan", peer: "sz", "ps-enterprise")?.differing, 0)
        XCTAssertEqual(try digest(f, "sz", peer: "sz-pingshan", "ps-enterprise")?.differing, 0)
        // The repaired records flow on from the city like any change: the province already had them.
        try f.settle()
        XCTAssertEqual(try f.records("gd", "ps-enterprise").count, 1000)
    }

    func testRecordsLostAtTheSourceComeBackFromTheParent() throws {
        let f = try seeded(200)
        try edit("sz-pingshan", "DELETE FROM record_state WHERE dataset = 'ps-enterprise' AND key IN ('E5', 'E6')")
        f.replica("sz-pingshan").digests.forget()
        let outcome = try f.compare("sz-pingshan")
        XCTAssertEqual(outcome.found, ["ps-enterprise": 2])
        XCTAssertEqual(outcome.remaining, ["ps-enterprise": 0])
        XCTAssertEqual(try f.records("sz-pingshan", "ps-enterprise").count, 200, "its own writes, taken back from the city")
    }

    func testAHandEditedTombstoneFlagIsPutRight() throws {
        let f = try seeded(50)
        try LocalWriter(replica: f.replica("sz-pingshan")).delete(dataset: "ps-enterprise", key: "E7")
        try f.settle()
        XCTAssertNil(try f.records("sz", "ps-enterprise")["E7"])
        // "A deleted record put back": its row no longer says deleted.
        try edit("sz", "UPDATE record_state SET deleted = 0 WHERE dataset = 'ps-enterprise' AND key = 'E7'")
        f.replica("sz").digests.forget()
        XCTAssertNotNil(try f.records("sz", "ps-enterprise")["E7"], "the edit shows")
        let outcome = try f.compare("sz-pingshan")
        XCTAssertEqual(outcome.found, ["ps-enterprise": 1])
        XCTAssertEqual(outcome.remaining, ["ps-enterprise": 0])
        XCTAssertNil(try f.records("sz", "ps-enterprise")["E7"], "deleted again: the row says what its changes say")
    }

    func testAComparisonWaitsWhileChangesAreOnTheirWay() throws {
        let f = try seeded(10)
        _ = try LocalWriter(replica: f.replica("sz-pingshan")).write(dataset: "ps-enterprise",
                                                                    values: ["uscc": .string("NEW"), "region": .string("440310"), "name": .string("新")])
        let outcome = try f.compare("sz-pingshan")
        XCTAssertTrue(outcome.postponed, "a change in the outbox is not a divergence")
        XCTAssertNil(try digest(f, "sz-pingshan", peer: "sz", "ps-enterprise"))
    }

    func testAChildGetsNothingOutsideWhatItShares() throws {
        let f = try federation()
        let city = LocalWriter(replica: f.replica("sz"))
        _ = try city.write(dataset: "sz-housing", values: ["id": .string("H1"), "region": .string("440310"), "address": .string("坪山")])
        _ = try city.write(dataset: "sz-housing", values: ["id": .string("H2"), "region": .string("440304"), "address": .string("福田")])
        try f.settle()
        let service = DigestService(replica: f.replica("sz"))
        XCTAssertEqual(try service.scopes(child: "sz-futian")["sz-housing"], .region("440304"))
        // Futian asks for Pingshan's record by its key: it gets nothing of it.
        let asked = try service.answer(DigestRequest(op: .entries, dataset: "sz-housing", keys: ["H1", "H2"]), from: "sz-futian")
        let batch = try Batch.decode(asked)
        XCTAssertEqual(batch.entries.map(\.change.change.key), ["H2"])
        // Nor of a dataset it does not share, nor as another node's child.
        XCTAssertThrowsError(try service.answer(DigestRequest(op: .entries, dataset: "nope", keys: ["X"]), from: "sz-futian"))
        XCTAssertThrowsError(try DigestService(replica: f.replica("gd")).answer(DigestRequest(op: .roots, roots: [:]), from: "sz-futian"))
        // A repair may carry only records both hold: Pingshan's housing record sent by Futian is left out.
        let pingshanRecord = try f.replica("sz").store.read { try $0.liveEntries(dataset: "sz-housing", keys: ["H1"]) }
        let answer = try service.repair(from: "sz-futian", body: Batch.encode(pingshanRecord.map { LogEntry(seq: 1, body: $0.body, proof: $0.proof) }))
        XCTAssertEqual(answer.applied, 0)
        XCTAssertEqual(answer.unrepaired, 1)
    }

    /// A federation whose source lost record `key` (its row gone, as a purge or a lost page leaves it)
    /// three days after writing it, the city's copy kept.
    func lostAtTheSource(_ key: String, retentionDays: Int) throws -> InProcessFederation {
        let f = try federation(policy: ["tombstoneRetentionDays": retentionDays])
        try LocalWriter(replica: f.replica("sz-pingshan")).write(dataset: "ps-enterprise",
                                                                 values: ["uscc": .string(key), "region": .string("440310"), "name": .string("企业")])
        try f.settle()
        try edit("sz-pingshan", "DELETE FROM record_state WHERE dataset = 'ps-enterprise' AND key = '\(key)'")
        f.replica("sz-pingshan").digests.forget()
        f.clock.advance(by: 3 * 86_400)
        return f
    }

    /// A record the source no longer has at all (deleted, its tombstone purged) but a copy kept
    /// (restored from an old backup): copying it back would bring a deleted record back to life.
    func testARecordGoneAtTheSourceButKeptByAStaleCopyIsReportedNotCopiedBack() throws {
        let f = try lostAtTheSource("OLD", retentionDays: 1)   // its last write is older than the retention
        let outcome = try f.compare("sz-pingshan")
        XCTAssertEqual(outcome.found, ["ps-enterprise": 1])
        XCTAssertEqual(outcome.remaining, ["ps-enterprise": 1], "not repaired: reported")
        XCTAssertNil(try f.records("sz-pingshan", "ps-enterprise")["OLD"], "not brought back to life at its source")
        let note = try XCTUnwrap(try digest(f, "sz-pingshan", peer: "sz", "ps-enterprise")?.note)
        XCTAssertTrue(note.contains("tombstone retention") && note.contains("OLD") && note.contains("delete it at sz"), note)
    }

    /// The same record, still within the retention: the source lost it, and takes it back.
    func testARecordLostAtTheSourceWithinTheRetentionComesBack() throws {
        let f = try lostAtTheSource("NEW", retentionDays: 30)
        XCTAssertEqual(try f.compare("sz-pingshan").remaining, ["ps-enterprise": 0])
        XCTAssertNotNil(try f.records("sz-pingshan", "ps-enterprise")["NEW"])
    }
}

import Foundation
import SyncCore
import SyncEngine
import SyncTesting
import XCTest

/// What a hostile neighbour sends is refused before anything is applied,
/// whole, naming the change; the clock never moves for a refused change.
final class AdmissionInEngineTests: XCTestCase {
    let datasets = FederationInProcessTests.datasets

    func batch(_ changes: [Change], firstSeq: Int64 = 1) -> [BatchEntry] {
        changes.enumerated().map { BatchEntry(seq: firstSeq + Int64($0.offset), change: EncodedChange($0.element)) }
    }

    func replica(_ node: String, clock: TestClock = TestClock()) throws -> Replica {
        let topology = try SampleCatalog.topology(datasets: datasets)
        return try Replica(topology: topology, nodeID: node, store: try SQLiteStoreFactory.memory(node), wallClock: clock)
    }

    func write(_ key: String, by origin: String, region: String = "440310", hlc: Int64) throws -> Change {
        Change.write(dataset: "ps-enterprise", key: key, region: try RegionCode(region), values: ["uscc": .string(key), "name": .string("x")],
                     origin: origin, hlc: hlc)
    }

    func testAChildMayNotRelayAnotherBranchsWrites() throws {
        let city = try replica("sz")
        let now = HybridClock.reading(wallMillis: city.wallClock.millis())
        let good = try write("A", by: "sz-pingshan", hlc: now)
        let forged = try write("B", by: "sz-futian", region: "440304", hlc: now)
        XCTAssertThrowsError(try city.apply(batch([good, forged]), from: "sz-pingshan", cursor: ("received", 2))) { error in
            XCTAssertEqual((error as? ReplicationError)?.kind, .forbidden)
            XCTAssertTrue("\(error)".contains("change ps-enterprise/B by sz-futian"), "\(error)")
        }
        XCTAssertNil(try city.store.read { try $0.record(dataset: "ps-enterprise", key: "A") }, "the whole batch is refused")
        XCTAssertEqual(try city.store.read { try $0.cursor(peer: "sz-pingshan", name: "received") }, 0)
    }

    func testAParentMayNotRelayAWriteOfThisNodeOrBelow() throws {
        let city = try replica("sz")
        let now = HybridClock.reading(wallMillis: city.wallClock.millis())
        for origin in ["sz", "sz-futian"] {
            XCTAssertThrowsError(try city.apply(batch([try write("F", by: origin, region: origin == "sz" ? "440310" : "440304", hlc: now)]),
                                                from: "gd", cursor: ("pulled", 1))) { error in
                XCTAssertEqual((error as? ReplicationError)?.kind, .forbidden, "\(error)")
            }
        }
    }

    func testARecordOutsideItsOriginsAreaIsRefused() throws {
        let city = try replica("sz")
        let now = HybridClock.reading(wallMillis: city.wallClock.millis())
        XCTAssertThrowsError(try city.apply(batch([try write("R", by: "sz-pingshan", region: "440304", hlc: now)]), from: "sz-pingshan",
                                            cursor: ("received", 1))) { error in
            XCTAssertTrue("\(error)".contains("outside sz-pingshan's area"), "\(error)")
        }
    }

    func testAStampFarAheadIsRefusedAndTheClockDoesNotMove() throws {
        let clock = TestClock()
        let city = try replica("sz", clock: clock)
        let before = try city.store.read { try $0.persistedClock() }
        let poisoned = try write("P", by: "sz-pingshan", hlc: HybridClock.ceiling)
        XCTAssertThrowsError(try city.apply(batch([poisoned]), from: "sz-pingshan", cursor: ("received", 1))) { error in
            XCTAssertTrue("\(error)".contains("ahead of this node's clock"), "\(error)")
        }
        let hourAhead = try write("Q", by: "sz-pingshan", hlc: HybridClock.reading(wallMillis: clock.millis() + 3_600_000))
        XCTAssertThrowsError(try city.apply(batch([hourAhead]), from: "sz-pingshan", cursor: ("received", 1)))
        XCTAssertEqual(try city.store.read { try $0.persistedClock() }, before)
        // Local writes still work and stay near the wall clock.
        try LocalWriter(replica: city).write(dataset: "sz-housing", values: ["id": .string("H"), "region": .string("440310")])
        let stamp = try XCTUnwrap(try city.store.read { try $0.record(dataset: "sz-housing", key: "H") }?.state.regionStamp)
        XCTAssertLessThan(abs(stamp.millis - clock.millis()), 1000)
    }

    func testAChangeMixingOriginsIsRefused() throws {
        let city = try replica("sz")
        let now = HybridClock.reading(wallMillis: city.wallClock.millis())
        var mixed = try write("M", by: "sz-pingshan", hlc: now)
        mixed.items["name"] = ItemWrite(value: .string("y"), stamp: Stamp(hlc: now, origin: "gd-amr"))
        XCTAssertThrowsError(try city.apply(batch([mixed]), from: "sz-pingshan", cursor: ("received", 1))) { error in
            XCTAssertTrue("\(error)".contains("one change is one node's write"), "\(error)")
        }
    }
}

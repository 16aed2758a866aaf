import Foundation
import SyncCore
@testable import SyncStore
import SyncTesting
import XCTest

/// What the store keeps for faults: gaps in the log after a restore, tombstones
/// purged only once every neighbour has them, a size limit.
final class RecoveryStoreTests: XCTestCase {
    let region = try! RegionCode("440310")

    func entry(_ key: String, deleted: Bool = false, hlc: Int64) -> LogWrite {
        let change = deleted ? Change.delete(dataset: "d", key: key, region: region, origin: "sz", hlc: hlc)
            : Change.write(dataset: "d", key: key, region: region, values: ["name": .string(key)], origin: "sz", hlc: hlc)
        return LogWrite(dataset: "d", region: region, from: nil, live: true, body: ChangeCodec.encode(change))
    }

    func testAGapNumbersTheLogFarOnAndIsRemembered() throws {
        let store = try SQLiteStore.inMemory(nodeID: "sz", federation: "t")
        try store.write { tx in for n in 1...3 { _ = try tx.appendLog(entry("K\(n)", hlc: Int64(n)), at: 1) } }
        let gap = try store.write { try $0.openLogGap(past: 0, at: 2) }
        XCTAssertEqual(gap, 4...(3 + LogGaps.width))
        XCTAssertEqual(try store.read { try $0.logGaps() }, [gap])
        let next = try store.write { try $0.appendLog(entry("K4", hlc: 4), at: 3) }
        XCTAssertEqual(next, gap.upperBound + 1, "numbering goes on past the gap")
        // Past a neighbour's cursor that lies beyond this node's end, too.
        let second = try store.write { try $0.openLogGap(past: gap.upperBound + 10 * LogGaps.width, at: 4) }
        XCTAssertEqual(second.upperBound, gap.upperBound + 11 * LogGaps.width)
        XCTAssertEqual(try store.read { try $0.logGaps() }, [gap, second])
        XCTAssertEqual(LogGaps.parse(LogGaps.text([gap, second])), [gap, second])
        XCTAssertEqual(LogGaps.parse("5-3,x-1,,7-9"), [7...9], "malformed ranges are dropped")
    }

    func testTombstonesGoOnlyOnceEveryNeighbourHasThemAndTheyAreOldEnough() throws {
        for inLog in [nil, "gd"] { try tombstonesGoOnlyOnceEveryNeighbourHasThem(parentOutboxInLog: inLog) }
    }

    private func tombstonesGoOnlyOnceEveryNeighbourHasThem(parentOutboxInLog: String?) throws {
        let store = try SQLiteStore.inMemory(nodeID: "sz", federation: "t")
        try store.write { try $0.keepOutboxInLog(for: parentOutboxInLog) }
        let (old, fresh) = try store.write { tx -> (Int64, Int64) in
            var toParent = entry("OLD", deleted: true, hlc: 1)
            toParent.outboxes = ["gd"]
            let old = try XCTUnwrap(try tx.createRecord(key: "OLD", deleted: true, entry: toParent, at: 1_000))
            let fresh = try XCTUnwrap(try tx.createRecord(key: "NEW", deleted: true, entry: entry("NEW", deleted: true, hlc: 2), at: 9_000))
            _ = try tx.createRecord(key: "LIVE", deleted: false, entry: entry("LIVE", hlc: 3), at: 1_000)
            _ = try tx.growOutbox(peer: "gd", by: 1)
            return (old, fresh)
        }
        XCTAssertEqual(try store.write { try $0.purgeTombstones(loggedBefore: 5_000, limit: 100) }, 0, "the parent has not acknowledged it")
        try store.write { _ = try $0.acknowledge(peer: "gd", upTo: old) }
        try store.write { try $0.dropOutbox(peer: "sz-pingshan", at: 2_000) }
        XCTAssertEqual(try store.write { try $0.purgeTombstones(loggedBefore: 5_000, limit: 100) }, 0, "a child is owed a resync")
        try store.write { try $0.setResyncOwed(peer: "sz-pingshan", false) }
        XCTAssertEqual(try store.write { try $0.purgeTombstones(loggedBefore: 5_000, limit: 100) }, 1, "only the old one")
        XCTAssertNil(try store.read { try $0.record(dataset: "d", key: "OLD") })
        XCTAssertNotNil(try store.read { try $0.record(dataset: "d", key: "NEW") })
        XCTAssertNotNil(try store.read { try $0.record(dataset: "d", key: "LIVE") }, "live records are never purged")
        XCTAssertEqual(try store.write { try $0.purgeTombstones(loggedBefore: 10_000, limit: 100) }, 1)
        XCTAssertGreaterThan(fresh, old)
    }

    func testASizeLimitRefusesWritesAsAFullDiskAndIsLiftedAgain() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/node.db"
        let store = try SQLiteStore(path: path, nodeID: "sz", federation: "t")
        try store.setSizeLimit(mebibytes: 1)
        var failure: StoreError?
        for batch in 0..<200 where failure == nil {
            do {
                try store.write { tx in
                    for n in 0..<200 { _ = try tx.appendLog(entry("K\(batch)-\(n)-" + String(repeating: "x", count: 200), hlc: 1), at: 1) }
                }
            } catch let error as StoreError { failure = error }
        }
        let full = try XCTUnwrap(failure)
        XCTAssertTrue(full.isDiskFull, "\(full)")
        XCTAssertNoThrow(try store.read { try $0.lastLogSeq() }, "reads go on")
        // Another process opening the store gets the same limit.
        let other = try SQLiteStore(path: path, nodeID: "sz", federation: "t")
        XCTAssertThrowsError(try other.write { tx in for n in 0..<2000 { _ = try tx.appendLog(entry("M\(n)", hlc: 1), at: 1) } })
        try store.setSizeLimit(mebibytes: nil)
        XCTAssertNoThrow(try store.write { tx in for n in 0..<2000 { _ = try tx.appendLog(entry("N\(n)", hlc: 1), at: 1) } })
    }
}

import Foundation
import SyncCore
import SyncStore
import XCTest

/// A serving node copies its write-ahead log into the database when there is enough of it, or
/// when what it holds has waited long enough, not after every small commit.
final class CheckpointTests: XCTestCase {
    func store() throws -> SQLiteStore {
        let store = try SQLiteStore(path: "\(try directory())/node.db", nodeID: "sz", federation: "t")
        try store.checkpointInBackground()
        return store
    }

    func testASmallCommitWaitsAndALargeOneIsCopiedAtOnce() throws {
        let store = try store()
        XCTAssertFalse(try store.checkpointIfDue(pages: 256, seconds: 30), "nothing committed: nothing to copy")
        try store.write(.processCrash) { try $0.setNodeMeta("health", "1") }
        XCTAssertFalse(try store.checkpointIfDue(pages: 256, seconds: 30), "a page or two: left in the log")
        XCTAssertTrue(try store.checkpointIfDue(pages: 256, seconds: 0), "but not for longer than the interval")
        XCTAssertFalse(try store.checkpointIfDue(pages: 256, seconds: 0), "copied: nothing new since")

        try store.write(.processCrash) { tx in
            for i in 0..<2_000 { try tx.setNodeMeta("k\(i)", String(repeating: "x", count: 1_000)) }
        }
        XCTAssertTrue(try store.checkpointIfDue(pages: 256, seconds: 30), "over 256 pages: copied now")
        XCTAssertEqual(try store.checkpoint(), 0, "and completely")
    }
}

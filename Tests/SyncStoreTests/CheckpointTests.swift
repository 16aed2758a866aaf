import Foundation
import SyncCore
@testable import SyncStore
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

    /// A command (`syncnode import` while the node serves) leaves the copy of what it committed to
    /// the serving node, whose checkpointer copies it at its next look though its own writer
    /// committed nothing (the writer's hook counts only the writer's commits).
    func testACommandsCommitIsCopiedByTheServingNodeAtItsNextLook() throws {
        let path = "\(try directory())/node.db"
        let node = try SQLiteStore(path: path, nodeID: "sz", federation: "t")
        try node.checkpointInBackground()
        XCTAssertFalse(try node.checkpointIfDue(pages: 256, seconds: 30), "nothing committed: nothing to copy")
        let command = try SQLiteStore(path: path, nodeID: "sz", federation: "t")
        try command.checkpointInBackground()
        try command.write(.powerCut) { tx in
            for i in 0..<2_000 { try tx.setNodeMeta("k\(i)", String(repeating: "x", count: 1_000)) }
        }
        func databaseBytes() throws -> Int { try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) }
        XCTAssertLessThan(try databaseBytes(), 1_000_000, "the command's commit (2 MB) is left in the log")
        XCTAssertTrue(try node.checkpointIfDue(pages: 256, seconds: 30), "the node copies them at its next look")
        XCTAssertGreaterThan(try databaseBytes(), 2_000_000, "into the database")
        XCTAssertFalse(try node.checkpointIfDue(pages: 256, seconds: 30), "once")
        XCTAssertEqual(try node.read { try $0.nodeMeta("k1999") }?.count, 1_000)

        // A small commit of a command (a `syncnode write` of one record) waits like the node's own.
        try command.write(.powerCut) { try $0.setNodeMeta("one", "1") }
        XCTAssertFalse(try node.checkpointIfDue(pages: 256, seconds: 30), "a page or two: left in the log")
        XCTAssertTrue(try node.checkpointIfDue(pages: 256, seconds: 0), "but not for longer than the interval")
    }

    /// Commits arriving faster than a passive copy (a bulk push) used to keep the log from ever
    /// starting again: it grew to 4 GB during 1M records, and the first commit after the stream
    /// spent a second cutting it back. Past `restartPages`, the copy finishes holding the writer.
    func testASteadyStreamOfCommitsStillStartsTheLogAgain() throws {
        let store = try store()
        let commits = 800, rowsPerCommit = 16   // ~10 pages a commit, 8,000 in all
        let writer = Thread { [store] in
            for c in 0..<commits {
                try? store.write(.powerCut) { tx in   // an fsync a commit, as a node receives
                    for r in 0..<rowsPerCommit { try tx.setNodeMeta("c\(c)-\(r)", String(repeating: "x", count: 2_000)) }
                }
            }
        }
        writer.start()
        var most = 0, looks = 0
        while !writer.isFinished || looks == 0 {
            XCTAssertNoThrow(try store.checkpointIfDue(pages: 1, seconds: 0, restartPages: 200))
            most = max(most, store.logPages ?? 0)
            looks += 1
            Thread.sleep(forTimeInterval: 0.002)
        }
        XCTAssertGreaterThan(looks, 10, "the checkpointer looked while the commits went on")
        XCTAssertLessThan(most, 2_500, "the log started again while commits streamed in (\(looks) looks; 8,000 pages were committed)")
        XCTAssertEqual(try store.read { try $0.nodeMeta("c\(commits - 1)-\(rowsPerCommit - 1)") }?.count, 2_000, "every commit is there")
    }

    /// A transaction dirtying more pages than the writer's 16 MiB cache holds (a batch of changes
    /// with random keys) keeps them until its commit instead of spilling them into the log early
    /// (and writing them again); past `spillPages` (an import's one transaction) it spills, so the
    /// cache stays bounded.
    func testABatchLargerThanTheCacheIsNotSpilledBeforeItsCommit() throws {
        let path = "\(try directory())/node.db"
        let store = try SQLiteStore(path: path, nodeID: "sz", federation: "t")
        try store.checkpointInBackground()
        func logBytes() throws -> Int { try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) }
        func grewBeforeItsCommit(rows: Int) throws -> Int {
            try store.write(.processCrash) { tx in
                let before = try logBytes()
                for i in 0..<rows { try tx.setNodeMeta("r\(rows)-\(i)", String(repeating: "x", count: 3_000)) }   // a page a row
                return try logBytes() - before
            }
        }
        XCTAssertEqual(try grewBeforeItsCommit(rows: 5_000), 0, "5,000 dirty pages (20 MB, the cache holds ~3,900) wait for the commit")
        XCTAssertGreaterThan(try grewBeforeItsCommit(rows: SQLiteStore.spillPages + 1_000), 1_000_000, "past spillPages they spill")
        XCTAssertEqual(try store.read { try $0.nodeMeta("r5000-4999") }?.count, 3_000)
    }
}

import Foundation
import SQLite
import SyncCore
@testable import SyncStore
import SyncTesting
import XCTest

/// The parent's outbox kept as a range of the log (the entries marked `up` after
/// the range's start) instead of a row per entry: it must read, acknowledge, count
/// and trim exactly as an outbox of rows does.
final class OutboxRangeTests: XCTestCase {
    let region = try! RegionCode("440310")

    func entry(_ n: Int, to peers: [String]) -> LogWrite {
        let change = Change.write(dataset: "d", key: "K\(n)", region: region, values: ["name": .string("\(n)")],
                                  origin: "sz", hlc: Int64(n))
        return LogWrite(dataset: "d", region: region, from: nil, live: n % 3 != 0, body: ChangeCodec.encode(change), outboxes: peers)
    }

    /// What an outbox shows: its entries, depth and oldest waiting entry.
    func view(_ store: SQLiteStore, _ peer: String) throws -> [String] {
        try store.read { r in
            let seqs = try r.outbox(peer: peer, after: 0, limit: 10_000).map { "\($0.seq)" }.joined(separator: ",")
            let depth = try r.outboxStates()[peer]?.depth ?? 0
            let oldest = try r.oldestWaiting(peer: peer).map { String($0) } ?? "-"
            return [seqs, "depth \(depth)", "oldest \(oldest)"]
        }
    }

    func testARangeReadsAcknowledgesAndCountsAsRowsDo() throws {
        var generator = SeededGenerator(seed: 13)
        let rows = try SQLiteStore.inMemory(nodeID: "sz", federation: "t")
        let range = try SQLiteStore.inMemory(nodeID: "sz", federation: "t")
        try range.write { try $0.keepOutboxInLog(for: "gd") }
        var n = 0
        for step in 0..<300 {
            let roll = Int.random(in: 0..<10, using: &generator)
            let ack = Int64.random(in: 0...Int64(n + 2), using: &generator)
            for store in [rows, range] {
                try store.write { tx -> Void in
                    switch roll {
                    case 0..<6:   // a transaction of a few entries, to the parent, a child, both or nobody
                        var local = n
                        var added: [String: Int] = [:]
                        var g = SeededGenerator(seed: UInt64(step))
                        for _ in 0..<Int.random(in: 1...4, using: &g) {
                            local += 1
                            let choices: [[String]] = [["gd"], ["sz-pingshan"], ["gd", "sz-pingshan"], []]
                            let peers = choices[Int.random(in: 0..<4, using: &g)]
                            _ = try tx.appendLog(entry(local, to: peers), at: Int64(local))
                            for peer in peers { added[peer, default: 0] += 1 }
                        }
                        for (peer, count) in added { _ = try tx.growOutbox(peer: peer, by: count) }
                    case 6..<8: _ = try tx.acknowledge(peer: "gd", upTo: ack)
                    case 8: _ = try tx.acknowledge(peer: "sz-pingshan", upTo: ack)
                    default: _ = try tx.purgeTombstones(loggedBefore: .max, limit: 10)
                    }
                }
            }
            if roll < 6 { n = Int(try rows.read { try $0.lastLogSeq() }) }
            XCTAssertEqual(try range.read { try $0.lastLogSeq() }, Int64(n), "step \(step)")
            for peer in ["gd", "sz-pingshan"] {
                XCTAssertEqual(try view(range, peer), try view(rows, peer), "step \(step), \(peer)")
            }
        }
        XCTAssertGreaterThan(n, 300)
    }

    func testNamingAnotherParentMovesWhatWaitsBetweenRowsAndTheRange() throws {
        let path = "\(try directory())/node.db"
        let store = try SQLiteStore(path: path, nodeID: "sz", federation: "t")
        try store.write { tx in
            for n in 1...6 { _ = try tx.appendLog(entry(n, to: n % 2 == 0 ? ["gd"] : ["gd-2"]), at: Int64(n)) }
            _ = try tx.growOutbox(peer: "gd", by: 3)
            _ = try tx.growOutbox(peer: "gd-2", by: 3)
            _ = try tx.acknowledge(peer: "gd", upTo: 2)
        }
        let before = (try view(store, "gd"), try view(store, "gd-2"))
        XCTAssertEqual(before.0, ["4,6", "depth 2", "oldest 4"])
        let raw = try Database(path: path)
        func rows(_ peer: String) throws -> Int { try raw.first("SELECT COUNT(*) FROM outbox WHERE peer = ?", peer) { $0.int(0) } ?? -1 }

        try store.write { try $0.keepOutboxInLog(for: "gd") }
        XCTAssertEqual(try store.read { try $0.logOutboxPeer() }, "gd")
        XCTAssertEqual(try rows("gd"), 0, "what waited for the parent is in the log's range now")
        XCTAssertEqual(try view(store, "gd"), before.0)
        XCTAssertEqual(try view(store, "gd-2"), before.1)

        // The topology names another parent: what waits for the old one becomes rows again.
        try store.write { try $0.keepOutboxInLog(for: "gd-2") }
        XCTAssertEqual(try rows("gd"), 2)
        XCTAssertEqual(try rows("gd-2"), 0)
        XCTAssertEqual(try view(store, "gd"), before.0)
        XCTAssertEqual(try view(store, "gd-2"), before.1)
        try store.write { try $0.keepOutboxInLog(for: nil) }
        XCTAssertEqual(try view(store, "gd-2"), before.1)
        XCTAssertEqual(try raw.first("SELECT COUNT(*) FROM log WHERE up = 1") { $0.int(0) }, 0)
    }

    func testAnEmptyRangeStartsAfterWhatWasLoggedWhileNothingWaited() throws {
        let path = "\(try directory())/node.db"
        let store = try SQLiteStore(path: path, nodeID: "sz-pingshan", federation: "t")
        try store.write { try $0.keepOutboxInLog(for: "sz") }
        // A district taking backflow: many entries, none for its parent.
        for n in 1...50 { try store.write { _ = try $0.appendLog(entry(n, to: []), at: Int64(n)) } }
        let raw = try Database(path: path)
        let start = try raw.first("SELECT range_after FROM outbox_state WHERE peer = 'sz'") { $0.optionalInt64(0) } ?? nil
        XCTAssertEqual(start, 50, "the parent's reads start after the backflow, not at the first entry")
        try store.write { tx in
            _ = try tx.appendLog(entry(51, to: ["sz"]), at: 51)
            _ = try tx.growOutbox(peer: "sz", by: 1)
        }
        for n in 52...60 { try store.write { _ = try $0.appendLog(entry(n, to: []), at: Int64(n)) } }
        XCTAssertEqual(try view(store, "sz"), ["51", "depth 1", "oldest 51"], "a waiting entry holds the start")
    }

    func testAnOverflowedRangeIsDroppedAndOwesAResync() throws {
        let store = try SQLiteStore.inMemory(nodeID: "sz", federation: "t")
        try store.write { try $0.keepOutboxInLog(for: "gd") }
        try store.write { tx in
            for n in 1...4 { _ = try tx.appendLog(entry(n, to: ["gd"]), at: Int64(n)) }
            _ = try tx.growOutbox(peer: "gd", by: 4)
            try tx.dropOutbox(peer: "gd", at: 9)
        }
        XCTAssertEqual(try view(store, "gd"), ["", "depth 0", "oldest -"])
        XCTAssertEqual(try store.read { try $0.outboxStates()["gd"] },
                       OutboxState(depth: 0, resyncOwed: true, overflowedAt: 9, resyncFrom: 4))
        try store.write { tx in
            _ = try tx.appendLog(entry(5, to: ["gd"]), at: 5)
            _ = try tx.growOutbox(peer: "gd", by: 1)
        }
        XCTAssertEqual(try view(store, "gd"), ["5", "depth 1", "oldest 5"], "what comes after the drop waits as usual")
    }
}

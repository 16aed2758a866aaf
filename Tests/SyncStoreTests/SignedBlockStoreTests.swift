import Foundation
import SQLite
import SyncCore
@testable import SyncStore
import XCTest

/// Signed blocks no log entry names any more: found by a reader, dropped by the writer only
/// while still unnamed.
final class SignedBlockStoreTests: XCTestCase {
    let region = try! RegionCode("440310")

    func block(_ n: Int) -> SignedBlock {
        SignedBlock(origin: "sz-pingshan", leaves: Array(repeating: UInt8(n % 256), count: 32),
                    signature: Array("signature \(n)".utf8), certificate: Array("certificate".utf8))
    }

    /// A log entry in `block`; retired entries go when the log is trimmed.
    func entry(_ key: String, block id: Int64?, live: Bool) -> LogWrite {
        let change = Change.write(dataset: "d", key: key, region: region, values: ["name": .string(key)], origin: "sz-pingshan", hlc: 1)
        return LogWrite(dataset: "d", region: region, from: "sz-pingshan", live: live, body: ChangeCodec.encode(change),
                        proof: id.map { LogProof(block: $0, leaf: 0) })
    }

    /// The blocks the file holds, read apart from the store.
    func blockIDs(_ path: String) throws -> [Int64] {
        try Database(path: path).rows("SELECT id FROM signed_block ORDER BY id") { $0.int64(0) }
    }

    func testABlockIsDroppedOnlyWhileNoEntryNamesItEvenOneWrittenAfterTheScan() throws {
        let path = "\(try directory())/node.db"
        let store = try SQLiteStore(path: path, nodeID: "sz", federation: "t")
        let (a, b, c) = try store.write { tx in
            (try tx.storeBlock(block(1)), try tx.storeBlock(block(2)), try tx.storeBlock(block(3)))
        }
        try store.write { tx in
            for write in [entry("K1", block: a, live: false), entry("K2", block: b, live: true),
                          entry("K3", block: c, live: false), entry("K4", block: nil, live: true)] {
                var write = write
                write.outboxes = ["gd"]
                _ = try tx.appendLog(write, at: 1)
            }
            _ = try tx.growOutbox(peer: "gd", by: 4)
        }
        // The parent has them all: the retired entries are trimmed.
        try store.write { _ = try $0.acknowledge(peer: "gd", upTo: 4) }
        let unused = try store.read { try $0.unusedBlocks(limit: 100) }
        XCTAssertEqual(unused.ids, [a, c], "the retired entries are gone: their blocks are named by nothing")
        XCTAssertEqual(unused.throughSeq, 4)

        // A change of block c comes again (a resync page) after the reader looked: c must stay.
        try store.write { tx in _ = try tx.appendLog(entry("K3", block: try tx.storeBlock(block(3)), live: true), at: 2) }
        XCTAssertEqual(try store.write { try $0.dropBlocks(unused.ids, unlessNamedAfter: unused.throughSeq) }, 1)
        XCTAssertEqual(try blockIDs(path), [b, c], "b is named by a live entry, c by the entry written after the scan")
        XCTAssertEqual(try store.read { try $0.unusedBlocks(limit: 100).ids }, [])
    }

    func testManyUnusedBlocksGoInChunksAndTheLimitHolds() throws {
        let path = "\(try directory())/node.db"
        let store = try SQLiteStore(path: path, nodeID: "sz", federation: "t")
        try store.write { tx in
            for n in 1...1_203 { _ = try tx.storeBlock(block(n)) }
            _ = try tx.appendLog(entry("K1", block: 7, live: true), at: 1)
        }
        XCTAssertEqual(try store.read { try $0.unusedBlocks(limit: 1_000).ids.count }, 1_000)
        let unused = try store.read { try $0.unusedBlocks(limit: 10_000) }
        XCTAssertEqual(unused.ids.count, 1_202)
        XCTAssertEqual(try store.write { try $0.dropBlocks(unused.ids, unlessNamedAfter: unused.throughSeq) }, 1_202)
        XCTAssertEqual(try blockIDs(path), [7])
        XCTAssertEqual(try store.read { try $0.unusedBlocks(limit: 10_000).ids }, [])
    }
}

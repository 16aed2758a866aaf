import SQLite
import SyncCore

/// The origins' signed blocks, and the proofs log entries are read with.
extension StoreAccess {
    /// Blocks read once per call, by id.
    typealias BlockCache = [Int64: SignedBlock]

    func storeBlock(_ block: SignedBlock) throws -> Int64 {
        if let id = try db.first("SELECT id FROM signed_block WHERE origin = ? AND signature = ?",
                                 block.origin, SQLValue.bytes(block.signature), map: { $0.int64(0) }) {
            return id
        }
        let id = try reserveBlockID()
        try storeBlock(block, id: id)
        return id
    }

    func reserveBlockID() throws -> Int64 {
        let next = try scratch.nextBlock ?? ((db.first("SELECT MAX(id) FROM signed_block") { $0.optionalInt64(0) } ?? nil) ?? 0) + 1
        scratch.nextBlock = next + 1
        return next
    }

    func storeBlock(_ block: SignedBlock, id: Int64) throws {
        try db.run("INSERT INTO signed_block(id, origin, leaves, signature, certificate) VALUES (?, ?, ?, ?, ?)",
                   id, block.origin, SQLValue.bytes(block.leaves), SQLValue.bytes(block.signature), SQLValue.bytes(block.certificate))
        scratch.nextBlock = max(scratch.nextBlock ?? 0, id + 1)
    }

    /// One statement, so one snapshot: the blocks and the highest sequence number are read together.
    func unusedBlocks(limit: Int) throws -> (ids: [Int64], throughSeq: Int64) {
        var ids: [Int64] = []
        var through: Int64 = 0
        try db.forEach("""
            SELECT id, (SELECT COALESCE(MAX(seq), 0) FROM log) FROM signed_block
            WHERE id NOT IN (SELECT block FROM log WHERE block IS NOT NULL) ORDER BY id LIMIT ?
            """, Int64(limit)) { row in
            ids.append(row.int64(0))
            through = row.int64(1)
        }
        return (ids, through)
    }

    func dropBlocks(_ ids: [Int64], unlessNamedAfter seq: Int64) throws -> Int {
        var dropped = 0
        for start in stride(from: 0, to: ids.count, by: 500) {
            // Always 500 places (the last id repeated), so the statement is prepared once.
            let part = Array(ids[start..<min(ids.count, start + 500)])
            let places = repeatElement("?", count: 500).joined(separator: ",")
            let values: [any SQLConvertible] = part + repeatElement(part.last!, count: 500 - part.count) + [seq]
            // The entries after `seq` are a range of the log's primary key: those written since the read.
            dropped += try db.run("""
                DELETE FROM signed_block WHERE id IN (\(places))
                AND id NOT IN (SELECT block FROM log WHERE seq > ? AND block IS NOT NULL)
                """, values)
        }
        return dropped
    }

    func block(id: Int64) throws -> SignedBlock? {
        try db.first("SELECT origin, leaves, signature, certificate FROM signed_block WHERE id = ?", id) {
            SignedBlock(origin: $0.text(0), leaves: $0.bytes(1), signature: $0.bytes(2), certificate: $0.bytes(3))
        }
    }

    /// The proof of the log row whose `block`, `leaf` and `whole` columns start at `column`.
    func proof(_ row: Row, column: Int, blocks: inout BlockCache) throws -> ChangeProof? {
        guard let id = row.optionalInt64(column) else { return nil }
        let block: SignedBlock
        if let known = blocks[id] {
            block = known
        } else {
            guard let read = try self.block(id: id) else {
                throw StoreError("read a log entry's signature", "signed block \(id) that a log entry names is missing",
                                 hint: "the database is damaged: restore it from a backup, or start the node afresh to resync")
            }
            blocks[id] = read
            block = read
        }
        let whole = row.isNull(column + 2) ? nil : row.bytes(column + 2)
        return ChangeProof(block: block, leaf: row.int(column + 1), whole: whole)
    }
}

import SQLite
import SyncCore

/// The counts quotas are checked by, each a range of an index.
extension StoreAccess {
    func conflictCount(proposer: String) throws -> Int {
        try db.first("SELECT COUNT(*) FROM conflict WHERE origin = ?", proposer) { $0.int(0) } ?? 0
    }

    func catalogEntryCount(source: String) throws -> Int {
        try db.first("SELECT COUNT(*) FROM catalog_entry WHERE source_node = ?", source) { $0.int(0) } ?? 0
    }

    func recordCount(dataset: String, keyPrefix: String) throws -> Int {
        // The keys from the prefix up to the prefix with its last byte raised: a range of the primary key.
        var upper = Array(keyPrefix.utf8)
        guard let last = upper.popLast(), last < 0x7f else {
            return try db.first("SELECT COUNT(*) FROM record_state WHERE dataset = ? AND key >= ?", dataset, keyPrefix) { $0.int(0) } ?? 0
        }
        upper.append(last + 1)
        return try db.first("SELECT COUNT(*) FROM record_state WHERE dataset = ? AND key >= ? AND key < ?", dataset, keyPrefix,
                            String(decoding: upper, as: UTF8.self)) { $0.int(0) } ?? 0
    }
}

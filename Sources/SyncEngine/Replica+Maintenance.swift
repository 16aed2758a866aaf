import SyncCore

extension Replica {
    /// Forgets deletions older than the policy's tombstone retention that every
    /// neighbour has acknowledged (no outbox holds them, no resync is owed), and
    /// compacts the log entries they held. Returns how many went.
    @discardableResult
    public func purgeTombstones(limit: Int = 10_000) throws -> Int {
        let retention = Int64(max(0, policy.tombstoneRetentionDays) * 86_400_000)
        let cutoff = wallClock.millis() - retention
        return try store.write { try $0.purgeTombstones(loggedBefore: cutoff, limit: limit) }
    }

    /// Forgets the signed blocks no log entry names any more (their changes were all delivered and superseded).
    @discardableResult
    public func dropUnusedBlocks() throws -> Int {
        try store.write(.processCrash) { try $0.dropUnusedBlocks() }
    }
}

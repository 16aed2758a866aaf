/// The counts by which a node bounds what one other node can make it keep.
public protocol QuotaReading {
    /// Open conflicts proposed by `proposer` kept here.
    func conflictCount(proposer: String) throws -> Int
    /// Catalog entries whose source is `source`.
    func catalogEntryCount(source: String) throws -> Int
    /// Records of `dataset` whose key starts with `prefix` (tickets: their ids start with the filer's).
    func recordCount(dataset: String, keyPrefix: String) throws -> Int
}

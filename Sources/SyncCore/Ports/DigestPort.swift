/// The store's part in anti-entropy: reading records as a digest sees them, and
/// keeping what each comparison with a neighbour found.

/// One record as a digest reads it: its key, region, tombstone flag and the canonical
/// bytes of the logged changes whose join it is.
public struct DigestRow: Sendable {
    public var key: String
    public var region: String
    public var deleted: Bool
    public var bodies: [[UInt8]]

    public init(key: String, region: String, deleted: Bool, bodies: [[UInt8]]) {
        self.key = key
        self.region = region
        self.deleted = deleted
        self.bodies = bodies
    }
}

/// What the last comparison of one dataset with one neighbour found.
public struct LinkDigest: Sendable, Equatable, Codable {
    public var peer: String
    public var dataset: String
    /// When it was last compared (ms, local clock).
    public var checkedAt: Int64
    /// When the two copies were last proven equal (ms), nil if never.
    public var equalAt: Int64?
    /// Records both must hold, as this node counted them.
    public var records: Int
    /// Records that differed and are not yet proven repaired (0: the copies agree).
    public var differing: Int
    /// Why some could not be repaired, for an operator; nil when all were.
    public var note: String?

    public init(peer: String, dataset: String, checkedAt: Int64, equalAt: Int64?, records: Int, differing: Int, note: String?) {
        self.peer = peer
        self.dataset = dataset
        self.checkedAt = checkedAt
        self.equalAt = equalAt
        self.records = records
        self.differing = differing
        self.note = note
    }
}

public protocol DigestReading {
    /// Every record of `dataset` whose region starts with `regionPrefix`, tombstones included, in no set order.
    func forEachDigestRow(dataset: String, regionPrefix: String, _ body: (DigestRow) throws -> Void) throws
    /// The live log entries whose join the records `keys` of `dataset` are (for a repair), each with its signature.
    func liveEntries(dataset: String, keys: [String]) throws -> [LiveEntry]
    /// What the comparisons with neighbours found, per neighbour and dataset.
    func linkDigests() throws -> [LinkDigest]
}

public protocol DigestWriting {
    /// Keeps what a comparison found (replacing what the last one of that neighbour and dataset found).
    func putLinkDigest(_ digest: LinkDigest) throws
}

/// A tree of hashes over the records two neighbours must both hold of one
/// dataset (anti-entropy, like Cassandra's Merkle trees or CouchDB's
/// `_revs_diff`): two copies that agree compare by their roots; two that differ
/// find the differing records by descending into the branches whose hashes differ.
///
/// Each record is a leaf: a 64-bit hash of its key, its region, its tombstone flag
/// and the canonical bytes of the logged changes whose join it is (which carry every
/// item's value and stamp and the tombstone's). The key's own hash places it in one
/// of 65,536 buckets (`bucket`), 256 under each of 256 branches; a bucket's hash is
/// the XOR of its leaves, a branch's the XOR of its buckets, so the tree needs no
/// sorting and is the same whatever order the records are read in.
///
/// The hashes are not cryptographic: they find copies that differ by accident (a
/// restore, a lost page, a bug, a hand edit). A neighbour that lies about its own
/// copy can only keep itself from being repaired: nothing it sends is trusted for
/// that, since repairs travel as changes signed by their origins.
public struct DigestTree: Sendable, Equatable {
    public static let branches = 256
    public static let bucketsPerBranch = 256
    public static let buckets = branches * bucketsPerBranch
    /// Filled buckets past which the tree keeps every bucket in an array.
    static let denseAfter = 4096

    /// Records in the tree.
    public private(set) var count = 0
    /// The XOR of the leaves in each bucket that holds any, while few do: a dataset of a few
    /// records costs a few entries, not 65,536 (a federation shares many small datasets)…
    private var sparse: [Int: UInt64] = [:]
    /// …and every bucket once many do.
    private var dense: [UInt64]?

    public init() {}

    /// Adds a record's leaf.
    public mutating func add(key: String, leaf: UInt64) {
        let bucket = DigestTree.bucket(of: key)
        count += 1
        if dense != nil {
            dense![bucket] ^= leaf
            return
        }
        sparse[bucket, default: 0] ^= leaf
        guard sparse.count > DigestTree.denseAfter else { return }
        var all = [UInt64](repeating: 0, count: DigestTree.buckets)
        for (index, hash) in sparse { all[index] = hash }
        dense = all
        sparse = [:]
    }

    /// Buckets held (what the tree costs to keep).
    public var filledBuckets: Int { dense == nil ? sparse.count : DigestTree.buckets }

    /// The hash of bucket `index`.
    public func bucketHash(_ index: Int) -> UInt64 { dense?[index] ?? sparse[index] ?? 0 }

    /// Every bucket's hash, in order.
    public var bucketHashes: [UInt64] { dense ?? (0..<DigestTree.buckets).map(bucketHash) }

    /// The hash of each branch (the XOR of its buckets).
    public var branchHashes: [UInt64] {
        var hashes = [UInt64](repeating: 0, count: DigestTree.branches)
        if let dense {
            for (index, hash) in dense.enumerated() { hashes[index / DigestTree.bucketsPerBranch] ^= hash }
        } else {
            for (index, hash) in sparse { hashes[index / DigestTree.bucketsPerBranch] ^= hash }
        }
        return hashes
    }

    public static func == (a: DigestTree, b: DigestTree) -> Bool { a.count == b.count && a.bucketHashes == b.bucketHashes }

    /// The root: the record count and a hash over the branches, as text (what two neighbours compare first).
    public var root: String {
        var hash = FastHash()
        if count > 0 { for value in branchHashes { hash.add(value) } }
        hash.add(UInt64(count))
        return "\(count):" + FastHash.hex(hash.value)
    }

    /// The buckets of `branch`.
    public func buckets(of branch: Int) -> [UInt64] {
        let start = branch * DigestTree.bucketsPerBranch
        return (start..<(start + DigestTree.bucketsPerBranch)).map(bucketHash)
    }

    /// The bucket a key's record is in.
    public static func bucket(of key: String) -> Int {
        var hash = FastHash()
        hash.add(bytes: key.utf8)
        return Int(truncatingIfNeeded: hash.value >> 48)
    }

    /// A record's leaf: what two copies of it must agree on.
    /// - Parameter bodies: the canonical bytes of the logged changes whose join the record is, in any order.
    public static func leaf(key: String, region: String, deleted: Bool, bodies: [[UInt8]]) -> UInt64 {
        var hash = FastHash()
        hash.add(bytes: key.utf8)
        hash.add(deleted ? 1 : 0)
        hash.add(bytes: region.utf8)
        // The order the contributions are named in is the store's: combine them so it does not matter.
        var contributions: UInt64 = 0
        for body in bodies {
            var one = FastHash()
            one.add(bytes: body)
            contributions = contributions &+ one.value
        }
        hash.add(contributions)
        hash.add(UInt64(bodies.count))
        return hash.value
    }
}

/// A fast 64-bit hash (FNV-1a over the bytes, each word mixed in with splitmix64's
/// finaliser): for telling copies apart, not for security.
public struct FastHash: Sendable {
    public private(set) var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        var s = state
        for byte in bytes { s = (s ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        state = FastHash.mix(s ^ 0xff)
    }

    public mutating func add(_ word: UInt64) { state = FastHash.mix(state ^ FastHash.mix(word &+ 0x9e37_79b9_7f4a_7c15)) }

    public var value: UInt64 { FastHash.mix(state) }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// 16 hex digits.
    public static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }

    public static func parse(_ text: String) -> UInt64? {
        text.utf8.count == 16 ? UInt64(text, radix: 16) : nil
    }
}

import Foundation

/// `POST /v1/digest`: a child compares its copy of what it shares with its
/// parent, dataset by dataset, descending the digest tree only where it differs:
/// `roots` (every dataset's root), `buckets` (the buckets of the branches whose
/// hashes differ), `leaves` (the child's leaves in the buckets that differ; the
/// parent answers the keys whose records differ), `entries` (the parent's logged
/// changes of those records, as a `Batch`). Repairs the other way go to
/// `POST /v1/digest/repair` as a `Batch`.
public struct DigestRequest: JSONMessage, Sendable, Equatable {
    public static let what = "digest request"
    public enum Op: String, Codable, Sendable { case roots, buckets, leaves, entries }

    public var op: Op
    /// roots: each dataset's root as the child computed it.
    public var roots: [String: String]?
    /// buckets, leaves, entries: the dataset.
    public var dataset: String?
    /// buckets: the branches whose buckets are wanted.
    public var branches: [Int]?
    /// leaves: the buckets compared…
    public var buckets: [Int]?
    /// …with the child's leaves in them, key to 16 hex digits.
    public var leaves: [String: String]?
    /// entries: the records whose changes are wanted.
    public var keys: [String]?

    public init(op: Op, roots: [String: String]? = nil, dataset: String? = nil, branches: [Int]? = nil, buckets: [Int]? = nil,
                leaves: [String: String]? = nil, keys: [String]? = nil) {
        self.op = op
        self.roots = roots
        self.dataset = dataset
        self.branches = branches
        self.buckets = buckets
        self.leaves = leaves
        self.keys = keys
    }

    /// Bounds every request is held to.
    public enum Limits {
        public static let datasets = 10_000
        public static let buckets = 4_096
        public static let leaves = 200_000
        public static let keys = 5_000
    }

    /// Decodes and checks a request: every number in range, every list within its bound.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> DigestRequest {
        let request = try decodeJSON(bytes)
        try request.check()
        return request
    }

    func check() throws(WireError) {
        switch op {
        case .roots:
            guard let roots, roots.count <= Limits.datasets else { throw WireError("'roots' must list at most \(Limits.datasets) datasets") }
        case .buckets:
            guard dataset != nil, let branches, branches.count <= DigestTree.branches,
                  branches.allSatisfy({ (0..<DigestTree.branches).contains($0) }) else {
                throw WireError("'buckets' needs 'dataset' and 'branches', at most \(DigestTree.branches) numbers from 0 to \(DigestTree.branches - 1)")
            }
        case .leaves:
            guard dataset != nil, let buckets, buckets.count <= Limits.buckets, buckets.allSatisfy({ (0..<DigestTree.buckets).contains($0) }) else {
                throw WireError("'leaves' needs 'dataset' and 'buckets', at most \(Limits.buckets) numbers from 0 to \(DigestTree.buckets - 1)")
            }
            guard let leaves, leaves.count <= Limits.leaves, leaves.values.allSatisfy({ FastHash.parse($0) != nil }) else {
                throw WireError("'leaves' must map at most \(Limits.leaves) keys to 16 hex digits each")
            }
        case .entries:
            guard dataset != nil, let keys, keys.count <= Limits.keys else {
                throw WireError("'entries' needs 'dataset' and 'keys', at most \(Limits.keys) of them")
            }
        }
    }
}

/// The parent's answer to a `DigestRequest` (but `entries`, answered with a `Batch`).
public struct DigestAnswer: JSONMessage, Sendable, Equatable {
    public static let what = "digest answer"
    /// roots: the datasets whose copies agree.
    public var equal: [String]?
    /// roots: the datasets whose copies differ, with the parent's 256 branch hashes.
    public var differing: [String: [String]]?
    /// roots: datasets the parent does not share with this child (yet: its catalog may be behind).
    public var unknown: [String]?
    /// roots: the parent still has changes on their way to the child: compare again later.
    public var busy: Bool?
    /// buckets: per branch asked for, its 256 bucket hashes.
    public var buckets: [String: [String]]?
    /// leaves: the keys whose records differ in the buckets compared.
    public var keys: [String]?

    public init(equal: [String]? = nil, differing: [String: [String]]? = nil, unknown: [String]? = nil, busy: Bool? = nil,
                buckets: [String: [String]]? = nil, keys: [String]? = nil) {
        self.equal = equal
        self.differing = differing
        self.unknown = unknown
        self.busy = busy
        self.buckets = buckets
        self.keys = keys
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> DigestAnswer { try decodeJSON(bytes) }
}

/// The answer to `POST /v1/digest/repair`: what the receiver applied and what it left out, and why.
public struct RepairAnswer: JSONMessage, Sendable, Equatable {
    public static let what = "repair answer"
    public var applied: Int
    public var unrepaired: Int
    public var reasons: [String]

    public init(applied: Int, unrepaired: Int, reasons: [String]) {
        self.applied = applied
        self.unrepaired = unrepaired
        self.reasons = reasons
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> RepairAnswer { try decodeJSON(bytes) }
}

/// A small protocol message read and written with Foundation's JSON coders (the body's size is
/// bounded by the server before it is read).
public protocol JSONMessage: Codable {
    /// What it is, for errors.
    static var what: String { get }
}

extension JSONMessage {
    public func encoded() -> [UInt8] { Array((try? JSONEncoder().encode(self)) ?? Data()) }

    public static func decodeJSON(_ bytes: [UInt8]) throws(WireError) -> Self {
        do { return try JSONDecoder().decode(Self.self, from: Data(bytes)) } catch { throw WireError("not a \(what): \(error)") }
    }
}

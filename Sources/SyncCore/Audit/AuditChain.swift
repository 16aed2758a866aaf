/// One thing done at a node, as its audit log keeps it: who, what, on what,
/// when, and the link to the entry before (可追溯, 长沙 §32(2), §38(4); 普陀 §13–14; 汕尾 §30).
public struct AuditEntry: Sendable, Equatable, Codable {
    /// Its place in the log: 1, 2, 3, … without gaps.
    public var seq: Int64
    /// When (ms since 1970).
    public var at: Int64
    /// The operator who ran it (`--operator`), or `syncnode` for what the node does by itself.
    public var by: String
    /// What was done: `write`, `import`, `export`, `records`, `push served`, `pull served`, …
    public var action: String
    /// What it was done on: a dataset, a ticket, a neighbour.
    public var subject: String
    /// Counts, purposes, outcomes.
    public var detail: String
    /// The hash of the entry before (64 zeros before the first).
    public var previous: String
    /// SHA-256 over all of the above: changing any byte of an entry, or removing or
    /// reordering entries, breaks the chain from there on.
    public var hash: String

    public init(seq: Int64, at: Int64, by: String, action: String, subject: String, detail: String, previous: String) {
        self.seq = seq
        self.at = at
        self.by = by
        self.action = action
        self.subject = subject
        self.detail = detail
        self.previous = previous
        self.hash = AuditChain.hash(seq: seq, at: at, by: by, action: action, subject: subject, detail: detail, previous: previous)
    }
}

/// What an action contributes to the audit log; the store numbers and chains it.
public struct AuditDraft: Sendable, Equatable {
    public var by: String
    public var action: String
    public var subject: String
    public var detail: String

    public init(by: String, action: String, subject: String, detail: String = "") {
        self.by = by
        self.action = action
        self.subject = String(subject.prefix(512))
        self.detail = String(detail.prefix(2048))
    }
}

/// The newest entry's place and hash, signed by the node: what a child sends its parent
/// with each health exchange, so that it cannot rewrite its history unnoticed.
public struct AuditHead: Sendable, Equatable, Codable {
    public var seq: Int64
    public var hash: String
    /// The node's signature (hex) of `message`.
    public var signature: String
    /// When the parent received it (ms), as kept there.
    public var at: Int64?

    public init(seq: Int64, hash: String, signature: String, at: Int64? = nil) {
        self.seq = seq
        self.hash = hash
        self.signature = signature
        self.at = at
    }

    /// The bytes signed: node, place and hash.
    public static func message(node: String, seq: Int64, hash: String) -> [UInt8] {
        Array("syncnode audit head \(node) \(seq) \(hash)".utf8)
    }
}

/// The hash chain of an audit log.
public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)

    /// SHA-256 of the entry's fields, each length-prefixed (no field can pass for another).
    public static func hash(seq: Int64, at: Int64, by: String, action: String, subject: String, detail: String, previous: String) -> String {
        let fields = [String(seq), String(at), by, action, subject, detail, previous]
        return SHA256Digest.hex(fields.map { "\($0.utf8.count):\($0)" }.joined(separator: "|"))
    }

    /// What is wrong with a run of entries read in order (nothing: an empty list), each problem
    /// naming the entry: a changed entry, a missing one, one moved or inserted.
    /// - Parameter previous: the hash the first entry must link to (the genesis for entry 1).
    public static func problems(_ entries: [AuditEntry], previous start: String = genesis, firstSeq: Int64 = 1) -> [String] {
        var problems: [String] = []
        var previous = start
        var expected = firstSeq
        for entry in entries {
            if entry.seq != expected {
                problems.append(entry.seq > expected
                    ? "entries \(expected)…\(entry.seq - 1) are missing (removed from the log)"
                    : "entry \(entry.seq) is out of place after entry \(expected - 1) (moved or inserted)")
            }
            if entry.previous != previous {
                problems.append("entry \(entry.seq) does not link to the entry before it (an entry before it was removed, inserted or reordered)")
            }
            let recomputed = hash(seq: entry.seq, at: entry.at, by: entry.by, action: entry.action, subject: entry.subject,
                                  detail: entry.detail, previous: entry.previous)
            if recomputed != entry.hash {
                problems.append("entry \(entry.seq) was changed after it was written (its content does not match its hash)")
            }
            previous = entry.hash
            expected = entry.seq + 1
        }
        return problems
    }
}

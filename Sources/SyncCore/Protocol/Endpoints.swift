/// The paths of the federation protocol (all versioned) and the parameters
/// they take: the one place both sides name them.
public enum Endpoint {
    /// `POST`: a child's health message; the answer is the parent's.
    public static let health = "/v1/health"
    /// `POST`: a child sends a batch of its outbox (`Batch`); the answer is a `PushAnswer`.
    public static let push = "/v1/push"
    /// `GET`: a child long-polls for changes routed to it (`PullRequest`); the answer is a `Batch`.
    public static let pull = "/v1/pull"
    /// `POST`: a child asks whether a record holds given values (核验), for itself or a node below it:
    /// a `VerificationService.Question`; the answer is a `VerificationService.Answer`.
    public static let verify = "/v1/verify"
    /// `GET`: the audit heads this node keeps of the calling child's audit log (`[AuditHead]`).
    public static let auditHeads = "/v1/audit/heads"
    /// `POST`: a source system of this node loads records (the ingestion API).
    public static let ingest = "/v1/ingest"
    /// `GET`: answers `{}` and changes nothing. A child's idle push connection uses it to stay open
    /// (a parent closes connections idle for 30 s), so that the next change on each hop goes out on
    /// an open connection instead of waiting for a TCP and TLS handshake.
    public static let keepAlive = "/v1/keepalive"
    /// `POST`: a child compares its copy of what it shares with its parent (`DigestRequest`, anti-entropy).
    public static let digest = "/v1/digest"
    /// `POST`: a child sends its changes of records that differ (`Batch`); the answer is a `RepairAnswer`.
    public static let digestRepair = "/v1/digest/repair"
}

/// Bounds a node holds every peer's messages to.
public enum ProtocolLimits {
    /// Most changes in one batch, either way.
    public static let maxBatchEntries = 20_000
    /// Longest a pull may wait for changes, in seconds.
    public static let maxPullWait = 30.0
    /// Seconds a node keeps a peer's connection open without a request before closing it.
    public static let idleConnectionSeconds = 30.0
    /// Seconds a child's idle push connection goes without a request before it sends `keepAlive`:
    /// well inside `idleConnectionSeconds`, so the parent never closes it first.
    public static let keepAliveAfter = idleConnectionSeconds * 2 / 3
    /// Most reports one health message may carry (a child's subtree).
    public static let maxReports = 5_000
}

/// `GET /v1/pull?after=N&limit=L&wait=S[&resync=MARK]`: what a child asks its parent for.
public struct PullRequest: Sendable, Equatable {
    /// The parent's sequence number the child has applied up to (it holds everything up to it durably).
    public var after: Int64
    /// Most changes wanted.
    public var limit: Int
    /// Seconds the parent may wait for changes before answering an empty page.
    public var wait: Double
    /// During a full resync: where to continue, or that the child has applied the last page.
    public var resync: ResyncMark?
    /// The child was restored from a backup and asks for everything back, its own writes
    /// included (a full resync that also returns what it wrote after its backup).
    public var recover: Bool

    public init(after: Int64, limit: Int, wait: Double, resync: ResyncMark? = nil, recover: Bool = false) {
        self.after = after
        self.limit = limit
        self.wait = wait
        self.resync = resync
        self.recover = recover
    }

    /// The path with its query.
    public var path: String {
        var path = "\(Endpoint.pull)?after=\(after)&limit=\(limit)&wait=\(JSONWriter.doubleText(wait))"
        if let resync { path += "&resync=" + resync.token }
        if recover { path += "&recover=1" }
        return path
    }

    /// Reads the query of a pull; numbers out of range are errors, not clamped silently.
    public init(query: [String: String]) throws(WireError) {
        guard let after = Int64(query["after"] ?? "0"), after >= 0 else {
            throw WireError("'after' must be a sequence number (a whole number, 0 or more)")
        }
        guard let limit = Int(query["limit"] ?? "1000"), limit >= 1, limit <= ProtocolLimits.maxBatchEntries else {
            throw WireError("'limit' must be a whole number from 1 to \(ProtocolLimits.maxBatchEntries)")
        }
        guard let wait = Double(query["wait"] ?? "0"), wait.isFinite, wait >= 0, wait <= ProtocolLimits.maxPullWait else {
            throw WireError("'wait' must be seconds from 0 to \(Int(ProtocolLimits.maxPullWait))")
        }
        var resync: ResyncMark?
        if let token = query["resync"] {
            guard let mark = ResyncMark(token: token) else { throw WireError("'resync' is not a resync position or 'complete'") }
            resync = mark
        }
        guard let recover = query["recover"].map({ $0 == "1" ? true : $0 == "0" ? false : nil }) ?? false else {
            throw WireError("'recover' must be 1 or 0")
        }
        self.init(after: after, limit: limit, wait: wait, resync: resync, recover: recover)
    }
}

/// Where a full resync has got to: the reserved datasets (catalog and the
/// like) are sent first, then records, each in the sender's log order.
public struct ResyncPosition: Sendable, Equatable {
    /// True while the reserved datasets are being sent.
    public var reserved: Bool
    /// The last log sequence number sent in this phase.
    public var seq: Int64

    public init(reserved: Bool, seq: Int64) {
        self.reserved = reserved
        self.seq = seq
    }
}

/// The resync marker a batch or a pull request carries: the position to go
/// on from, or `complete`. Its text form is the same in a query and in JSON.
public enum ResyncMark: Sendable, Equatable {
    case next(ResyncPosition)
    case complete

    public var token: String {
        switch self {
        case .complete: "complete"
        case .next(let p): "\(p.reserved ? "reserved" : "records").\(p.seq)"
        }
    }

    public init?(token: String) {
        if token == "complete" { self = .complete; return }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "reserved" || parts[0] == "records",
              parts[1].utf8.count <= 19, parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let seq = Int64(parts[1]) else { return nil }
        self = .next(ResyncPosition(reserved: parts[0] == "reserved", seq: seq))
    }
}

import Foundation

/// A record as a node stores it: its merged state and the logged changes
/// whose join it is (usually one, the change that created it).
public struct StoredRecord: Sendable {
    public var state: RecordState
    /// The contributing changes with their log sequence numbers.
    public var contributions: [(seq: Int64, change: Change)]

    public init(state: RecordState, contributions: [(seq: Int64, change: Change)]) {
        self.state = state
        self.contributions = contributions
    }
}

/// One logged change as the store writes it.
public struct LogWrite: Sendable {
    public var dataset: String
    public var region: RegionCode
    /// The neighbour it came from; nil when written here.
    public var from: String?
    /// Whether a record's (or the catalog's) current state includes it.
    public var live: Bool
    /// Its canonical bytes.
    public var body: [UInt8]
    /// Its place in its origin's signed block, nil where nothing is signed.
    public var proof: LogProof?
    /// The neighbours whose outboxes it goes into, logged with it.
    public var outboxes: [String]

    public init(dataset: String, region: RegionCode, from: String?, live: Bool, body: [UInt8], proof: LogProof? = nil,
                outboxes: [String] = []) {
        self.dataset = dataset
        self.region = region
        self.from = from
        self.live = live
        self.body = body
        self.proof = proof
        self.outboxes = outboxes
    }
}

/// A logged change's place in its origin's signed block, as the store keeps it:
/// the block by the store's id for it (`storeBlock`).
public struct LogProof: Sendable, Equatable {
    public var block: Int64
    public var leaf: Int
    /// The signed change, when the logged one is a part of it.
    public var whole: [UInt8]?

    public init(block: Int64, leaf: Int, whole: [UInt8]? = nil) {
        self.block = block
        self.leaf = leaf
        self.whole = whole
    }
}

/// A live log entry read for a full resync: its place, what it belongs to, its bytes.
public struct LiveEntry: Sendable {
    public var seq: Int64
    public var dataset: String
    public var region: String
    public var body: [UInt8]
    public var proof: ChangeProof?

    public init(seq: Int64, dataset: String, region: String, body: [UInt8], proof: ChangeProof? = nil) {
        self.seq = seq
        self.dataset = dataset
        self.region = region
        self.body = body
        self.proof = proof
    }
}

/// A neighbour's outbox: entries waiting, whether a full resync is owed, when it last overflowed (ms).
public struct OutboxState: Sendable, Equatable {
    public var depth: Int
    public var resyncOwed: Bool
    public var overflowedAt: Int64?
    /// This node's last log sequence number when the resync became owed.
    public var resyncFrom: Int64?

    public init(depth: Int, resyncOwed: Bool, overflowedAt: Int64?, resyncFrom: Int64? = nil) {
        self.depth = depth
        self.resyncOwed = resyncOwed
        self.overflowedAt = overflowedAt
        self.resyncFrom = resyncFrom
    }
}

/// Live records, the last change and the last authority write (ms) of one dataset.
public struct DatasetStats: Sendable, Equatable {
    public var records: Int
    public var lastUpdate: Int64
    public var lastWrite: Int64

    public init(records: Int, lastUpdate: Int64, lastWrite: Int64) {
        self.records = records
        self.lastUpdate = lastUpdate
        self.lastWrite = lastWrite
    }
}

/// What this node knows of one neighbour's health.
public struct PeerHealth: Sendable, Equatable {
    public var nodeID: String
    /// When this node last completed an exchange with it.
    public var lastHeardAt: Date?
    public var lastError: String?
    public var lastErrorAt: Date?
    public var consecutiveFailures: Int
    /// The peer certificate's expiry, as last seen.
    public var certificateNotAfter: Date?

    public init(nodeID: String, lastHeardAt: Date? = nil, lastError: String? = nil, lastErrorAt: Date? = nil,
                consecutiveFailures: Int = 0, certificateNotAfter: Date? = nil) {
        self.nodeID = nodeID
        self.lastHeardAt = lastHeardAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.consecutiveFailures = consecutiveFailures
        self.certificateNotAfter = certificateNotAfter
    }
}

/// A conflict as a node holds it.
public struct StoredConflict: Sendable, Equatable {
    public var conflict: Conflict
    /// ms, when it arrived here.
    public var receivedAt: Int64

    public init(conflict: Conflict, receivedAt: Int64) {
        self.conflict = conflict
        self.receivedAt = receivedAt
    }
}

/// Something an operator must look at that is not a neighbour's or a
/// dataset's state: a change kept out (a catalog takeover attempt), …
public struct Alarm: Sendable, Equatable {
    public var kind: String
    public var subject: String
    public var message: String
    public var firstAt: Int64
    public var lastAt: Int64
    public var count: Int

    public init(kind: String, subject: String, message: String, firstAt: Int64, lastAt: Int64, count: Int) {
        self.kind = kind
        self.subject = subject
        self.message = message
        self.firstAt = firstAt
        self.lastAt = lastAt
        self.count = count
    }
}

/// What a node reads of its own state: records, the log and outboxes,
/// cursors, conflicts, the catalog, statistics, its neighbours' health and
/// the reports of its subtree. Every method sees one consistent snapshot.
public protocol ReplicaReading: DigestReading, QuotaReading {
    func schemaVersion() throws -> Int
    /// The largest clock reading this node has persisted (any process).
    func persistedClock() throws -> Int64

    // Records
    func record(dataset: String, key: String) throws -> StoredRecord?
    /// Records of `dataset` within a region prefix, in key order (live only unless `includeDeleted`).
    func records(dataset: String, regionPrefix: String, includeDeleted: Bool, limit: Int) throws -> [(key: String, state: RecordState)]
    /// Live records of `dataset` per region code (reads the record index: for samplers, not pages).
    func recordCountsByRegion(dataset: String) throws -> [String: Int]
    /// Calls `body` with each live record of `dataset` within a region prefix, streaming, in key order.
    func forEachRecord(dataset: String, regionPrefix: String, _ body: (String, RecordState) throws -> Void) throws
    /// Live log entries after `position` in log order that `admit(dataset, region)` takes: the
    /// reserved datasets' (`_catalog`, …) when `position.reserved`, otherwise every other
    /// dataset's. Stops after `limit` taken or `scanLimit` looked at; the second value is the
    /// last sequence number looked at, nil when the phase has no more entries.
    func liveEntries(after position: ResyncPosition, limit: Int, scanLimit: Int,
                     where admit: (String, String) -> Bool) throws -> (entries: [LiveEntry], lastScanned: Int64?)

    // Log, outboxes, cursors
    /// Up to `limit` entries waiting for `peer` after `seq`, in order.
    func outbox(peer: String, after seq: Int64, limit: Int) throws -> [LogEntry]
    /// When the oldest change still waiting for `peer` was logged (ms), nil when none waits.
    func oldestWaiting(peer: String) throws -> Int64?
    func outboxStates() throws -> [String: OutboxState]
    func cursor(peer: String, name: String) throws -> Int64
    func cursors() throws -> [String: [String: Int64]]
    /// The highest log sequence number this node has handed out (0 for an empty log).
    func lastLogSeq() throws -> Int64
    /// The neighbour whose outbox the store keeps as a range of the log rather than a row per
    /// entry (the parent, once `keepOutboxInLog` named it); nil when every outbox is rows.
    func logOutboxPeer() throws -> String?
    /// The ranges of sequence numbers skipped after restores (see `openLogGap`).
    func logGaps() throws -> [ClosedRange<Int64>]

    // Conflicts, catalog, statistics, health, reports, alarms
    func conflicts() throws -> [StoredConflict]
    /// Conflicts held here, and how many of them are addressed to `authority`.
    func conflictCounts(authority: String) throws -> (held: Int, addressed: Int)
    func catalogEntries() throws -> [CatalogEntry]
    func catalogEntry(id: String) throws -> CatalogEntry?
    /// The stamp of the entry held for `id` and the node that owns the id.
    func catalogOwnership(id: String) throws -> (stampHLC: Int64, owner: String)?
    /// Changes whenever the catalog does (for caches).
    func catalogVersion() throws -> String
    func datasetStats() throws -> [String: DatasetStats]
    func peerHealth() throws -> [String: PeerHealth]
    /// The latest report of every node below, its age brought up to `now`.
    func subtreeReports(now: Date) throws -> [String: NodeSummary]
    func alarms() throws -> [Alarm]
    /// The federation's current revocation list: its CRL number and PEM.
    func revocationList() throws -> (number: Int64, pem: String)?
    /// A small fact about this node (which certificate it presents, …).
    func nodeMeta(_ key: String) throws -> String?

    // Audit
    /// Up to `limit` audit entries after `seq`, in order.
    func auditEntries(after seq: Int64, limit: Int) throws -> [AuditEntry]
    /// The newest audit entry.
    func lastAuditEntry() throws -> AuditEntry?
    /// The signed heads of `child`'s audit log kept here, oldest first.
    func keptAuditHeads(child: String) throws -> [AuditHead]

    // Signed blocks
    /// Up to `limit` signed blocks no log entry names, with the highest log sequence number this
    /// read saw: a reader's scan of the whole log, so the single writer never waits for it.
    func unusedBlocks(limit: Int) throws -> (ids: [Int64], throughSeq: Int64)
}

/// What a node writes, inside one transaction: all of it is committed or none.
public protocol ReplicaWriting: ReplicaReading, DigestWriting {
    func setPersistedClock(_ hlc: Int64) throws
    /// Logs a change into the outboxes `entry.outboxes` names; returns its sequence number (greater
    /// than every earlier one). The caller adds them to the outboxes' depths (`growOutbox`).
    func appendLog(_ entry: LogWrite, at now: Int64) throws -> Int64
    /// Creates a record whose whole state is `entry`, logging it; nil when the
    /// record exists already (then nothing is written).
    func createRecord(key: String, deleted: Bool, entry: LogWrite, at now: Int64) throws -> Int64?
    /// Sets a record's state: the join of the logged `contributions`.
    func setRecord(dataset: String, key: String, region: RegionCode, deleted: Bool, contributions: [Int64]) throws
    /// Marks log entries as no longer part of any state (they go once delivered).
    func retire(_ seqs: [Int64]) throws
    /// Keeps `peer`'s outbox as a range of the log from now on (nil: none), moving what waits for it
    /// there, and what waits for the neighbour kept so before back into rows. The engine names its
    /// parent, to which nearly every entry goes; a change of parent costs one pass over the log.
    func keepOutboxInLog(for peer: String?) throws
    /// Adds `count` to `peer`'s outbox depth; returns the new depth.
    func growOutbox(peer: String, by count: Int) throws -> Int
    /// Drops `peer`'s outbox and owes it a full resync starting from this node's last sequence number
    /// (its outbox overflowed, or one side's cursors went backwards: a node restored from a backup).
    func dropOutbox(peer: String, at now: Int64) throws
    /// Sets a cursor to `value`, even backwards (after a full resync, or a neighbour that was restored).
    func resetCursor(peer: String, name: String, value: Int64, at now: Int64) throws
    /// Numbers the log on far past both its end and `seq`, and remembers the numbers skipped: this
    /// node was restored from a backup and lost the entries after it. A neighbour whose cursor points
    /// into a gap holds entries this node no longer has, and gets a full resync.
    @discardableResult
    func openLogGap(past seq: Int64, at now: Int64) throws -> ClosedRange<Int64>
    func setResyncOwed(peer: String, _ owed: Bool) throws
    /// Forgets up to `limit` deleted records whose deletion was logged before `cutoff` (ms) and that
    /// every neighbour has (no outbox holds them and no neighbour is owed a resync); returns how many.
    func purgeTombstones(loggedBefore cutoff: Int64, limit: Int) throws -> Int
    /// Forgets `peer`'s outbox entries up to `seq` and log entries nothing needs any more; returns how many outbox entries went.
    @discardableResult
    func acknowledge(peer: String, upTo seq: Int64) throws -> Int
    /// Moves a cursor forward (never back).
    func setCursor(peer: String, name: String, value: Int64, at now: Int64) throws
    /// Keeps a conflict; false when it was held already.
    func addConflict(_ conflict: Conflict, at now: Int64) throws -> Bool
    /// Forgets a conflict its authority answered (the answer is kept as a `_conflicts` record); false when it was not held.
    @discardableResult
    func closeConflict(dataset: String, key: String, item: String, proposer: String, hlc: Int64) throws -> Bool
    func putCatalogEntry(_ entry: CatalogEntry, json: String, stampHLC: Int64, owner: String, at now: Int64) throws
    func adjustDatasetStats(_ dataset: String, records: Int, updatedAt: Int64, lastWrite: Int64) throws
    func recordHeard(peer: String, at: Date, certificateNotAfter: Date?) throws
    func recordError(peer: String, message: String, at: Date) throws
    /// Keeps the reports a child sent: its own and its subtree's.
    func storeReports(_ reports: [NodeSummary], via child: String, at: Date) throws
    /// Raises (or repeats) an alarm.
    func raiseAlarm(kind: String, subject: String, message: String, at now: Int64) throws
    /// Clears an alarm whose cause has passed (a backup that works again, a resync delivered).
    func clearAlarm(kind: String, subject: String) throws
    func setRevocationList(number: Int64, pem: String, at now: Int64) throws
    func setNodeMeta(_ key: String, _ value: String) throws
    /// Appends an entry to the audit log, numbered and chained to the one before.
    @discardableResult
    func appendAudit(_ draft: AuditDraft, at now: Int64) throws -> AuditEntry
    /// Keeps a child's signed audit head (the newest 1,000 per child).
    func keepAuditHead(child: String, head: AuditHead, at now: Int64) throws

    // Signed blocks
    /// Keeps an origin's signed block (once: the same block again gets the same id); returns its id.
    func storeBlock(_ block: SignedBlock) throws -> Int64
    /// An id for a block this node is signing, to name in log entries before the block is stored.
    func reserveBlockID() throws -> Int64
    /// Stores the block for an id `reserveBlockID` gave.
    func storeBlock(_ block: SignedBlock, id: Int64) throws
    /// Forgets those of `ids` (blocks `unusedBlocks` found unnamed up to `seq`) that no log entry
    /// after `seq` names either; returns how many went. Entries are numbered in commit order and
    /// never renamed to another block, so the check covers every entry written since that read.
    @discardableResult
    func dropBlocks(_ ids: [Int64], unlessNamedAfter seq: Int64) throws -> Int
}

/// What a committed transaction must survive.
public enum Durability: Sendable {
    /// A power cut: on stable storage before the commit returns. Everything that changes data or
    /// moves a cursor that decides what is applied (`received`, a child's pull position).
    case powerCut
    /// A process crash only: made durable by the next `powerCut` commit or checkpoint. For
    /// bookkeeping whose loss on a power cut only makes a neighbour re-send what the receiver
    /// skips anyway: acknowledgements (outbox trimming, `pushed`, `delivered`) and health.
    case processCrash
}

/// A node's persistent state behind one port: SQLite in a running node
/// (`SyncStore`), and whatever else can honour these transactions.
public protocol ReplicaStore: AnyObject, Sendable {
    /// Runs `body` with a consistent read snapshot; never waits for a writer.
    func read<T>(_ body: (any ReplicaReading) throws -> T) throws -> T
    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws; durable
    /// as `durability` says. Commits are durable in order: a later `powerCut` commit makes every
    /// earlier commit durable too.
    @discardableResult
    func write<T>(_ durability: Durability, _ body: (any ReplicaWriting) throws -> T) throws -> T
    /// Where the store lives, for messages.
    var location: String { get }
    /// A number that changes when another process commits to the store.
    func externalCommits() throws -> Int64
}

extension ReplicaStore {
    /// Runs `body` in one transaction that survives a power cut.
    @discardableResult
    public func write<T>(_ body: (any ReplicaWriting) throws -> T) throws -> T { try write(.powerCut, body) }
}

/// Checks a revocation list the federation CA signed; what the engine needs of
/// it without touching OpenSSL (the node plugs its TLS layer in).
public protocol RevocationListVerifier: Sendable {
    /// The list's CRL number and the serial numbers it revokes; throws unless the CA signed it.
    func verify(pem: String) throws -> (number: Int64, serials: Set<String>)
}

/// The log sequence numbers skipped when a restored node numbers its log on
/// past what it lost: kept in the node's metadata as "FROM-TO,FROM-TO".
public enum LogGaps {
    /// How far a gap jumps: beyond any log a node could have written since its backup.
    public static let width: Int64 = 1 << 40
    public static let metaKey = "log.gaps"

    public static func parse(_ text: String) -> [ClosedRange<Int64>] {
        text.split(separator: ",").compactMap { part in
            let bounds = part.split(separator: "-").compactMap { Int64($0) }
            return bounds.count == 2 && bounds[0] <= bounds[1] ? bounds[0]...bounds[1] : nil
        }
    }

    public static func text(_ gaps: [ClosedRange<Int64>]) -> String {
        gaps.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
    }
}

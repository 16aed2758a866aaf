import Foundation
import Synchronization
public import SyncCore

/// A node's replication engine: merges changes into its records by source
/// authority, logs what changed, routes each logged change into the outboxes
/// of the neighbours that should receive it, and keeps the cursors — all in
/// one store transaction per batch, so a crash at any point loses nothing and
/// applies nothing twice. It runs no SQL: its state is behind `ReplicaStore`.
///
/// The pipeline is in `Replica+Apply`; writes made here in `LocalWriter`; the
/// catalog in `CatalogService`; full resyncs in `ResyncService`; the parent's
/// side of the protocol in `ReplicationServer`, the child's in `ParentLink`.
public final class Replica: Sendable {
    public let topology: Topology
    /// This node.
    public let node: NodeEntry
    public let store: any ReplicaStore
    /// The wall clock changes are stamped with, corrected against the parent's.
    public let wallClock: FederationClock
    /// Bumped after every commit that adds changes; long-polls and the push loop wait on it.
    public let signal: ChangeSignal
    /// Counters for the node's metrics.
    public let counters = ReplicationCounters()
    /// The digest trees of what this node shares with its neighbours (anti-entropy).
    public let digests = DigestTrees()
    public let routing: Routing
    public let admission: Admission
    /// Checks revocation lists the CA signed (nil: this engine keeps none).
    public let revocationVerifier: (any RevocationListVerifier)?
    /// Signs the changes made here and checks those received (nil: this engine neither signs nor checks).
    public let signer: (any ChangeSigner)?
    let clock: Mutex<HybridClock>
    let catalogCache = Mutex<KnownDatasets?>(nil)
    private let overflowHandler = Mutex<(@Sendable (String) -> Void)?>(nil)
    private let actingOperator = Mutex<String>(Replica.nodeOperator)

    /// - Parameters:
    ///   - nodeID: this node's id in `topology`.
    ///   - wallClock: the wall clock (a test clock in tests, a skewed one in fault drills).
    public init(topology: Topology, nodeID: String, store: any ReplicaStore, wallClock: any WallClock = SystemClock(),
                signal: ChangeSignal = ChangeSignal(), revocationVerifier: (any RevocationListVerifier)? = nil,
                signer: (any ChangeSigner)? = nil) throws {
        guard let node = topology.node(nodeID) else {
            throw ReplicationError("node '\(nodeID)' is not in federation '\(topology.federation)'")
        }
        self.topology = topology
        self.node = node
        self.store = store
        let correction = try store.read { try $0.nodeMeta(FederationClock.correctionKey) }.flatMap { Int64($0) } ?? 0
        self.wallClock = FederationClock(base: wallClock, correctionMillis: correction)
        self.signal = signal
        self.revocationVerifier = revocationVerifier
        self.signer = signer
        routing = Routing(topology: topology)
        admission = Admission(topology: topology, node: nodeID)
        clock = Mutex(HybridClock(last: try store.read { try $0.persistedClock() }))
        // Nearly every entry goes to the parent (归集): its outbox is kept as a range of the log, one
        // insert per entry fewer than a row each. Once per store, and again if the parent changes.
        let parent = topology.parent(of: nodeID)?.id
        if try store.read({ try $0.logOutboxPeer() }) != parent { try store.write { try $0.keepOutboxInLog(for: parent) } }
    }

    public var nodeID: String { node.id }

    /// Who the audit log names for what the node does by itself (serving neighbours, sweeping).
    public static let nodeOperator = "syncnode"

    /// The operator acting through this engine (a command's `--operator`); `syncnode` for the node itself.
    public var operatorName: String {
        get { actingOperator.withLock { $0 } }
        set { actingOperator.withLock { $0 = newValue } }
    }

    /// An audit entry by this engine's operator.
    public func draft(_ action: String, _ subject: String, _ detail: String = "") -> AuditDraft {
        AuditDraft(by: operatorName, action: action, subject: subject, detail: detail)
    }

    /// Writes one change made here and its audit entry in one transaction.
    func write(_ change: Change, audit draft: AuditDraft) throws {
        try transaction(from: nil, cursor: nil, audit: { _ in draft }) { emit, _ in try emit(EncodedChange(change)) }
    }

    /// Logs an action that changes nothing here (a read, an export, a query) in a transaction of its own.
    public func audit(_ action: String, _ subject: String, _ detail: String = "", durability: Durability = .powerCut) throws {
        let draft = draft(action, subject, detail)
        let now = wallClock.millis()
        try store.write(durability) { try $0.appendAudit(draft, at: now) }
    }
    public var policy: Policy { topology.policy }

    /// Called after a commit in which `peer`'s outbox overflowed and was dropped
    /// (the neighbour will get a full resync).
    public func onOutboxOverflow(_ handler: @escaping @Sendable (_ peer: String) -> Void) {
        overflowHandler.withLock { $0 = handler }
    }

    func outboxOverflowed(_ peer: String) {
        overflowHandler.withLock { $0 }?(peer)
    }

    /// A new clock reading for a write made here.
    func tick() -> Int64 {
        let wall = wallClock.millis()
        return clock.withLock { $0.tick(wallMillis: wall) }
    }

    /// Takes note of admitted readings (after their transaction committed) or of the persisted one.
    func observe(_ hlc: Int64) {
        clock.withLock { $0.observe(hlc) }
    }

    var clockReading: Int64 { clock.withLock { $0.last } }
}

/// A change or request refused before anything was applied, with the reason
/// (a batch is refused whole) and what kind of refusal it is.
public struct ReplicationError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// The message is malformed (HTTP 400).
        case invalid
        /// The caller may not do or send this (HTTP 403).
        case forbidden
        /// Well-formed but not acceptable here: unknown dataset or item, … (HTTP 422).
        case refused
        /// Not now: the node is too busy to take it; the sender keeps it and retries (HTTP 503).
        case busy
    }

    public let kind: Kind
    public let message: String

    public init(_ message: String, kind: Kind = .refused) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// What applying a batch did.
public struct ApplyStats: Sendable, Equatable {
    public var received = 0
    public var applied = 0
    public var conflicts = 0
    /// In a repair: changes not applied, and why (at most 20 reasons kept).
    public var unrepaired = 0
    public var reasons: [String] = []

    public init() {}
}

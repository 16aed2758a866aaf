import Foundation
import Posix
import SyncCore
import SyncEngine
import SyncStore
import TLS
import Synchronization

/// One running node: its store and engine, its federation listener, its
/// operators' listener and, unless it is the root, its link to its parent —
/// services started in that order and stopped in the reverse one.
public final class Node: Sendable {
    public let context: NodeContext
    public let replica: Replica
    public let log: Log
    /// The federation listener (its port and refusal counts).
    public let federation: FederationServer
    /// The operators' listener, when one was asked for.
    public let admin: AdminServer?
    private let credentials: CredentialWatcher
    private let group: ServiceGroup

    /// Opens the node's store, checks its certificates and binds its listeners.
    public init(context: NodeContext, log: Log, options: NodeOptions = NodeOptions()) throws {
        self.context = context
        self.log = log
        Allocator.limitArenas(2)
        Allocator.mapLargeBlocks(from: 256 * 1024)
        try context.checkCertificates()
        let replica = try context.openReplica()
        self.replica = replica
        if let limit = options.maxDatabaseMiB { try (replica.store as? SQLiteStore)?.setSizeLimit(mebibytes: limit > 0 ? limit : nil) }
        let limit = context.topology.policy.maxOutboxEntries
        replica.onOutboxOverflow { peer in
            log.warning("outbox_overflow", ["peer": peer, "limit": limit,
                                            "action": "outbox dropped; \(peer) gets a full resync when it is back",
                                            "hint": "raise policy.maxOutboxEntries if peers are often away this long"])
        }
        let stopping = StopFlag()
        let credentials = CredentialWatcher(context: context, replica: replica, log: log)
        self.credentials = credentials
        let tls: TLSContext
        do { tls = try credentials.initialContext() } catch let error as TLSError {
            throw SyncNodeError("set up TLS for \(context.node.id)", error.description,
                                hint: "check the files in \(context.certificateDirectory) (syncnode cert issue writes them)", underlying: error)
        }
        let federation = try FederationServer(context: context, replica: replica, tls: tls, log: log, limits: options.limits.sized(forNeighbours: context.children.count + 1),
                                                isStopping: { stopping.isSet })
        credentials.attach(federation)
        self.federation = federation
        admin = try options.adminPort.map { try AdminServer(context: context, replica: replica, refusals: federation.refusals, log: log, port: $0,
                                                                 historyInterval: options.historyInterval) }
        var services: [any Service] = []
        if let store = replica.store as? SQLiteStore { services.append(try Checkpointer(store: store, log: log)) }
        services += [ExternalWriteWatcher(replica: replica, wakeName: context.wakeName, log: log), credentials, Maintenance(replica: replica, log: log),
                     GrantSweeper(replica: replica, log: log)]
        if let backups = options.backups { services.append(try BackupScheduler(context: context, replica: replica, schedule: backups, log: log)) }
        if let admin { services.append(admin) }
        services.append(federation)
        services.append(StoppingMark(flag: stopping, signal: replica.signal))
        if let parent = context.parent {
            let generation = credentials.generation
            services.append(try ParentLink(replica: replica,
                                           makeChannel: { HTTPSParentChannel(context: context, parent: parent, generation: generation, timeout: options.parentTimeout) },
                                           healthMessage: { try NodeStatus.healthMessage(context: context, replica: replica) },
                                           events: { Node.record($0, log: log) }, interval: options.healthInterval,
                                           retryCap: options.retryMaxSeconds))
        }
        group = ServiceGroup(services)
    }

    /// Starts every service.
    public func start() throws {
        try group.start()
        try replica.audit("serve started", context.node.id,
                          "version \(SyncNodeVersion.current); url \(context.node.url); topology \(context.topology.federation), \(context.topology.nodes.count) nodes; data \(context.dataDirectory)")
        log.info("node_started", ["node": context.node.id, "tier": context.node.tier.rawValue,
                                  "federation": context.topology.federation, "version": SyncNodeVersion.current])
    }

    /// Looks for renewed certificates and a new revocation list now (SIGHUP).
    public func reloadCredentials() { credentials.poke() }

    /// Stops the parent link, then the listeners (letting requests in flight finish), then the watcher.
    public func stop() {
        group.stop()
        try? replica.audit("serve stopped", context.node.id)
        log.info("node_stopped", ["node": context.node.id])
    }

    static func record(_ event: LinkEvent, log: Log) {
        switch event {
        case .reachable(let parent, let loop): log.info("parent_reachable", ["parent": parent, "loop": loop])
        case .unreachable(let parent, let loop, let error, let retryIn) where error.contains("disk is full"):
            log.error("disk_full", ["parent": parent, "loop": loop, "error": error, "retry_in_s": String(format: "%.1f", retryIn),
                                    "hint": "free space in the data directory; the node resumes by itself"])
        case .unreachable(let parent, let loop, let error, let retryIn):
            log.warning("parent_unreachable", ["parent": parent, "loop": loop, "error": error, "retry_in_s": String(format: "%.1f", retryIn)])
        case .pushed(let parent, let last, let received): log.debug("pushed", ["parent": parent, "last": last, "received": received])
        case .pulled(let parent, let changes, let applied): log.debug("pulled", ["parent": parent, "changes": changes, "applied": applied])
        case .resyncStarted(let parent): log.warning("resync_started", ["parent": parent])
        case .resyncFinished(let parent): log.info("resync_finished", ["parent": parent])
        case .resyncSent(let parent): log.info("resync_sent", ["parent": parent])
        case .clockCorrected(let parent, let offset, let correction):
            log.warning("clock_corrected", ["parent": parent, "offset_ms": offset, "correction_ms": correction,
                                            "hint": "this machine's clock is off the federation's; syncnode corrects its stamps, but fix the system clock (NTP)"])
        case .compared(let parent, let outcome) where outcome.found.values.contains { $0 > 0 }:
            let found = outcome.found.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            let left = outcome.remaining.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            log.warning("copies_diverged", ["parent": parent, "differing": found, "changes_repaired": outcome.repaired,
                                            "still_differing": left.isEmpty ? "none" : left, "bytes": outcome.bytes,
                                            "hint": left.isEmpty ? "repaired through signed changes; nothing to do" : "see syncnode status for why"])
        case .compared(let parent, let outcome):
            log.debug("copies_compared", ["parent": parent, "equal": outcome.equal.joined(separator: ","), "postponed": outcome.postponed, "bytes": outcome.bytes])
        case .regressed(let parent, let received):
            log.warning("resync_needed", ["parent": parent, "parent_received": received,
                                          "reason": "this node or its parent was restored from a backup; a full resync follows"])
        }
    }
}

extension ParentLink: Service {
    public var name: String { "link to \(parent.id)" }
}

/// Sets the stop flag first when the group stops (it is stopped right after
/// the parent link): long-polls in flight answer at once, so the listeners
/// stopping next do not wait for them.
private final class StoppingMark: Service {
    let name = "stop flag"
    let flag: StopFlag
    let signal: ChangeSignal
    init(flag: StopFlag, signal: ChangeSignal) {
        self.flag = flag
        self.signal = signal
    }
    func start() {}
    func stop() {
        flag.set()
        signal.bump()
    }
}

/// How a node runs, beside its topology entry: its listeners' limits, its link
/// to the parent, its backups.
public struct NodeOptions: Sendable {
    /// Seconds between health exchanges with the parent.
    public var healthInterval = 5.0
    /// Loopback port of the operators' listener; nil for none.
    public var adminPort: Int?
    /// Seconds between the dashboard's samples (a day of them is kept: at most 1,440).
    public var historyInterval = 60.0
    public var limits = ServerLimits()
    /// The backups to make while serving; nil for none.
    public var backups: BackupSchedule?
    /// Caps the database's size in MiB (0 removes the cap; nil leaves it as it is).
    public var maxDatabaseMiB: Int?
    /// Longest a request to the parent may take before the link counts it failed (a long-poll: its wait plus this).
    public var parentTimeout = 60.0
    /// Longest wait between retries while the parent is unreachable.
    public var retryMaxSeconds = 30.0

    public init() {}
}

/// A flag set once, read from any thread.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

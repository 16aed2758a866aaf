import Foundation
import SQLite
import SyncCore

/// One running node: its store and replica, its federation listener and,
/// unless it is the root, its link to its parent.
public final class Node: @unchecked Sendable {
    public let context: NodeContext
    public let store: Store
    public let replica: Replica
    public let log: Log
    private var server: FederationServer?
    private var admin: AdminServer?
    private var parentLink: ParentLink?
    private let stopping = StopFlag()
    private let watcherDone = DispatchSemaphore(value: 0)

    /// Opens the node's store and checks its certificates.
    public init(context: NodeContext, log: Log) throws {
        self.context = context
        self.log = log
        try context.checkCertificates()
        store = try Store(path: context.databasePath, nodeID: context.node.id, federation: context.topology.federation)
        replica = try Replica(context: context, store: store)
        let limit = context.topology.policy.maxOutboxEntries
        replica.onOutboxOverflow = { peer in
            log.warning("outbox_overflow", ["peer": peer, "limit": limit,
                                            "action": "outbox dropped; \(peer) gets a full resync when it is back",
                                            "hint": "raise policy.maxOutboxEntries if peers are often away this long"])
        }
    }

    /// The routes this node serves to its neighbours.
    func makeRouter() -> Router {
        var router = Router()
        HealthEndpoint.register(on: &router, context: context, store: store)
        let stopping = self.stopping
        ReplicationEndpoints.register(on: &router, replica: replica, isStopping: { stopping.isSet })
        return router
    }

    /// Starts listening, watching for writes by other processes, and dialling the parent.
    /// - Parameters:
    ///   - healthInterval: seconds between health exchanges with the parent.
    ///   - adminPort: loopback port of the operators' listener; nil for none.
    public func start(healthInterval: Double = 5, adminPort: Int? = nil) throws {
        let replica = self.replica, log = self.log
        let server = try FederationServer(context: context, router: makeRouter(), log: log, refusals: replica.metrics.refusals) { request, system in
            IngestEndpoint.respond(request, system: system, replica: replica, log: log)
        }
        if let adminPort {
            let admin = try AdminServer(context: context, replica: replica, log: log, port: adminPort)
            admin.start()
            self.admin = admin
        }
        server.start()
        self.server = server
        startWatcher()
        if let parent = context.parent {
            let link = ParentLink(replica: replica, parent: parent, log: log, interval: healthInterval)
            link.start()
            parentLink = link
        }
        log.info("node_started", ["node": context.node.id, "tier": context.node.tier.rawValue,
                                  "federation": context.topology.federation, "version": SyncNodeVersion.current])
    }

    /// Notices commits by other processes (e.g. `syncnode write` while serve
    /// runs) through SQLite's data_version, and wakes pushes and long-polls.
    private func startWatcher() {
        let thread = Thread { [self] in
            var last = (try? store.read { try $0.dataVersion() }) ?? 0
            while !stopping.isSet {
                Thread.sleep(forTimeInterval: 0.05)
                guard let version = try? store.read({ try $0.dataVersion() }) else { continue }
                if version != last {
                    last = version
                    replica.signal.bump()
                }
            }
            watcherDone.signal()
        }
        thread.name = "syncnode-watcher"
        thread.start()
    }

    /// Stops the parent link, then the listener, letting requests in flight finish.
    public func stop() {
        stopping.set()
        replica.signal.bump()
        parentLink?.stop()
        server?.stop()
        admin?.stop()
        watcherDone.wait()
        log.info("node_stopped", ["node": context.node.id])
    }
}

/// A flag set once, read from any thread.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool {
        lock.lock(); defer { lock.unlock() }
        return value
    }

    func set() {
        lock.lock(); value = true; lock.unlock()
    }
}

import Foundation
import SyncCore

/// One running node: its store, its federation listener and, unless it is
/// the root, its link to its parent.
public final class Node: @unchecked Sendable {
    public let context: NodeContext
    public let store: Store
    public let log: Log
    private var server: FederationServer?
    private var parentLink: ParentLink?

    /// Opens the node's store and checks its certificates.
    public init(context: NodeContext, log: Log) throws {
        self.context = context
        self.log = log
        try context.checkCertificates()
        store = try Store(path: context.databasePath, nodeID: context.node.id, federation: context.topology.federation)
    }

    /// The routes this node serves to its neighbours.
    func makeRouter() -> Router {
        var router = Router()
        HealthEndpoint.register(on: &router, context: context, store: store)
        return router
    }

    /// Starts listening and dialling the parent.
    /// - Parameter healthInterval: seconds between health exchanges with the parent.
    public func start(healthInterval: Double = 5) throws {
        let server = try FederationServer(context: context, router: makeRouter(), log: log)
        server.start()
        self.server = server
        if let parent = context.parent {
            let link = ParentLink(context: context, parent: parent, store: store, log: log, interval: healthInterval)
            link.start()
            parentLink = link
        }
        log.info("node_started", ["node": context.node.id, "tier": context.node.tier.rawValue,
                                  "federation": context.topology.federation, "version": SyncNodeVersion.current])
    }

    /// Stops the parent link, then the listener, letting requests in flight finish.
    public func stop() {
        parentLink?.stop()
        server?.stop()
        log.info("node_stopped", ["node": context.node.id])
    }
}

import Foundation
import SyncCore
import SyncEngine
import SyncStore

/// A whole federation in one process: one engine per node on an in-memory
/// store, each child linked to its parent by a `LoopbackChannel`, all on one
/// test clock. `settle` exchanges until nothing moves: aggregation, backflow,
/// conflicts and resyncs are tested in milliseconds, beside (not instead of)
/// the multi-process tests over real TLS.
public final class InProcessFederation: @unchecked Sendable {   // driven by one test thread
    public let topology: Topology
    public let clock: TestClock
    private var replicas: [String: Replica] = [:]
    private var links: [String: (link: ParentLink, channel: LoopbackChannel)] = [:]

    /// - Parameter directory: where each node's store is a file (`ID.db`), for tests that reach into
    ///   it as an operator's `sqlite3` would; nil keeps them in memory.
    public init(topology: Topology, clock: TestClock = TestClock(Date()), directory: String? = nil) throws {
        self.topology = topology
        self.clock = clock
        for node in topology.nodes {
            let store = try directory.map { try SQLiteStore(path: "\($0)/\(node.id).db", nodeID: node.id, federation: topology.federation) }
                ?? SQLiteStore.inMemory(nodeID: node.id, federation: topology.federation)
            replicas[node.id] = try Replica(topology: topology, nodeID: node.id, store: store, wallClock: clock)
        }
        for node in topology.nodes {
            guard let parent = topology.parent(of: node.id), let replica = replicas[node.id], let parentReplica = replicas[parent.id] else { continue }
            let channel = LoopbackChannel(parent: parentReplica, child: node.id)
            let link = try ParentLink(replica: replica, makeChannel: { channel },
                                      healthMessage: { HealthMessage(node: node.id, time: 0, version: SyncNodeVersion.current) })
            links[node.id] = (link, channel)
        }
    }

    /// Node `id`'s engine.
    public func replica(_ id: String) -> Replica { replicas[id]! }

    /// Cuts (or heals) the link from `child` to its parent.
    public func cut(_ child: String, _ value: Bool = true) { links[child]?.channel.setCut(value) }

    /// Exchanges over every link that is not cut until a round moves nothing; returns the rounds it took.
    @discardableResult
    public func settle(maxRounds: Int = 100) throws -> Int {
        let order = topology.nodes.map(\.id).filter { links[$0] != nil }.sorted { topology.depth(of: $0) > topology.depth(of: $1) }
        for round in 1...maxRounds {
            var moved = false
            for id in order {
                guard let (link, channel) = links[id] else { continue }
                do { if try link.exchange(over: channel) { moved = true } } catch is LoopbackError { continue }
            }
            if !moved { return round }
        }
        throw LoopbackError(message: "the federation did not settle in \(maxRounds) rounds")
    }

    /// Compares `child`'s copy of what it shares with its parent with the parent's, and repairs what differs.
    public func compare(_ child: String) throws -> AntiEntropyCheck.Outcome {
        guard let parent = topology.parent(of: child), let (_, channel) = links[child] else {
            throw LoopbackError(message: "\(child) has no parent to compare with")
        }
        return try AntiEntropyCheck(replica: replica(child), parent: parent.id).run(over: channel)
    }

    /// The live records of `dataset` at `id`, key → values.
    public func records(_ id: String, _ dataset: String) throws -> [String: [String: JSONValue]] {
        try replica(id).store.read { reader in
            Dictionary(uniqueKeysWithValues: try reader.records(dataset: dataset, regionPrefix: "", includeDeleted: false, limit: .max)
                .map { ($0.key, $0.state.values) })
        }
    }
}

/// Why a change relayed by a neighbour was refused before anything was applied.
public struct AdmissionRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The one rule a change relayed by a neighbour must pass before it is
/// merged, the same for pushes from a child and pulls from the parent
/// (DESIGN §5, admission):
/// - the change is one node's write: every stamp it carries names its origin,
///   a node of the topology;
/// - it comes from the neighbour's side of the tree: from a child, writes of
///   that child or below it; from the parent, no write of this node or below
///   (except while this node recovers after a restore);
/// - a record's region lies within its origin's area (a vertical system's
///   region says what it covers);
/// - no stamp is further ahead of this node's clock than the policy's skew.
/// Pure, so every case is a table test.
public struct Admission: Sendable {
    public let topology: Topology
    /// This node.
    public let node: String

    public init(topology: Topology, node: String) {
        self.topology = topology
        self.node = node
    }

    /// Checks `change` relayed by `neighbour` when this node's wall clock reads `nowMillis`.
    /// - Parameter recovering: this node was restored from a backup and takes back from its
    ///   parent what it and the nodes below it wrote (the one time the parent may relay those).
    public func check(_ change: Change, from neighbour: String, nowMillis: Int64, recovering: Bool = false) -> AdmissionRefusal? {
        func refuse(_ why: String) -> AdmissionRefusal {
            AdmissionRefusal(message: "change \(change.dataset)/\(change.key.prefix(80)) by \(change.origin): \(why)")
        }
        guard let origin = topology.node(change.origin) else {
            return refuse("its origin is not a node of this federation")
        }
        if let stranger = change.foreignStamp {
            return refuse("it carries a stamp by '\(stranger.origin)': one change is one node's write")
        }
        if topology.parent(of: neighbour)?.id == node {
            guard change.origin == neighbour || topology.isDescendant(change.origin, of: neighbour) else {
                return refuse("\(neighbour) may relay only its own writes and those of the nodes below it")
            }
        } else if topology.parent(of: node)?.id == neighbour {
            if !recovering && (change.origin == node || topology.isDescendant(change.origin, of: node)) {
                return refuse("the parent \(neighbour) may not relay a write of \(change.origin == node ? "this node" : "a node below this one")")
            }
        } else {
            return refuse("\(neighbour) is not a neighbour of \(node)")
        }
        if !origin.covers(change.region) {
            return refuse("region \(change.region) is outside \(origin.id)'s area (\(origin.region))")
        }
        let skew = Int64(max(0, topology.policy.maxClockSkewSeconds)) * 1000
        let limit = HybridClock.reading(wallMillis: nowMillis &+ skew) | 0xFFFF
        if let newest = change.newestStamp, newest.hlc > limit {
            let ahead = (newest.millis - nowMillis) / 1000
            return refuse("its stamp is \(ahead) s ahead of this node's clock (the policy allows \(topology.policy.maxClockSkewSeconds) s); check the clocks of \(change.origin) and \(node)")
        }
        return nil
    }
}

extension Topology {
    /// Whether `id` lies below `ancestor` in the tree.
    public func isDescendant(_ id: String, of ancestor: String) -> Bool {
        var cursor = parent(of: id)
        var steps = 0
        while let current = cursor, steps <= nodes.count {
            if current.id == ancestor { return true }
            cursor = parent(of: current.id)
            steps += 1
        }
        return false
    }
}

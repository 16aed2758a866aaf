/// Where a change goes next from a node (DESIGN §6), as a pure function of the
/// topology, the dataset's sharing facts and the neighbour it came from.
public struct Routing: Sendable {
    public let topology: Topology

    public init(topology: Topology) { self.topology = topology }

    /// The neighbours an authoritative change of `dataset` for a record in
    /// `region`, held at `node`, goes to.
    /// - Up: to the parent (归集), datasets not shared (不予共享) too unless the
    ///   policy keeps them at their source.
    /// - Down: to each child whose region the backflow scope admits (region: the
    ///   record's region lies within the child's; all: every child), for datasets
    ///   shared unconditionally. Vertical systems are sources, not destinations of backflow.
    /// - Never back to `from`, the neighbour it came from.
    public func destinations(dataset: DatasetDefinition, region: RegionCode, at node: String, from: String?) -> [String] {
        var result: [String] = []
        if dataset.shareType != .none || topology.policy.aggregatesUnshared, let parent = topology.parent(of: node), parent.id != from {
            result.append(parent.id)
        }
        guard dataset.shareType == .unconditional, dataset.backflow != .none else { return result }
        for child in topology.children(of: node) where child.id != from && child.tier != .vertical {
            if dataset.backflow == .all || child.covers(region) { result.append(child.id) }
        }
        return result
    }

    /// Whether `child` of `node` is entitled to records of `dataset` in `region`
    /// (the filter a full resync applies on the server).
    public func admits(child: NodeEntry, dataset: DatasetDefinition, region: RegionCode) -> Bool {
        dataset.shareType == .unconditional && child.tier != .vertical
            && (dataset.backflow == .all || (dataset.backflow == .region && child.covers(region)))
    }

    /// The neighbour a proposal addressed to `authority` goes to from `node`:
    /// down toward the authority when it is below, otherwise up. Nil when
    /// `node` is the authority or the way leads back to `from`.
    public func towardAuthority(_ authority: String, at node: String, from: String?) -> String? {
        guard authority != node, topology.node(authority) != nil else { return nil }
        let path = topology.path(to: authority)
        let next: String?
        if let index = path.firstIndex(of: node), index + 1 < path.count {
            next = path[index + 1]
        } else {
            next = topology.parent(of: node)?.id
        }
        return next == from ? nil : next
    }
}

extension Routing {
    /// Every node that ends up holding an authoritative record of `dataset` in
    /// `region` written at the dataset's source: the source, then wherever
    /// routing sends it, hop by hop. What a converged federation must show.
    public func holders(dataset: DatasetDefinition, region: RegionCode) -> Set<String> {
        var holders: Set<String> = [dataset.sourceNode]
        var queue: [(node: String, from: String?)] = [(dataset.sourceNode, nil)]
        while let (node, from) = queue.popLast() {
            for next in destinations(dataset: dataset, region: region, at: node, from: from) where holders.insert(next).inserted {
                queue.append((next, node))
            }
        }
        return holders
    }
}

/// One node of the federation as the topology file describes it.
public struct NodeEntry: Sendable, Equatable, Codable {
    /// Stable id, lowercase letters, digits and '-', e.g. "sz-pingshan".
    public var id: String
    public var tier: Tier
    /// The region the node covers.
    public var region: RegionCode
    /// The parent's id; nil only for the root.
    public var parent: String?
    /// Display name, e.g. "坪山区".
    public var name: String
    /// The federation URL its children dial, e.g. "https://127.0.0.1:7411".
    public var url: String
    /// Loopback port of the admin listener (status, metrics); nil when none.
    public var adminPort: Int?

    public init(id: String, tier: Tier, region: RegionCode, parent: String?, name: String, url: String, adminPort: Int? = nil) {
        self.id = id
        self.tier = tier
        self.region = region
        self.parent = parent
        self.name = name
        self.url = url
        self.adminPort = adminPort
    }

    /// The URL's host, e.g. "127.0.0.1".
    public var host: String { URLParts(url)?.host ?? "" }
    /// The URL's port.
    public var port: Int { URLParts(url)?.port ?? 443 }

    /// Whether `code` lies within this node's area: for province, city and
    /// district nodes, the region at their tier; for a vertical system, its region at the region's own level.
    public func covers(_ code: RegionCode) -> Bool {
        region.contains(code, at: tier.regionLevel ?? region.level)
    }
}

/// A validated federation tree: one root, parents that exist, no cycles,
/// regions nested within their parents'.
public struct Topology: Sendable {
    /// The federation's name, written into every node certificate.
    public let federation: String
    public let policy: Policy
    /// Nodes in file order.
    public let nodes: [NodeEntry]
    /// Dataset definitions shared by the federation (until the catalog takes them over).
    public let datasets: [DatasetDefinition]
    private let byID: [String: Int]
    private let datasetByID: [String: DatasetDefinition]

    /// Builds and validates a topology; throws every problem found at once.
    public init(federation: String, policy: Policy = Policy(), nodes: [NodeEntry],
                datasets: [DatasetDefinition] = []) throws(TopologyError) {
        var index: [String: Int] = [:]
        for (i, node) in nodes.enumerated() where index[node.id] == nil { index[node.id] = i }
        self.federation = federation
        self.policy = policy
        self.nodes = nodes
        self.datasets = datasets
        self.byID = index
        self.datasetByID = Dictionary(datasets.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let problems = TopologyValidator.problems(in: self)
        if !problems.isEmpty { throw TopologyError(problems: problems) }
    }

    /// The node with `id`.
    public func node(_ id: String) -> NodeEntry? { byID[id].map { nodes[$0] } }

    /// The dataset with `id`.
    public func dataset(_ id: String) -> DatasetDefinition? { datasetByID[id] }

    /// The root node (the one without a parent).
    public var root: NodeEntry { nodes.first { $0.parent == nil }! }

    /// The parent of `id`, nil for the root.
    public func parent(of id: String) -> NodeEntry? { node(id)?.parent.flatMap(node) }

    /// The direct children of `id`, in file order.
    public func children(of id: String) -> [NodeEntry] { nodes.filter { $0.parent == id } }

    /// The parent and children of `id`: the only nodes it may talk to.
    public func neighbours(of id: String) -> [NodeEntry] {
        (parent(of: id).map { [$0] } ?? []) + children(of: id)
    }

    /// Whether `a` and `b` are parent and child (either way round).
    public func areNeighbours(_ a: String, _ b: String) -> Bool {
        node(a)?.parent == b || node(b)?.parent == a
    }

    /// Every node below `id`, depth first.
    public func descendants(of id: String) -> [NodeEntry] {
        children(of: id).flatMap { [$0] + descendants(of: $0.id) }
    }

    /// The ids from the root down to `id`.
    public func path(to id: String) -> [String] {
        var result: [String] = []
        var cursor = node(id)
        while let current = cursor, !result.contains(current.id) {
            result.insert(current.id, at: 0)
            cursor = current.parent.flatMap(node)
        }
        return result
    }

    /// Depth of `id` below the root (0 for the root).
    public func depth(of id: String) -> Int { max(0, path(to: id).count - 1) }
}

/// The host and port of an https URL.
public struct URLParts: Sendable, Equatable {
    public let host: String
    public let port: Int

    /// Parses "https://HOST:PORT[/]" (IPv6 hosts in brackets); nil when malformed.
    public init?(_ url: String) {
        guard url.hasPrefix("https://") else { return nil }
        var rest = url.dropFirst("https://".count)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.isEmpty else { return nil }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else {
            let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return nil }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
        }
        guard !host.isEmpty else { return nil }
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { return nil }
            port = p
        } else {
            port = 443
        }
        self.host = String(host)
    }
}

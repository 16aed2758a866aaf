import Foundation
import SyncCore

/// A topology for a test or benchmark federation, on free loopback ports:
/// nodes, datasets (the topology's stop-gap definitions) and policy, written
/// as the JSON file `syncnode serve` reads.
public struct FleetTopology: Sendable {
    public struct Node: Sendable {
        public var id: String
        public var tier: String
        public var region: String
        public var parent: String?
        public var name: String

        public init(id: String, tier: String, region: String, parent: String? = nil, name: String) {
            self.id = id
            self.tier = tier
            self.region = region
            self.parent = parent
            self.name = name
        }
    }

    public var federation: String
    public var nodes: [Node]
    /// Dataset definitions, as JSON objects.
    public var datasets: [[String: any Sendable]]
    public var policy: [String: any Sendable]
    /// Federation port of each node.
    public private(set) var ports: [String: Int] = [:]
    /// Admin (loopback HTTP) port of each node.
    public private(set) var adminPorts: [String: Int] = [:]

    public init(federation: String, nodes: [Node], datasets: [[String: any Sendable]] = [],
                policy: [String: any Sendable] = ["silentAfterSeconds": 5]) throws {
        self.federation = federation
        self.nodes = nodes
        self.datasets = datasets
        self.policy = policy
        for node in nodes { try assignPorts(node.id) }
    }

    private mutating func assignPorts(_ id: String) throws {
        if ports[id] == nil { ports[id] = try FreePorts.next() }
        if adminPorts[id] == nil { adminPorts[id] = try FreePorts.next() }
    }

    /// A province, a city under it, and two districts under the city.
    public static func small(federation: String = "gd-test") throws -> FleetTopology {
        try FleetTopology(federation: federation, nodes: [
            Node(id: "gd", tier: "province", region: "440000", name: "广东省"),
            Node(id: "sz", tier: "city", region: "440300", parent: "gd", name: "深圳市"),
            Node(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
            Node(id: "sz-futian", tier: "district", region: "440304", parent: "sz", name: "福田区"),
        ])
    }

    public func url(_ id: String) -> String { "https://127.0.0.1:\(ports[id] ?? 1)" }

    /// This topology as node `viewer` would see it through a proxy: `target`'s URL on `port`
    /// (the proxy forwards to `target`'s real port).
    public func routing(_ target: String, through port: Int) -> FleetTopology {
        var copy = self
        copy.ports[target] = port
        return copy
    }

    /// Gives node `id` a new federation port (a node moved; its certificate names 127.0.0.1, so it stays valid).
    public mutating func move(_ id: String) throws { ports[id] = try FreePorts.next() }

    /// Adds a node (with fresh ports).
    public mutating func add(_ node: Node) throws {
        nodes.append(node)
        try assignPorts(node.id)
    }

    /// The topology JSON.
    public func json(federation override: String? = nil) throws -> Data {
        let entries: [[String: Any]] = nodes.map { node in
            var entry: [String: Any] = ["id": node.id, "tier": node.tier, "region": node.region, "name": node.name,
                                        "url": url(node.id), "adminPort": adminPorts[node.id] ?? 0]
            if let parent = node.parent { entry["parent"] = parent }
            return entry
        }
        let object: [String: Any] = ["federation": override ?? federation, "policy": policy, "nodes": entries, "datasets": datasets]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    public func write(to path: String, federation override: String? = nil) throws {
        try json(federation: override).write(to: URL(fileURLWithPath: path))
    }

    /// The validated topology.
    public func topology() throws -> Topology { try Topology.decode(try json()) }

    /// A data item definition.
    public static func item(_ name: String, _ type: String = "string", authority: String? = nil) -> [String: any Sendable] {
        var item: [String: any Sendable] = ["name": name, "title": name, "type": type]
        if let authority { item["authority"] = authority }
        return item
    }

    /// A dataset definition shared unconditionally, with key and region items first.
    public static func dataset(_ id: String, source: String, key: String, items: [[String: any Sendable]],
                               backflow: String = "region", shareType: String = "unconditional") -> [String: any Sendable] {
        ["id": id, "name": id, "sourceNode": source, "shareType": shareType, "backflow": backflow,
         "keyItem": key, "regionItem": "region", "items": [item(key), item("region")] + items]
    }
}

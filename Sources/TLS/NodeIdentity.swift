/// The identity a federation CA writes into a node's certificate, as a
/// subject-alternative-name URI: `urn:syncnode:FEDERATION:NODE`.
public struct NodeIdentity: Hashable, Sendable, CustomStringConvertible {
    /// The federation's name, e.g. "gd-demo".
    public let federation: String
    /// The node id from the topology, e.g. "sz-pingshan".
    public let node: String

    public init(federation: String, node: String) {
        self.federation = federation
        self.node = node
    }

    /// The SAN URI form.
    public var uri: String { "urn:syncnode:\(federation):\(node)" }

    /// Parses the SAN URI form; nil for any other URI.
    public init?(uri: String) {
        let parts = uri.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "urn", parts[1] == "syncnode",
              !parts[2].isEmpty, !parts[3].isEmpty else { return nil }
        self.init(federation: String(parts[2]), node: String(parts[3]))
    }

    public var description: String { "\(node)@\(federation)" }
}

/// The identity of a source system (数源部门的业务系统) allowed to load data into
/// one node through its ingestion API: `urn:syncnode:FEDERATION:NODE:system:NAME`.
public struct SystemIdentity: Hashable, Sendable, CustomStringConvertible {
    public let federation: String
    public let node: String
    public let system: String

    public init(federation: String, node: String, system: String) {
        self.federation = federation
        self.node = node
        self.system = system
    }

    public var uri: String { "urn:syncnode:\(federation):\(node):system:\(system)" }

    public init?(uri: String) {
        let parts = uri.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "urn", parts[1] == "syncnode", parts[4] == "system",
              !parts[2].isEmpty, !parts[3].isEmpty, !parts[5].isEmpty else { return nil }
        self.init(federation: String(parts[2]), node: String(parts[3]), system: String(parts[5]))
    }

    public var description: String { "system \(system) of \(node)@\(federation)" }
}

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

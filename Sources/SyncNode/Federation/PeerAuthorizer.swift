import SyncCore
import TLS

/// Maps a verified client certificate to a topology node and decides whether
/// that node may talk to this one: only the parent and the children may.
public struct PeerAuthorizer: Sendable {
    public let topology: Topology
    public let local: NodeEntry

    public init(topology: Topology, local: NodeEntry) {
        self.topology = topology
        self.local = local
    }

    /// Why a peer was refused.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case noIdentity(commonName: String?)
        case otherFederation(String)
        case unknownNode(String)
        case notNeighbour(String)
        case foreignSystem(String)

        public var description: String {
            switch self {
            case .noIdentity(let cn):
                "the certificate carries no syncnode node identity (CN \(cn ?? "none")); issue it with syncnode cert issue"
            case .otherFederation(let name):
                "the certificate belongs to federation '\(name)', not this one"
            case .unknownNode(let id):
                "node '\(id)' is not in this topology"
            case .notNeighbour(let id):
                "node '\(id)' is neither this node's parent nor one of its children"
            case .foreignSystem(let system):
                "\(system) may load data only into its own node"
            }
        }
    }

    /// Who a verified certificate speaks for.
    public enum Caller: Equatable {
        /// A neighbour node.
        case node(NodeEntry)
        /// A source system of this node, for the ingestion API only.
        case system(String)
    }

    /// Who presents `certificate`, if it may talk to this node: its parent, a
    /// child, or one of its own source systems.
    public func authorize(_ certificate: Certificate?) -> Result<Caller, Refusal> {
        if let system = certificate?.systemIdentity {
            guard system.federation == topology.federation else { return .failure(.otherFederation(system.federation)) }
            guard system.node == local.id else { return .failure(.foreignSystem(system.description)) }
            return .success(.system(system.system))
        }
        return authorize(certificate?.nodeIdentity, commonName: certificate?.commonName).map { .node($0) }
    }

    /// The topology entry of the peer presenting `certificate`, if it may talk to us.
    public func authorize(_ identity: NodeIdentity?, commonName: String?) -> Result<NodeEntry, Refusal> {
        guard let identity else { return .failure(.noIdentity(commonName: commonName)) }
        guard identity.federation == topology.federation else { return .failure(.otherFederation(identity.federation)) }
        guard let peer = topology.node(identity.node) else { return .failure(.unknownNode(identity.node)) }
        guard topology.areNeighbours(local.id, peer.id) else { return .failure(.notNeighbour(peer.id)) }
        return .success(peer)
    }
}

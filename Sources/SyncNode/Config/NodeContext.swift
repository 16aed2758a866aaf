import Foundation
import SyncCore
import TLS

/// Everything a command needs to work on one node: the validated topology,
/// the node's entry, and where its data and certificates live.
public struct NodeContext: Sendable {
    public let topology: Topology
    public let node: NodeEntry
    /// The node's data directory (holds `node.db`).
    public let dataDirectory: String
    /// The node's certificate directory (holds `ca.pem`, `ID.pem`, `ID.key`).
    public let certificateDirectory: String

    /// Resolves a node in a topology.
    public init(topology: Topology, nodeID: String, dataDirectory: String? = nil, certificateDirectory: String? = nil) throws {
        guard let node = topology.node(nodeID) else {
            throw SyncNodeError("use node '\(nodeID)'", "it is not in federation '\(topology.federation)'",
                                hint: "nodes are: \(topology.nodes.map(\.id).joined(separator: ", "))")
        }
        self.topology = topology
        self.node = node
        self.dataDirectory = dataDirectory ?? "data/\(nodeID)"
        self.certificateDirectory = certificateDirectory ?? "certs/\(nodeID)"
    }

    /// This node's identity as its certificate must carry it.
    public var identity: NodeIdentity { NodeIdentity(federation: topology.federation, node: node.id) }

    public var databasePath: String { (dataDirectory as NSString).appendingPathComponent("node.db") }
    public var caFile: String { (certificateDirectory as NSString).appendingPathComponent("ca.pem") }
    public var certificateFile: String { (certificateDirectory as NSString).appendingPathComponent("\(node.id).pem") }
    public var keyFile: String { (certificateDirectory as NSString).appendingPathComponent("\(node.id).key") }

    /// The parent entry, nil for the root.
    public var parent: NodeEntry? { topology.parent(of: node.id) }
    /// The children entries.
    public var children: [NodeEntry] { topology.children(of: node.id) }

    /// Checks the certificate files exist, are readable, carry this node's
    /// identity, and that the key is not readable by others.
    public func checkCertificates() throws {
        for file in [caFile, certificateFile, keyFile] where !FileManager.default.isReadableFile(atPath: file) {
            throw SyncNodeError("load certificates for \(node.id)", "\(file) is missing or unreadable",
                                hint: "issue them with: syncnode cert issue --ca CA_DIR --topology FILE --node \(node.id) --out \(certificateDirectory)")
        }
        let cert = try Certificate(pemFile: certificateFile)
        guard cert.nodeIdentity == identity else {
            throw SyncNodeError("load certificates for \(node.id)",
                                "\(certificateFile) is for \(cert.nodeIdentity?.description ?? "no syncnode node"), not \(identity)",
                                hint: "reissue it with syncnode cert issue --node \(node.id)")
        }
        let ca = try Certificate(pemFile: caFile)
        guard cert.isSigned(by: ca) else {
            throw SyncNodeError("load certificates for \(node.id)", "\(certificateFile) was not issued by the CA in \(caFile)",
                                hint: "copy the federation CA's ca.pem next to it, or reissue the certificate")
        }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: keyFile),
           let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw SyncNodeError("load certificates for \(node.id)",
                                "\(keyFile) can be read by other users (mode \(String(mode, radix: 8)))",
                                hint: "chmod 600 \(keyFile)")
        }
    }
}

import Foundation
import Posix
import SyncCore
import SyncEngine
import SyncStore
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
    /// The federation's revocation list as last received, in PEM (written by the running node).
    public var revocationListFile: String { (dataDirectory as NSString).appendingPathComponent("revocations.pem") }

    /// The parent entry, nil for the root.
    public var parent: NodeEntry? { topology.parent(of: node.id) }
    /// The children entries.
    public var children: [NodeEntry] { topology.children(of: node.id) }

    /// Opens the node's store (creating and migrating it when needed).
    public func openStore() throws -> SQLiteStore {
        let topology = self.topology
        return try SQLiteStore(path: databasePath, nodeID: node.id, federation: topology.federation,
                               migration: MigrationContext { topology.node($0)?.region })
    }

    /// Opens the node's store and its replication engine.
    /// - Parameter announcing: tell the node serving this store about each commit (commands do;
    ///   the serving node itself does not). When a node is serving, a command's commits also leave
    ///   the write-ahead log to be copied into the database by the node, on its checkpointer's
    ///   thread: an import of 1M rows used to copy its ~500 MB of log inside its commit, ~15 % of its
    ///   time, before the node could send a row of it. With none serving, SQLite's own copy after
    ///   large commits stays (another connection, a shell say, may keep the close from copying).
    public func openReplica(wallClock: any WallClock = SystemClock.fromEnvironment(), announcing: Bool = false) throws -> Replica {
        let name = wakeName
        var announce: (@Sendable () -> Void)?
        if announcing { announce = { @Sendable in WakeReceiver.poke(name: name) } }
        let store = try openStore()
        if announcing && WakeReceiver.poke(name: name) { try store.checkpointInBackground() }
        return try Replica(topology: topology, nodeID: node.id, store: store, wallClock: wallClock,
                           signal: ChangeSignal(announce: announce), revocationVerifier: CARevocationVerifier(caFile: caFile),
                           signer: NodeSigner(context: self))
    }

    /// The name of the wake-up socket the node serving this store listens on: one per database file.
    public var wakeName: String {
        let path = URL(fileURLWithPath: databasePath).standardizedFileURL.resolvingSymlinksInPath().path
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325   // FNV-1a
        for byte in path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "syncnode-wake-" + String(hash, radix: 16)
    }

    /// Checks the certificate files exist, are readable, carry this node's
    /// identity, and that the key is not readable by others.
    public func checkCertificates() throws {
        for file in [caFile, certificateFile, keyFile] where !FileManager.default.isReadableFile(atPath: file) {
            throw SyncNodeError("load certificates for \(node.id)", "\(file) is missing or unreadable",
                                hint: "issue them for \(node.id) into \(certificateDirectory) (syncnode cert issue)")
        }
        let cert = try Certificate(pemFile: certificateFile)
        guard cert.nodeIdentity == identity else {
            throw SyncNodeError("load certificates for \(node.id)",
                                "\(certificateFile) is for \(cert.nodeIdentity?.description ?? "no syncnode node"), not \(identity)",
                                hint: "issue a new certificate for \(node.id) (syncnode cert issue)")
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

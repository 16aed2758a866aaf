import Foundation
import SyncCore
import SyncNode
import TLS

/// `syncnode cert issue`: issues node certificates signed by the CA.
enum CertIssueCommand: Command {
    static let name = "cert issue"
    static let summary = "issue a node's key and certificate at the CA (for demos and tests; in production use cert request and cert sign)"
    static let details = """
        Writes DIR/ID.key (mode 0600), DIR/ID.pem and a copy of the CA certificate
        DIR/ca.pem: the node's --certs directory. The certificate carries the node id
        as its common name and as the URI urn:syncnode:FEDERATION:ID, and the host of
        the node's URL as a subject alternative name. With --all, every node of the
        topology gets DIR/ID/.
        """
    static let flags = [
        Flag("ca", value: "DIR", help: "the CA directory holding ca.pem and ca.key (required)"),
        Flag("topology", value: "FILE", help: "the federation's topology file (default: $SYNCNODE_TOPOLOGY)"),
        Flag("node", value: "ID", help: "the node to issue for"),
        Flag("all", help: "issue for every node, each into DIR/ID/"),
        Flag("out", value: "DIR", help: "where to write (default: certs/ID, or certs/ with --all)"),
        Flag("days", value: "N", help: "validity in days (default: 825)"),
        Flag("backdate-days", value: "N", help: "start validity N days ago (for testing expiry; default: 0)"),
        Flag("host", value: "HOST", help: "an extra DNS name or IP the node is reached by", repeatable: true),
        Flag("system", value: "NAME", help: "issue for a source system of --node instead (its ingestion API client): writes NAME.pem, NAME.key"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode cert issue"
        let caDir = try arguments.required("ca", command: command)
        let topology = try Topology.load(path: NodeFlags.topologyPath(arguments, command: command))
        let ca = CADirectory(path: caDir)
        let caCert = try ca.certificate(), caKey = try ca.key()
        let days = try arguments.int("days", default: 825, command: command)
        let backdate = try arguments.int("backdate-days", default: 0, command: command)
        let nodes: [(NodeEntry, String)]
        if arguments.has("all") {
            let root = arguments.value("out") ?? "certs"
            nodes = topology.nodes.map { ($0, (root as NSString).appendingPathComponent($0.id)) }
        } else {
            guard let id = arguments.value("node") else {
                throw SyncNodeError("run '\(command)'", "give --node ID or --all", hint: "see '\(command) --help'")
            }
            guard let node = topology.node(id) else {
                throw SyncNodeError("issue a certificate for '\(id)'", "it is not in the topology",
                                    hint: "nodes are: \(topology.nodes.map(\.id).joined(separator: ", "))")
            }
            nodes = [(node, arguments.value("out") ?? "certs/\(id)")]
        }
        let caPEM = try caCert.pem()
        if let system = arguments.value("system") {
            guard SystemName.isValid(system) else {
                throw SyncNodeError("issue a certificate for system '\(system.prefix(40))'", "a system name is 1-63 letters, digits and '-'",
                                    hint: "name the system like amr-registry")
            }
            guard let (node, out) = nodes.first, nodes.count == 1 else {
                throw SyncNodeError("run '\(command)'", "--system needs one --node", hint: "see '\(command) --help'")
            }
            let identity = SystemIdentity(federation: topology.federation, node: node.id, system: system)
            let (cert, key) = try CertificateAuthority.issue(system: identity, ca: caCert, caKey: caKey, validDays: days)
            try ca.register(cert)
            try Files.write(try key.pem(), to: (out as NSString).appendingPathComponent("\(system).key"), private: true)
            try Files.write(try cert.pem(), to: (out as NSString).appendingPathComponent("\(system).pem"))
            try Files.write(caPEM, to: (out as NSString).appendingPathComponent("ca.pem"))
            Output.line("issued \(identity.uri) → \(out)/\(system).pem, \(system).key: it may POST /v1/ingest to \(node.url)")
            return 0
        }
        for (node, out) in nodes {
            let identity = NodeIdentity(federation: topology.federation, node: node.id)
            let (cert, key) = try CertificateAuthority.issue(identity: identity, hosts: [node.host] + arguments.all("host"),
                                                             ca: caCert, caKey: caKey, validDays: days, backdateDays: backdate)
            try ca.register(cert)
            try Files.write(try key.pem(), to: (out as NSString).appendingPathComponent("\(node.id).key"), private: true)
            try Files.write(try cert.pem(), to: (out as NSString).appendingPathComponent("\(node.id).pem"))
            try Files.write(caPEM, to: (out as NSString).appendingPathComponent("ca.pem"))
            Output.line("issued \(identity.uri) (\(node.name)) → \(out)/\(node.id).pem, \(node.id).key; expires \(Timestamp.iso(cert.notAfter).prefix(10))")
        }
        return 0
    }
}

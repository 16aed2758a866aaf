import Foundation
import SyncCore
import SyncNode
import TLS

/// `syncnode cert sign`: the CA signs a node's certificate request.
enum CertSignCommand: Command {
    static let name = "cert sign"
    static let summary = "sign a node's (or source system's) certificate request at the CA"
    static let details = """
        Reads REQUEST.csr, checks its signature (the requester holds the key) and that it asks
        for the node (or system) named by --node/--system, and writes a certificate for its key
        with the identity the CA decides: urn:syncnode:FEDERATION:ID (or :ID:system:NAME) and
        the host of the node's URL. The private key is never seen here.
        """
    static let flags = [
        Flag("ca", value: "DIR", help: "the CA directory holding ca.pem and ca.key (required)"),
        Flag("topology", value: "FILE", help: "the federation's topology file (default: $SYNCNODE_TOPOLOGY)"),
        Flag("node", value: "ID", help: "the node the certificate is for (required)"),
        Flag("system", value: "NAME", help: "a source system of --node instead"),
        Flag("out", value: "FILE", help: "where to write the certificate (default: next to the request, ID.pem or NAME.pem)"),
        Flag("days", value: "N", help: "validity in days (default: 825)"),
        Flag("host", value: "HOST", help: "an extra DNS name or IP the node is reached by", repeatable: true),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode cert sign"
        let ca = CADirectory(path: try arguments.required("ca", command: command))
        let topology = try Topology.load(path: NodeFlags.topologyPath(arguments, command: command))
        let id = try arguments.required("node", command: command)
        guard let node = topology.node(id) else {
            throw SyncNodeError("sign for '\(id)'", "it is not in the topology", hint: "nodes are: \(topology.nodes.map(\.id).joined(separator: ", "))")
        }
        let file = try arguments.positional("the request (.csr)", command: command, example: "syncnode cert sign ... --node ID ID.csr")
        let request = try CertificateRequest(pem: try String(contentsOfFile: file, encoding: .utf8))
        let identity: CertificateAuthority.Identity
        let expectedName: String
        var hosts: [String] = []
        if let system = arguments.value("system") {
            guard SystemName.isValid(system) else { throw SyncNodeError("sign for system '\(system.prefix(40))'", "a system name is 1-63 letters, digits and '-'") }
            identity = .system(SystemIdentity(federation: topology.federation, node: node.id, system: system))
            expectedName = "\(node.id)/\(system)"
        } else {
            identity = .node(NodeIdentity(federation: topology.federation, node: node.id))
            expectedName = node.id
            hosts = [node.host] + arguments.all("host")
        }
        guard request.commonName == expectedName else {
            throw SyncNodeError("sign \(file)", "the request asks for '\(request.commonName ?? "nothing")', not \(expectedName)",
                                hint: "check that the request came from that node (syncnode cert request --node \(node.id))")
        }
        let cert = try CertificateAuthority.sign(request, identity: identity, hosts: hosts, ca: try ca.certificate(), caKey: try ca.key(),
                                                 validDays: try arguments.int("days", default: 825, command: command))
        let name = arguments.value("system") ?? node.id
        let out = arguments.value("out") ?? (((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent("\(name).pem"))
        try Files.write(try cert.pem(), to: out)
        try Files.write(try ca.certificate().pem(), to: ((out as NSString).deletingLastPathComponent as NSString).appendingPathComponent("ca.pem"))
        try ca.register(cert)
        Output.line("signed \(cert.syncnodeURIs.first ?? expectedName) serial \(cert.serial) → \(out); expires \(Timestamp.iso(cert.notAfter).prefix(10))")
        return 0
    }
}

import Foundation
import SyncCore
import SyncNode
import TLS

/// `syncnode cert request`: makes a key and a certificate request on the node itself.
enum CertRequestCommand: Command {
    static let name = "cert request"
    static let summary = "make a private key and a certificate request (CSR) on this node; the key never leaves it"
    static let details = """
        Writes DIR/ID.key (mode 0600) and DIR/ID.csr (or NAME.key and NAME.csr with --system).
        Send only the .csr to the CA operator, who signs it (syncnode cert sign) and sends back
        the certificate; put it next to the key as DIR/ID.pem with the CA's ca.pem. To renew a
        running node's certificate, make the request into another directory and move the new
        key and certificate into the node's certificate directory together: the node picks
        them up within seconds, without a restart.
        """
    static let flags = [
        Flag("topology", value: "FILE", help: "the federation's topology file (default: $SYNCNODE_TOPOLOGY)"),
        Flag("node", value: "ID", help: "this node's id (default: $SYNCNODE_NODE)"),
        Flag("system", value: "NAME", help: "make the request for a source system of the node instead"),
        Flag("out", value: "DIR", help: "where to write (default: certs/ID)"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode cert request"
        let topology = try Topology.load(path: NodeFlags.topologyPath(arguments, command: command))
        guard let id = arguments.value("node") ?? ProcessInfo.processInfo.environment["SYNCNODE_NODE"], let node = topology.node(id) else {
            throw SyncNodeError("run '\(command)'", "give the node with --node", hint: "nodes are: \(topology.nodes.map(\.id).joined(separator: ", "))")
        }
        let out = arguments.value("out") ?? "certs/\(node.id)"
        var name = node.id
        var commonName = node.id
        if let system = arguments.value("system") {
            guard SystemName.isValid(system) else { throw SyncNodeError("make a request for system '\(system.prefix(40))'", "a system name is 1-63 letters, digits and '-'") }
            name = system
            commonName = "\(node.id)/\(system)"
        }
        let key = try PrivateKey.generateP256()
        let request = try CertificateRequest(key: key, commonName: commonName)
        try Files.write(try key.pem(), to: (out as NSString).appendingPathComponent("\(name).key"), private: true)
        try Files.write(try request.pem(), to: (out as NSString).appendingPathComponent("\(name).csr"))
        Output.line("wrote \(out)/\(name).key (mode 0600, stays here) and \(out)/\(name).csr: send the .csr to the CA operator (syncnode cert sign)")
        return 0
    }
}

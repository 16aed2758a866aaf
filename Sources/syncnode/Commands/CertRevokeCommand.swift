import Foundation
import SyncCore
import SyncNode
import TLS

/// `syncnode cert revoke`: revokes certificates and signs a new revocation list.
enum CertRevokeCommand: Command {
    static let name = "cert revoke"
    static let summary = "revoke a node's or a source system's certificates and sign a new revocation list"
    static let details = """
        Run at the CA. Revokes every certificate the CA issued to --node ID (or to
        --system NODE/NAME), or one certificate by --serial or --cert FILE, records it in
        DIR/revoked.jsonl and writes a new revocation list DIR/crl.pem signed by the CA,
        with a higher number than the last. Then publish the list at any node (usually the
        province): syncnode cert publish-crl ... DIR/crl.pem. It reaches every node with
        the catalog; each node checks the CA's signature, reloads its TLS without a
        restart, refuses the revoked peer at its next handshake and closes its open
        connections.
        """
    static let flags = [
        Flag("ca", value: "DIR", help: "the CA directory (required)"),
        Flag("node", value: "ID", help: "revoke every certificate issued to this node"),
        Flag("system", value: "NODE/NAME", help: "revoke every certificate issued to this source system"),
        Flag("serial", value: "HEX", help: "revoke the certificate with this serial number"),
        Flag("cert", value: "FILE", help: "revoke this certificate"),
        Flag("reason", value: "TEXT", help: "why, for the register"),
        Flag("days", value: "N", help: "how long the list is valid (default: 3650; publish a new one before then)"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode cert revoke"
        let ca = CADirectory(path: try arguments.required("ca", command: command))
        let caCert = try ca.certificate(), caKey = try ca.key()
        var targets: [(serial: String, identity: String)] = []
        if let file = arguments.value("cert") {
            let cert = try Certificate(pemFile: file)
            targets.append((cert.serial, cert.syncnodeURIs.first ?? file))
        }
        if let serial = arguments.value("serial") { targets.append((serial.uppercased(), "serial \(serial)")) }
        let issued = ca.entries("issued.jsonl")
        if let node = arguments.value("node") {
            let matching = issued.filter { NodeIdentity(uri: $0.identity)?.node == node }
            guard !matching.isEmpty else { throw SyncNodeError("revoke \(node)", "the register \(ca.file("issued.jsonl")) holds no certificate of \(node)", hint: "revoke by --serial or --cert") }
            targets += matching.map { ($0.serial, $0.identity) }
        }
        if let system = arguments.value("system") {
            let matching = issued.filter { SystemIdentity(uri: $0.identity).map { "\($0.node)/\($0.system)" } == system }
            guard !matching.isEmpty else { throw SyncNodeError("revoke \(system)", "the register holds no certificate of system \(system)", hint: "name it NODE/NAME") }
            targets += matching.map { ($0.serial, $0.identity) }
        }
        guard !targets.isEmpty else { throw SyncNodeError("run '\(command)'", "say what to revoke", hint: "--node ID, --system NODE/NAME, --serial HEX or --cert FILE") }
        let revoked = Set(ca.entries("revoked.jsonl").map(\.serial))
        for target in targets where !revoked.contains(target.serial) {
            try ca.append(CADirectory.Entry(serial: target.serial, identity: target.identity, notAfter: "", at: Timestamp.iso(Date()),
                                            reason: arguments.value("reason")), to: "revoked.jsonl")
        }
        let all = Set(ca.entries("revoked.jsonl").map(\.serial)).sorted()
        let previous = (try? RevocationList(pem: String(contentsOfFile: ca.file("crl.pem"), encoding: .utf8)))?.number ?? 0
        let list = try CertificateAuthority.revocationList(serials: all, number: previous + 1, ca: caCert, caKey: caKey,
                                                           validDays: try arguments.int("days", default: 3650, command: command))
        try Files.write(try list.pem(), to: ca.file("crl.pem"))
        for target in targets { Output.line("revoked \(target.serial) (\(target.identity))") }
        Output.line("wrote revocation list number \(list.number) (\(all.count) revoked) to \(ca.file("crl.pem"))")
        Output.line("publish it at a node: syncnode cert publish-crl --topology FILE --node ID \(ca.file("crl.pem"))")
        return 0
    }
}

import Foundation
import SyncCore
import SyncNode
import TLS

/// `syncnode cert ca`: creates a federation CA.
enum CertCACommand: Command {
    static let name = "cert ca"
    static let summary = "create a federation CA (ca.pem, ca.key) in a directory"
    static let details = """
        The CA signs one certificate per node. Keep ca.key offline and readable by
        its custodian only (it is written with mode 0600); every node gets ca.pem.
        An existing CA is never overwritten unless --force is given.
        """
    static let flags = [
        Flag("out", value: "DIR", help: "directory to write ca.pem and ca.key into (required)"),
        Flag("name", value: "NAME", help: "the CA's common name (default: \"syncnode federation CA\")"),
        Flag("days", value: "N", help: "validity in days (default: 3650)"),
        Flag("force", help: "replace an existing CA in DIR (every node certificate must then be reissued)"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let out = try arguments.required("out", command: "syncnode cert ca")
        let keyPath = (out as NSString).appendingPathComponent("ca.key")
        if FileManager.default.fileExists(atPath: keyPath) && !arguments.has("force") {
            throw SyncNodeError("create a CA in \(out)", "\(keyPath) already exists",
                                hint: "use it as it is, or pass --force to replace it (and reissue every node certificate)")
        }
        let days = try arguments.int("days", default: 3650, command: "syncnode cert ca")
        let (cert, key) = try CertificateAuthority.create(name: arguments.value("name") ?? "syncnode federation CA", validDays: days)
        try Files.write(try key.pem(), to: keyPath, private: true)
        try Files.write(try cert.pem(), to: (out as NSString).appendingPathComponent("ca.pem"))
        Output.line("created CA in \(out): ca.pem (give to every node), ca.key (mode 0600, keep offline); valid \(days) days")
        return 0
    }
}

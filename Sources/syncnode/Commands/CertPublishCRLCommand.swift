import Foundation
import SyncCore
import SyncEngine
import SyncNode

/// `syncnode cert publish-crl`: puts the CA's revocation list into the federation.
enum CertPublishCRLCommand: Command {
    static let name = "cert publish-crl"
    static let summary = "publish the CA's revocation list at this node: it reaches every node"
    static let details = """
        Checks that the federation CA signed FILE (a crl.pem from syncnode cert revoke) and
        that it is newer than the list this node holds, then publishes it. It travels to
        every node like the catalog; each checks the signature again and reloads its TLS.
        """
    static let flags = NodeFlags.all

    static func run(_ arguments: Arguments) throws -> Int32 {
        let command = "syncnode cert publish-crl"
        let context = try NodeFlags.context(arguments, command: command)
        let file = try arguments.positional("the revocation list (crl.pem)", command: command, example: "syncnode cert publish-crl ... ca/crl.pem")
        let pem: String
        do { pem = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw SyncNodeError("read \(file)", "the file cannot be read", hint: "check the path")
        }
        let number = try RevocationService(replica: try context.openReplicaForCommand(arguments)).publish(pem: pem)
        Output.line("published revocation list number \(number) at \(context.node.id); every node reloads it when it arrives")
        return 0
    }
}

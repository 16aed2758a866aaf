import Foundation
import Posix
import Synchronization
import SyncCore
import SyncEngine
import TLS

/// Checks revocation lists against the federation CA in the node's certificate directory.
struct CARevocationVerifier: RevocationListVerifier {
    let caFile: String

    func verify(pem: String) throws -> (number: Int64, serials: Set<String>) {
        let ca = try Certificate(pemFile: caFile)
        let list = try RevocationList(pem: pem)
        guard list.isSigned(by: ca) else {
            throw SyncNodeError("check a revocation list", "it was not signed by the CA in \(caFile)")
        }
        return (list.number, list.revokedSerials)
    }
}

/// A counter the parent link's channels watch: when it moves they drop their
/// connection and verify afresh with the new credentials.
final class CredentialGeneration: Sendable {
    private let value = Mutex(0)
    var current: Int { value.withLock { $0 } }
    func bump() { value.withLock { $0 += 1 } }
}

/// Keeps the node's TLS credentials current without a restart: a renewed
/// certificate and key dropped into its certificate directory, and each new
/// revocation list the federation brings. Checks every few seconds, and at
/// once when poked (SIGHUP). A bad renewal is refused with an error in the
/// log and the credentials in use stay.
final class CredentialWatcher: Service {
    let name = "credential watcher"
    private let context: NodeContext
    private let replica: Replica
    private let log: Log
    private let worker: PeriodicWorker
    let generation = CredentialGeneration()
    private let loaded = Mutex<(files: String, crl: Int64)?>(nil)
    private let server = Mutex<FederationServer?>(nil)

    init(context: NodeContext, replica: Replica, log: Log, interval: Double = 3) {
        self.context = context
        self.replica = replica
        self.log = log
        worker = PeriodicWorker(name: "syncnode-credentials", interval: interval)
    }

    /// The revocation list file the parent link's client checks the parent against.
    var revocationListFile: String { context.revocationListFile }

    /// The credentials as they are now, for the server's first context.
    func initialContext() throws -> TLSContext {
        let (tls, state) = try build()
        loaded.withLock { $0 = state }
        try record(tls)
        return tls
    }

    /// The server whose context it swaps.
    func attach(_ server: FederationServer) { self.server.withLock { $0 = server } }

    func start() { worker.start { [self] in check() } }

    func stop() { worker.stop() }

    /// Checks now (SIGHUP).
    func poke() { worker.poke() }

    private func filesState() -> String {
        [context.certificateFile, context.keyFile, context.caFile].map { file in
            let status = Posix.fileStatus(atPath: file)   // one stat, every second: not attributesOfItem (reads /etc/passwd)
            return "\(status?.modified ?? 0)/\(status?.size ?? -1)"
        }.joined(separator: "|")
    }

    /// A TLS context from the files and the revocation list the store holds.
    private func build() throws -> (TLSContext, (files: String, crl: Int64)) {
        let files = filesState()
        try context.checkCertificates()
        let held = try replica.store.read { try $0.revocationList() }
        let list = try held.map { try RevocationList(pem: $0.pem) }
        let tls = try TLSContext(certificateFile: context.certificateFile, keyFile: context.keyFile, caFile: context.caFile, revocationList: list)
        if let held { try Files.write(held.pem, to: revocationListFile) }
        return (tls, (files, held?.number ?? 0))
    }

    private func record(_ tls: TLSContext) throws {
        let cert = tls.certificate
        try replica.store.write { tx in
            try tx.setNodeMeta("certificate.serial", cert.serial)
            try tx.setNodeMeta("certificate.notAfter", Timestamp.iso(cert.notAfter))
            try tx.setNodeMeta("certificate.fingerprint", cert.fingerprint)
        }
    }

    private func check() {
        let files = filesState()
        let crl = (try? replica.store.read { try $0.revocationList()?.number }) ?? nil
        guard let last = loaded.withLock({ $0 }), files != last.files || (crl ?? 0) != last.crl else { return }
        do {
            let (tls, state) = try build()
            let revoked = try state.crl > 0 ? RevocationList(pem: try replica.store.read { try $0.revocationList()?.pem } ?? "").revokedSerials : []
            server.withLock { $0 }?.use(tls, revoked: revoked)
            try record(tls)
            loaded.withLock { $0 = state }
            generation.bump()
            try? replica.audit("certificate reloaded", tls.certificate.serial,
                               "not after \(Timestamp.iso(tls.certificate.notAfter)); revocation list \(state.crl); \(files != last.files ? "certificate files changed" : "new revocation list")")
            log.info("credentials_loaded", ["certificate": tls.certificate.serial, "not_after": Timestamp.iso(tls.certificate.notAfter),
                                            "revocation_list": state.crl, "reason": files != last.files ? "certificate files changed" : "new revocation list"])
        } catch {
            loaded.withLock { $0 = (files, crl ?? 0) }   // do not retry the same broken files every few seconds
            log.error("credentials_not_loaded", ["error": "\(error)", "action": "the credentials in use stay; fix the files in \(context.certificateDirectory)"])
        }
    }
}

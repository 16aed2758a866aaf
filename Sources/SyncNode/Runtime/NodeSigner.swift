import Foundation
import Posix
import Synchronization
import SyncCore
import TLS

/// Provenance with the node's own credentials: signs the blocks of changes
/// made here with the node's key (ECDSA P-256, the TLS key), and checks other
/// origins' blocks against the federation CA. A renewed certificate and key
/// are picked up at the next block; a block once verified is not verified again.
final class NodeSigner: ChangeSigner {
    private let identity: NodeIdentity
    private let certificateFile: String
    private let keyFile: String
    private let caFile: String
    private let own = Mutex<(stamp: Date, key: PrivateKey, der: [UInt8])?>(nil)
    private let authority = Mutex<(stamp: Date, ca: Certificate)?>(nil)
    /// Blocks verified, by the hash of all they carry (not their signature alone: the same signature
    /// with other leaves is a forgery), bounded.
    private let verified = Mutex<Set<[UInt8]>>([])
    private static let verifiedBound = 20_000
    /// Origins' certificates already checked against the CA, by the hash of their DER: each is parsed and
    /// checked once, not once per block (most blocks carry one of a few dozen certificates).
    private let certified = Mutex<(ca: Date, byDigest: [[UInt8]: (node: String, certificate: Certificate)])>((.distantPast, [:]))

    init(context: NodeContext) {
        identity = context.identity
        certificateFile = context.certificateFile
        keyFile = context.keyFile
        caFile = context.caFile
    }

    func digest(_ bytes: [UInt8]) -> [UInt8] {
        // One context, reused: a context per hash costs more than hashing a change.
        hasher.withLock { $0?.digest(bytes) } ?? SHA256Digest.oneShot(bytes)
    }
    private let hasher = Mutex<ReusableSHA256?>(try? ReusableSHA256())

    func sign(leaves: [UInt8]) throws -> SignedBlock {
        let stamp = modified(certificateFile)
        let credentials = try own.withLock { held in
            if let held, held.stamp == stamp { return held }
            guard FileManager.default.isReadableFile(atPath: certificateFile), FileManager.default.isReadableFile(atPath: keyFile) else {
                throw SyncNodeError("sign changes as \(identity.node)", "\(certificateFile) or \(keyFile) is missing or unreadable",
                                    hint: "name the node's certificate directory (--certs DIR, or \"certs\" in its configuration file), "
                                        + "or issue its certificate (syncnode cert issue)")
            }
            let certificate = try Certificate(pemFile: certificateFile)
            guard certificate.nodeIdentity == identity else {
                throw SyncNodeError("sign changes as \(identity.node)", "\(certificateFile) is not \(identity)'s certificate",
                                    hint: "issue a certificate for \(identity.node) (syncnode cert issue)")
            }
            let loaded = (stamp: stamp, key: try PrivateKey(pemFile: keyFile), der: certificate.der)
            held = loaded
            return loaded
        }
        let message = SignedBlock.message(origin: identity.node, leaves: leaves)
        return SignedBlock(origin: identity.node, leaves: leaves, signature: try credentials.key.sign(message), certificate: credentials.der)
    }

    func verify(_ block: SignedBlock) throws(ProvenanceError) {
        let seen = digest(block.message + block.signature + block.certificate)
        if verified.withLock({ $0.contains(seen) }) { return }
        let certificate = try certifiedCertificate(block)
        let expected = NodeIdentity(federation: identity.federation, node: block.origin)
        guard certificate.node == block.origin else {
            throw ProvenanceError("its certificate is for \(NodeIdentity(federation: identity.federation, node: certificate.node)), not \(expected)")
        }
        guard certificate.certificate.verifies(block.signature, of: block.message) else {
            throw ProvenanceError("the signature does not match the block's changes")
        }
        verified.withLock { set in
            if set.count >= Self.verifiedBound { set.removeAll(keepingCapacity: true) }
            set.insert(seen)
        }
    }

    /// The block's certificate, once it is known the federation CA issued it to a syncnode node.
    private func certifiedCertificate(_ block: SignedBlock) throws(ProvenanceError) -> (node: String, certificate: Certificate) {
        let key = digest(block.certificate)
        let caStamp = modified(caFile)
        if let known = certified.withLock({ held in held.ca == caStamp ? held.byDigest[key] : nil }) { return known }
        let certificate: Certificate
        do { certificate = try Certificate(der: block.certificate) } catch { throw ProvenanceError("its certificate is unreadable (\(error))") }
        let ca: Certificate
        do { ca = try federationCA() } catch { throw ProvenanceError("the federation CA in \(caFile) cannot be read (\(error))") }
        guard certificate.isSigned(by: ca) else { throw ProvenanceError("its certificate was not issued by the federation CA") }
        guard let named = certificate.nodeIdentity, named.federation == identity.federation else {
            throw ProvenanceError("its certificate is for \(certificate.nodeIdentity?.description ?? "no syncnode node"), not a node of \(identity.federation)")
        }
        let checked = (node: named.node, certificate: certificate)
        certified.withLock { held in
            if held.ca != caStamp || held.byDigest.count >= 1_000 { held = (caStamp, [:]) }
            held.byDigest[key] = checked
        }
        return checked
    }

    private func federationCA() throws -> Certificate {
        let stamp = modified(caFile)
        return try authority.withLock { held in
            if let held, held.stamp == stamp { return held.ca }
            let ca = try Certificate(pemFile: caFile)
            held = (stamp, ca)
            return ca
        }
    }

    /// When `path` was last modified, looked at no more than once a second (a renewal is picked up within one).
    private func modified(_ path: String) -> Date {
        let now = Date()
        if let seen = stamps.withLock({ $0[path] }), now.timeIntervalSince(seen.at) < 1 { return seen.modified }
        let modified = Posix.modificationTime(atPath: path).map { Date(timeIntervalSince1970: $0) } ?? .distantPast
        stamps.withLock { $0[path] = (now, modified) }
        return modified
    }
    private let stamps = Mutex<[String: (at: Date, modified: Date)]>([:])
}

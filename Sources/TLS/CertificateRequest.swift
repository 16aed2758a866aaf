import COpenSSL
import Foundation

/// A certificate signing request (CSR): a node's public key, signed with its
/// private key to prove it holds it. The key never leaves the node; the CA
/// signs a certificate for the public key with the identity it decides.
/// Owns its `X509_REQ*`.
public final class CertificateRequest: @unchecked Sendable {   // an X509_REQ is only read once made or parsed
    let handle: OpaquePointer

    init(owning handle: OpaquePointer) { self.handle = handle }

    deinit { X509_REQ_free(handle) }

    /// A request for `key`'s public half, with `commonName` as its subject (a hint; the CA decides).
    public convenience init(key: PrivateKey, commonName: String) throws {
        guard let req = X509_REQ_new() else { throw TLSError.fromQueue("create certificate request") }
        self.init(owning: req)
        X509_REQ_set_version(req, 0)
        X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_UTF8, commonName, -1, -1, 0)
        guard X509_REQ_set_pubkey(req, key.handle) == 1 else { throw TLSError.fromQueue("set request key") }
        guard X509_REQ_sign(req, key.handle, EVP_sha256()) > 0 else { throw TLSError.fromQueue("sign certificate request") }
    }

    /// Reads a PEM request and checks its self-signature (the requester holds the key).
    public convenience init(pem: String) throws {
        guard let req = withMemoryBIO(Data(pem.utf8), { PEM_read_bio_X509_REQ($0, nil, nil, nil) }) else {
            throw TLSError.fromQueue("read certificate request", fallback: "not a PEM certificate request")
        }
        self.init(owning: req)
        guard let key = X509_REQ_get0_pubkey(req), X509_REQ_verify(req, key) == 1 else {
            throw TLSError("read certificate request", reason: "its signature does not match its key")
        }
    }

    public func pem() throws -> String {
        try readMemoryBIO("write certificate request") { PEM_write_bio_X509_REQ($0, handle) }
    }

    /// The subject's common name the requester asked for.
    public var commonName: String? {
        guard let name = X509_REQ_get_subject_name(handle) else { return nil }
        return nameEntry(name, NID_commonName)
    }

    /// The requested public key (a new reference the caller owns through `PublicKey`).
    var publicKey: OpaquePointer? { X509_REQ_get_pubkey(handle) }
}

/// A subject name's entry as UTF-8 text.
func nameEntry(_ name: OpaquePointer, _ nid: Int32) -> String? {
    let index = X509_NAME_get_index_by_NID(name, nid, -1)
    guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
    var out: UnsafeMutablePointer<UInt8>?
    let length = ASN1_STRING_to_UTF8(&out, data)
    guard length >= 0, let out else { return nil }
    defer { CRYPTO_free(out, #fileID, #line) }
    return String(decoding: UnsafeBufferPointer(start: out, count: Int(length)), as: UTF8.self)
}

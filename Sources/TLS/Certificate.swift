import COpenSSL
import Foundation

/// An X.509 certificate. Owns its `X509*` and frees it in `deinit`.
public final class Certificate: @unchecked Sendable {   // an X509 is only read once made or parsed
    let handle: OpaquePointer

    init(owning handle: OpaquePointer) { self.handle = handle }

    /// Wraps a certificate owned elsewhere (takes a reference of its own).
    package convenience init(retaining handle: OpaquePointer) {
        X509_up_ref(handle)
        self.init(owning: handle)
    }

    deinit { X509_free(handle) }

    /// Reads the first certificate of a PEM file.
    public convenience init(pemFile path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TLSError("read certificate \(path)", reason: "cannot read the file (\(error.localizedDescription))")
        }
        guard let x509 = withMemoryBIO(data, { PEM_read_bio_X509($0, nil, nil, nil) }) else {
            throw TLSError.fromQueue("read certificate \(path)", fallback: "not a PEM certificate")
        }
        self.init(owning: x509)
    }

    /// The certificate in PEM.
    public func pem() throws -> String {
        try readMemoryBIO("write certificate") { PEM_write_bio_X509($0, handle) }
    }

    /// The subject's common name.
    public var commonName: String? {
        guard let name = X509_get_subject_name(handle) else { return nil }
        return nameEntry(name, NID_commonName)
    }

    /// The serial number in uppercase hex.
    public var serial: String { X509_get0_serialNumber(handle).flatMap(hexSerial) ?? "" }

    /// The syncnode identities (node or source system) among the SAN URIs:
    /// a valid certificate carries exactly one.
    public var syncnodeURIs: [String] { uris.filter { $0.hasPrefix("urn:syncnode:") } }

    /// The URIs among the subject alternative names.
    public var uris: [String] {
        guard let raw = X509_get_ext_d2i(handle, NID_subject_alt_name, nil, nil) else { return [] }
        let names = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(names) }
        var result: [String] = []
        for i in 0..<shim_sk_GENERAL_NAME_num(names) {
            guard let name = shim_sk_GENERAL_NAME_value(names, i), name.pointee.type == shim_GEN_URI(),
                  let bytes = shim_GENERAL_NAME_uri(name) else { continue }
            let length = Int(shim_GENERAL_NAME_uri_length(name))
            result.append(String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self))
        }
        return result
    }

    /// The node identity in the SAN URI, if the certificate carries exactly one syncnode URI and it names a node.
    public var nodeIdentity: NodeIdentity? {
        let found = syncnodeURIs
        return found.count == 1 ? NodeIdentity(uri: found[0]) : nil
    }

    /// The source-system identity in the SAN URI, if the certificate carries exactly one syncnode URI and it names a system.
    public var systemIdentity: SystemIdentity? {
        let found = syncnodeURIs
        return found.count == 1 ? SystemIdentity(uri: found[0]) : nil
    }

    /// When the certificate stops being valid.
    public var notAfter: Date { asn1Date(X509_get0_notAfter(handle)) }
    /// When the certificate starts being valid.
    public var notBefore: Date { asn1Date(X509_get0_notBefore(handle)) }

    /// The SHA-256 fingerprint of the certificate (DER), in hex.
    public var fingerprint: String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard X509_digest(handle, EVP_sha256(), &digest, &length) == 1 else { return "" }
        return hexString(digest.prefix(Int(length)))
    }

    /// Whether `self` was signed by `issuer`'s key.
    public func isSigned(by issuer: Certificate) -> Bool {
        guard let key = X509_get0_pubkey(issuer.handle) else { return false }
        return X509_verify(handle, key) == 1
    }
}

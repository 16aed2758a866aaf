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
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index),
              let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var out: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&out, data)
        guard length >= 0, let out else { return nil }
        defer { CRYPTO_free(out, #fileID, #line) }
        return String(decoding: UnsafeBufferPointer(start: out, count: Int(length)), as: UTF8.self)
    }

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

    /// The node identity in the SAN URI, if the certificate carries one.
    public var nodeIdentity: NodeIdentity? {
        uris.lazy.compactMap(NodeIdentity.init(uri:)).first
    }

    /// The source-system identity in the SAN URI, if the certificate carries one.
    public var systemIdentity: SystemIdentity? {
        uris.lazy.compactMap(SystemIdentity.init(uri:)).first
    }

    /// When the certificate stops being valid.
    public var notAfter: Date { date(X509_get0_notAfter(handle)) }
    /// When the certificate starts being valid.
    public var notBefore: Date { date(X509_get0_notBefore(handle)) }

    private func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var tm = tm()
        guard let time, ASN1_TIME_to_tm(time, &tm) == 1 else { return .distantPast }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }

    /// Whether `self` was signed by `issuer`'s key.
    public func isSigned(by issuer: Certificate) -> Bool {
        guard let key = X509_get0_pubkey(issuer.handle) else { return false }
        return X509_verify(handle, key) == 1
    }
}

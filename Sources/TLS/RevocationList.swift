import COpenSSL
import Foundation

/// A certificate revocation list signed by the federation CA. Owns its `X509_CRL*`.
public final class RevocationList: @unchecked Sendable {   // an X509_CRL is only read once made or parsed
    let handle: OpaquePointer

    init(owning handle: OpaquePointer) { self.handle = handle }

    deinit { X509_CRL_free(handle) }

    /// Reads a PEM CRL.
    public convenience init(pem: String) throws {
        guard let crl = withMemoryBIO(Data(pem.utf8), { PEM_read_bio_X509_CRL($0, nil, nil, nil) }) else {
            throw TLSError.fromQueue("read revocation list", fallback: "not a PEM revocation list")
        }
        self.init(owning: crl)
    }

    /// The CRL in PEM.
    public func pem() throws -> String {
        try readMemoryBIO("write revocation list") { PEM_write_bio_X509_CRL($0, handle) }
    }

    /// Whether `ca`'s key signed it.
    public func isSigned(by ca: Certificate) -> Bool {
        guard let key = X509_get0_pubkey(ca.handle) else { return false }
        return X509_CRL_verify(handle, key) == 1
    }

    /// Its CRL number: each new list the CA signs has a larger one (0 when absent).
    public var number: Int64 {
        guard let raw = X509_CRL_get_ext_d2i(handle, NID_crl_number, nil, nil) else { return 0 }
        let integer = raw.assumingMemoryBound(to: ASN1_INTEGER.self)
        defer { ASN1_INTEGER_free(integer) }
        return Int64(ASN1_INTEGER_get(integer))
    }

    /// The serial numbers it revokes, in uppercase hex.
    public var revokedSerials: Set<String> {
        guard let list = X509_CRL_get_REVOKED(handle) else { return [] }
        var serials: Set<String> = []
        for i in 0..<shim_sk_X509_REVOKED_num(list) {
            guard let revoked = shim_sk_X509_REVOKED_value(list, i), let serial = X509_REVOKED_get0_serialNumber(revoked) else { continue }
            if let hex = hexSerial(serial) { serials.insert(hex) }
        }
        return serials
    }

    /// Adds the list to a trust store and turns revocation checking on there.
    package func addTo(store: OpaquePointer) {
        X509_STORE_add_crl(store, handle)
        X509_STORE_set_flags(store, shim_X509_V_FLAG_CRL_CHECK())
    }

    /// When it was issued.
    public var lastUpdate: Date { asn1Date(X509_CRL_get0_lastUpdate(handle)) }
}

/// An ASN.1 integer as uppercase hex (how serials are compared and shown).
func hexSerial(_ integer: UnsafePointer<ASN1_INTEGER>) -> String? {
    guard let bn = ASN1_INTEGER_to_BN(integer, nil) else { return nil }
    defer { BN_free(bn) }
    guard let text = BN_bn2hex(bn) else { return nil }
    defer { CRYPTO_free(text, #fileID, #line) }
    return String(cString: text)
}

/// An ASN.1 time as a date.
func asn1Date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
    var tm = tm()
    guard let time, ASN1_TIME_to_tm(time, &tm) == 1 else { return .distantPast }
    return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
}

import COpenSSL
import Foundation
import Glibc

/// Makes a federation CA and issues node certificates signed by it.
public enum CertificateAuthority {
    /// Creates a self-signed CA certificate and its key.
    /// - Parameters:
    ///   - name: the CA's common name, e.g. "gd-demo federation CA".
    ///   - validDays: how long the CA is valid.
    public static func create(name: String, validDays: Int) throws -> (Certificate, PrivateKey) {
        let key = try PrivateKey.generateP256()
        let cert = try build(subject: name, organization: name, key: key, issuer: nil, issuerKey: key,
                             validDays: validDays, backdateDays: 0, extensions: [
                                (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
                                (NID_key_usage, "critical,keyCertSign,cRLSign"),
                                (NID_subject_key_identifier, "hash"),
                             ])
        return (cert, key)
    }

    /// Issues a node certificate: the node id as common name and as the SAN URI
    /// `urn:syncnode:FEDERATION:NODE`, SANs for the hosts it is reached by,
    /// usable for both TLS server and client authentication.
    /// - Parameters:
    ///   - backdateDays: starts validity this many days in the past (tests use
    ///     it with a short `validDays` to make expired certificates).
    public static func issue(identity: NodeIdentity, hosts: [String], ca: Certificate, caKey: PrivateKey,
                             validDays: Int, backdateDays: Int = 0) throws -> (Certificate, PrivateKey) {
        try issue(uri: identity.uri, commonName: identity.node, organization: identity.federation, hosts: hosts,
                  ca: ca, caKey: caKey, validDays: validDays, backdateDays: backdateDays)
    }

    /// Issues a client certificate for a source system that loads data into one node.
    public static func issue(system: SystemIdentity, ca: Certificate, caKey: PrivateKey, validDays: Int) throws -> (Certificate, PrivateKey) {
        try issue(uri: system.uri, commonName: "\(system.node)/\(system.system)", organization: system.federation, hosts: [],
                  ca: ca, caKey: caKey, validDays: validDays, backdateDays: 0)
    }

    private static func issue(uri: String, commonName: String, organization: String, hosts: [String], ca: Certificate,
                              caKey: PrivateKey, validDays: Int, backdateDays: Int) throws -> (Certificate, PrivateKey) {
        let key = try PrivateKey.generateP256()
        var san = ["URI:\(uri)"]
        for host in hosts where !host.isEmpty {
            san.append(isIPAddress(host) ? "IP:\(host)" : "DNS:\(host)")
        }
        let cert = try build(subject: commonName, organization: organization, key: key, issuer: ca,
                             issuerKey: caKey, validDays: validDays, backdateDays: backdateDays, extensions: [
                                (NID_basic_constraints, "critical,CA:FALSE"),
                                (NID_key_usage, "critical,digitalSignature,keyAgreement"),
                                (NID_ext_key_usage, "serverAuth,clientAuth"),
                                (NID_subject_alt_name, san.joined(separator: ",")),
                                (NID_subject_key_identifier, "hash"),
                                (NID_authority_key_identifier, "keyid:always"),
                             ])
        return (cert, key)
    }

    private static func build(subject: String, organization: String, key: PrivateKey, issuer: Certificate?,
                              issuerKey: PrivateKey, validDays: Int, backdateDays: Int,
                              extensions: [(Int32, String)]) throws -> Certificate {
        guard let x509 = X509_new() else { throw TLSError.fromQueue("create certificate") }
        let cert = Certificate(owning: x509)
        X509_set_version(x509, 2)
        try setRandomSerial(x509)
        let start = -backdateDays * 86_400
        X509_gmtime_adj(X509_getm_notBefore(x509), start)
        X509_gmtime_adj(X509_getm_notAfter(x509), start + validDays * 86_400)
        guard X509_set_pubkey(x509, key.handle) == 1 else { throw TLSError.fromQueue("set public key") }
        let name = X509_get_subject_name(x509)
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, organization, -1, -1, 0)
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, subject, -1, -1, 0)
        let issuerHandle = issuer?.handle ?? x509
        X509_set_issuer_name(x509, X509_get_subject_name(issuerHandle))
        var ctx = X509V3_CTX()
        shim_X509V3_set_ctx_nodb(&ctx)
        X509V3_set_ctx(&ctx, issuerHandle, x509, nil, nil, 0)
        for (nid, value) in extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &ctx, nid, value) else {
                throw TLSError.fromQueue("add certificate extension \(value)")
            }
            defer { X509_EXTENSION_free(ext) }
            X509_add_ext(x509, ext, -1)
        }
        guard X509_sign(x509, issuerKey.handle, EVP_sha256()) > 0 else {
            throw TLSError.fromQueue("sign certificate for \(subject)")
        }
        return cert
    }

    private static func setRandomSerial(_ x509: OpaquePointer) throws {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else { throw TLSError.fromQueue("random serial") }
        bytes[0] &= 0x7f
        guard let bn = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw TLSError.fromQueue("serial number") }
        defer { BN_free(bn) }
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509))
    }

    private static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

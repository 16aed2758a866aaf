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
        let cert = try build(subject: name, organization: name, publicKey: key.handle, issuer: nil, issuerKey: key,
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
        let key = try PrivateKey.generateP256()
        let cert = try sign(publicKey: key.handle, identity: .node(identity), hosts: hosts, ca: ca, caKey: caKey,
                            validDays: validDays, backdateDays: backdateDays)
        return (cert, key)
    }

    /// Issues a client certificate for a source system that loads data into one node.
    public static func issue(system: SystemIdentity, ca: Certificate, caKey: PrivateKey, validDays: Int) throws -> (Certificate, PrivateKey) {
        let key = try PrivateKey.generateP256()
        return (try sign(publicKey: key.handle, identity: .system(system), hosts: [], ca: ca, caKey: caKey, validDays: validDays, backdateDays: 0), key)
    }

    /// Who a certificate speaks for: a node, or a source system of one node.
    public enum Identity: Sendable {
        case node(NodeIdentity)
        case system(SystemIdentity)
    }

    /// Signs a certificate for the key in `request` (its key stays with the requester), with the
    /// identity and hosts the CA decides; whatever else the request asked for is ignored.
    public static func sign(_ request: CertificateRequest, identity: Identity, hosts: [String], ca: Certificate, caKey: PrivateKey,
                            validDays: Int) throws -> Certificate {
        guard let key = request.publicKey else { throw TLSError.fromQueue("read the request's key") }
        defer { EVP_PKEY_free(key) }
        return try sign(publicKey: key, identity: identity, hosts: hosts, ca: ca, caKey: caKey, validDays: validDays, backdateDays: 0)
    }

    private static func sign(publicKey: OpaquePointer, identity: Identity, hosts: [String], ca: Certificate,
                             caKey: PrivateKey, validDays: Int, backdateDays: Int) throws -> Certificate {
        let uri: String, commonName: String, organization: String
        switch identity {
        case .node(let node): (uri, commonName, organization) = (node.uri, node.node, node.federation)
        case .system(let system): (uri, commonName, organization) = (system.uri, "\(system.node)/\(system.system)", system.federation)
        }
        // Names are checked so that no text can add a second identity to the SAN list.
        for part in uri.split(separator: ":") where !part.utf8.allSatisfy(isIdentifierByte) {
            throw TLSError("issue a certificate for \(uri.prefix(80))", reason: "'\(part.prefix(40))' may hold only letters, digits and '-'")
        }
        var san = ["URI:\(uri)"]
        for host in hosts where !host.isEmpty {
            guard host.utf8.allSatisfy({ isIdentifierByte($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") }) else {
                throw TLSError("issue a certificate for \(uri.prefix(80))", reason: "host '\(host.prefix(60))' is not a DNS name or an IP address")
            }
            san.append(isIPAddress(host) ? "IP:\(host)" : "DNS:\(host)")
        }
        return try build(subject: commonName, organization: organization, publicKey: publicKey, issuer: ca,
                         issuerKey: caKey, validDays: validDays, backdateDays: backdateDays, extensions: [
                                (NID_basic_constraints, "critical,CA:FALSE"),
                                (NID_key_usage, "critical,digitalSignature,keyAgreement"),
                                (NID_ext_key_usage, "serverAuth,clientAuth"),
                                (NID_subject_alt_name, san.joined(separator: ",")),
                                (NID_subject_key_identifier, "hash"),
                                (NID_authority_key_identifier, "keyid:always"),
                             ])
    }

    /// A revocation list signed by the CA, revoking `serials` (uppercase hex), numbered `number`.
    public static func revocationList(serials: [String], number: Int64, ca: Certificate, caKey: PrivateKey, validDays: Int) throws -> RevocationList {
        guard let crl = X509_CRL_new() else { throw TLSError.fromQueue("create revocation list") }
        let list = RevocationList(owning: crl)
        X509_CRL_set_version(crl, 1)
        X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca.handle))
        let now = ASN1_TIME_new(), next = ASN1_TIME_new()
        defer { ASN1_TIME_free(now); ASN1_TIME_free(next) }
        X509_gmtime_adj(now, 0)
        X509_gmtime_adj(next, validDays * 86_400)
        X509_CRL_set1_lastUpdate(crl, now)
        X509_CRL_set1_nextUpdate(crl, next)
        for serial in serials {
            guard let revoked = X509_REVOKED_new() else { throw TLSError.fromQueue("add a revoked certificate") }
            var bn: OpaquePointer?
            guard BN_hex2bn(&bn, serial) > 0, let bn else { X509_REVOKED_free(revoked); throw TLSError("revoke \(serial)", reason: "not a hex serial number") }
            let integer = BN_to_ASN1_INTEGER(bn, nil)
            BN_free(bn)
            X509_REVOKED_set_serialNumber(revoked, integer)
            ASN1_INTEGER_free(integer)
            X509_REVOKED_set_revocationDate(revoked, now)
            X509_CRL_add0_revoked(crl, revoked)
        }
        X509_CRL_sort(crl)
        let crlNumber = ASN1_INTEGER_new()
        defer { ASN1_INTEGER_free(crlNumber) }
        ASN1_INTEGER_set(crlNumber, Int(number))
        X509_CRL_add1_ext_i2d(crl, NID_crl_number, crlNumber, 0, 0)
        guard X509_CRL_sign(crl, caKey.handle, EVP_sha256()) > 0 else { throw TLSError.fromQueue("sign revocation list") }
        return list
    }

    private static func isIdentifierByte(_ b: UInt8) -> Bool {
        (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || b == 45
    }

    private static func build(subject: String, organization: String, publicKey: OpaquePointer, issuer: Certificate?,
                              issuerKey: PrivateKey, validDays: Int, backdateDays: Int,
                              extensions: [(Int32, String)]) throws -> Certificate {
        guard let x509 = X509_new() else { throw TLSError.fromQueue("create certificate") }
        let cert = Certificate(owning: x509)
        X509_set_version(x509, 2)
        try setRandomSerial(x509)
        let start = -backdateDays * 86_400
        X509_gmtime_adj(X509_getm_notBefore(x509), start)
        X509_gmtime_adj(X509_getm_notAfter(x509), start + validDays * 86_400)
        guard X509_set_pubkey(x509, publicKey) == 1 else { throw TLSError.fromQueue("set public key") }
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

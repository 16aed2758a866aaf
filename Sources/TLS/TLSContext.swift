import COpenSSL

/// A server-side TLS configuration for the federation port: the node's
/// certificate and key, the federation CA (and its revocation list, when
/// there is one), TLS 1.2 minimum, modern ciphers only, a client certificate
/// required and verified against the CA, carrying exactly one syncnode
/// identity, and no session resumption (every connection is verified in full).
///
/// After set-up an `SSL_CTX` is safe to share between threads; to pick up a
/// renewed certificate or a new revocation list, build a new context.
public final class TLSContext: @unchecked Sendable {   // an SSL_CTX is only read once set up; OpenSSL allows sharing it
    let handle: OpaquePointer

    /// Builds the server context.
    /// - Parameters:
    ///   - certificateFile: the node's certificate (PEM).
    ///   - keyFile: the node's private key (PEM).
    ///   - caFile: the federation CA certificate (PEM); clients must chain to it.
    /// The certificate the context presents.
    public let certificate: Certificate

    public init(certificateFile: String, keyFile: String, caFile: String, revocationList: RevocationList? = nil) throws {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else {
            throw TLSError.fromQueue("create TLS context")
        }
        handle = ctx
        guard shim_SSL_CTX_set_min_proto_version(ctx, shim_TLS1_2_VERSION()) == 1 else {
            throw TLSError.fromQueue("set TLS 1.2 minimum")
        }
        _ = shim_SSL_CTX_set_options(ctx, shim_SSL_OP_NO_COMPRESSION() | shim_SSL_OP_NO_RENEGOTIATION())
        // TLS 1.2: forward-secret AEAD suites only. TLS 1.3 suites are all modern.
        guard SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") == 1 else {
            throw TLSError.fromQueue("set cipher list")
        }
        guard SSL_CTX_use_certificate_chain_file(ctx, certificateFile) == 1 else {
            throw TLSError.fromQueue("load certificate \(certificateFile)")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, keyFile, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError.fromQueue("load private key \(keyFile)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw TLSError.fromQueue("check private key \(keyFile)", fallback: "the key does not match the certificate")
        }
        guard let own = SSL_CTX_get0_certificate(ctx) else { throw TLSError.fromQueue("read certificate \(certificateFile)") }
        certificate = Certificate(retaining: own)
        guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
            throw TLSError.fromQueue("load CA certificate \(caFile)")
        }
        if let names = shim_SSL_load_client_CA_file(caFile) {
            shim_SSL_CTX_set_client_CA_list(ctx, names)
        }
        if let revocationList {
            guard let store = SSL_CTX_get_cert_store(ctx), X509_STORE_add_crl(store, revocationList.handle) == 1 else {
                throw TLSError.fromQueue("load the revocation list")
            }
            X509_STORE_set_flags(store, shim_X509_V_FLAG_CRL_CHECK())
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, oneIdentity)
        // Every connection is verified in full: a resumed session would skip expiry and revocation.
        _ = shim_SSL_CTX_disable_resumption(ctx)
        let context: [UInt8] = Array("syncnode".utf8)
        _ = SSL_CTX_set_session_id_context(ctx, context, UInt32(context.count))
    }

    deinit { SSL_CTX_free(handle) }
}

/// Refuses a peer certificate that carries more than one syncnode identity
/// (a node and another node, say): it could speak for either.
private let oneIdentity: @convention(c) (Int32, OpaquePointer?) -> Int32 = { preverifyOK, store in
    guard preverifyOK == 1, let store else { return preverifyOK }
    guard X509_STORE_CTX_get_error_depth(store) == 0, let x509 = X509_STORE_CTX_get_current_cert(store) else { return preverifyOK }
    if Certificate(retaining: x509).syncnodeURIs.count > 1 {
        X509_STORE_CTX_set_error(store, shim_X509_V_ERR_APPLICATION_VERIFICATION())
        return 0
    }
    return 1
}

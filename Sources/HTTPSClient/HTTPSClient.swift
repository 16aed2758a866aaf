import CCurl
import COpenSSL
import Foundation
import TLS

/// What a client needs to reach a federation peer over mutual TLS.
public struct HTTPSClientConfiguration: Sendable {
    /// This node's certificate, presented to the server (nil presents none).
    public var certificateFile: String?
    /// This node's private key.
    public var keyFile: String?
    /// The federation CA: the server must chain to it.
    public var caFile: String
    /// The node the server must prove to be (its certificate's SAN URI).
    public var expectedPeer: NodeIdentity?
    /// The federation's revocation list (PEM), checked against the server's certificate when set.
    public var revocationListFile: String?
    /// Seconds allowed to connect (TCP and TLS).
    public var connectTimeout: Double = 5
    /// Seconds allowed for a whole request unless a call says otherwise.
    public var requestTimeout: Double = 30

    public init(certificateFile: String?, keyFile: String?, caFile: String, expectedPeer: NodeIdentity?) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.caFile = caFile
        self.expectedPeer = expectedPeer
    }
}

/// A response from a peer.
public struct HTTPSResponse: Sendable {
    /// The HTTP status code.
    public let status: Int
    /// The body.
    public let body: Data
}

/// A transfer that failed before a response arrived.
public struct HTTPSClientError: Error, CustomStringConvertible, Sendable {
    /// The URL that was asked.
    public let url: String
    /// libcurl's result code.
    public let code: Int
    /// What went wrong.
    public let message: String

    public var description: String { "request to \(url) failed: \(message)" }
}

/// Holds what the C callbacks need for one client; passed to them unretained.
final class TransferState {
    let expectedPeer: NodeIdentity?
    let caFile: String
    let revocationListFile: String?
    var body = Data()
    var identityProblem: String?
    var peerNotAfter: Date?
    /// Most bytes an answer may have; the transfer fails past it.
    var maxBody = 256 * 1024 * 1024

    init(expectedPeer: NodeIdentity?, caFile: String, revocationListFile: String?) {
        self.expectedPeer = expectedPeer
        self.caFile = caFile
        self.revocationListFile = revocationListFile
    }
}

private let curlGlobalInit: Void = {
    curl_global_init(Int(CURL_GLOBAL_DEFAULT))
}()

/// An HTTPS client for one peer over libcurl: presents the node's certificate,
/// verifies the server against the federation CA only (never the system's
/// trust store), its revocation list, its host name and its node identity, and
/// keeps the connection alive between requests.
///
/// Owns one `CURL*` easy handle: use it from one thread at a time.
public final class HTTPSClient {
    private var handle: UnsafeMutableRawPointer
    private let baseURL: String
    private let configuration: HTTPSClientConfiguration
    private let state: TransferState
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    /// - Parameter baseURL: the peer's URL from the topology, e.g. "https://127.0.0.1:7411".
    public init(baseURL: String, configuration: HTTPSClientConfiguration) {
        _ = curlGlobalInit
        handle = curl_easy_init()
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.configuration = configuration
        state = TransferState(expectedPeer: configuration.expectedPeer, caFile: configuration.caFile,
                              revocationListFile: configuration.revocationListFile)
    }

    /// Closes the kept-alive connection: the next request connects and verifies afresh
    /// (after a certificate was renewed or a revocation list arrived).
    public func closeConnections() {
        curl_easy_cleanup(handle)
        handle = curl_easy_init()
    }

    /// The expiry of the server certificate seen on the last new connection.
    public var peerCertificateNotAfter: Date? { state.peerNotAfter }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends one request and waits for the whole response.
    /// - Parameters:
    ///   - method: "GET" or "POST".
    ///   - path: the path and query, e.g. "/v1/health".
    ///   - body: the request body for POST.
    ///   - timeout: seconds for this request (long-polls pass more than the default).
    public func send(method: String, path: String, body: Data? = nil,
                     contentType: String = "application/json", timeout: Double? = nil) throws -> HTTPSResponse {
        let url = baseURL + path
        curl_easy_reset(handle)
        state.body = Data()
        state.identityProblem = nil
        let selfState = Unmanaged.passUnretained(state).toOpaque()

        shim_curl_setopt_ptr(handle, CURLOPT_URL, url)
        shim_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        shim_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        shim_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        shim_curl_setopt_long(handle, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        shim_curl_setopt_ptr(handle, CURLOPT_CAINFO, configuration.caFile)
        shim_curl_setopt_ptr(handle, CURLOPT_CAPATH, nil)   // the federation CA only, never the system's bundle
        if let certificate = configuration.certificateFile, let key = configuration.keyFile {
            shim_curl_setopt_ptr(handle, CURLOPT_SSLCERT, certificate)
            shim_curl_setopt_ptr(handle, CURLOPT_SSLKEY, key)
        }
        shim_curl_setopt_ssl_ctx(handle, sslContextCallback)
        shim_curl_setopt_ptr(handle, CURLOPT_SSL_CTX_DATA, selfState)
        shim_curl_setopt_write(handle, CURLOPT_WRITEFUNCTION, writeCallback)
        shim_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, selfState)
        shim_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000))
        shim_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int((timeout ?? configuration.requestTimeout) * 1000))
        errorBuffer[0] = 0
        shim_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer)

        var headers: UnsafeMutablePointer<curl_slist>?
        headers = curl_slist_append(headers, "Content-Type: \(contentType)")
        headers = curl_slist_append(headers, "Expect:")
        defer { curl_slist_free_all(headers) }
        shim_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, headers)

        let payload = body ?? Data()
        let rc: CURLcode = payload.withUnsafeBytes { raw in
            if method == "POST" {
                shim_curl_setopt_long(handle, CURLOPT_POST, 1)
                shim_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(raw.count))
                shim_curl_setopt_ptr(handle, CURLOPT_POSTFIELDS, raw.count > 0 ? raw.baseAddress : UnsafeRawPointer(bitPattern: 1))
            } else if method != "GET" {
                shim_curl_setopt_ptr(handle, CURLOPT_CUSTOMREQUEST, method)
            }
            // The body stays alive until perform returns: CURLOPT_POSTFIELDS does not copy it.
            return curl_easy_perform(handle)
        }
        guard rc == CURLE_OK else {
            var message = String(cString: errorBuffer)
            if message.isEmpty { message = String(cString: curl_easy_strerror(rc)) }
            if let problem = state.identityProblem { message = problem }
            throw HTTPSClientError(url: url, code: Int(rc.rawValue), message: message)
        }
        var status = 0
        shim_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPSResponse(status: status, body: state.body)
    }
}

private let writeCallback: shim_curl_write_cb = { data, size, count, userdata in
    guard let data, let userdata else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    guard state.body.count + size * count <= state.maxBody else { return 0 }   // an answer without end: abort
    state.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count)
    return size * count
}

/// Called by libcurl for each new connection's `SSL_CTX`: replaces its trust
/// store with one holding the federation CA alone (and its revocation list),
/// and installs a verify callback that also checks the server's node identity.
private let sslContextCallback: shim_curl_ssl_ctx_cb = { _, sslContext, userdata in
    guard let sslContext, let userdata else { return CURLE_SSL_CERTPROBLEM }
    let ctx = OpaquePointer(sslContext)
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    guard let store = X509_STORE_new() else { return CURLE_SSL_CACERT_BADFILE }
    guard X509_STORE_load_file(store, state.caFile) == 1 else {
        X509_STORE_free(store)
        return CURLE_SSL_CACERT_BADFILE
    }
    if let crlFile = state.revocationListFile, let pem = FileManager.default.contents(atPath: crlFile),
       let crl = try? RevocationList(pem: String(decoding: pem, as: UTF8.self)) {
        crl.addTo(store: store)
    }
    SSL_CTX_set_cert_store(ctx, store)
    _ = shim_SSL_CTX_set_app_data(ctx, userdata)
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verifyCallback)
    return CURLE_OK
}

private let verifyCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { preverifyOK, store in
    guard preverifyOK == 1, let store else { return preverifyOK }
    guard X509_STORE_CTX_get_error_depth(store) == 0 else { return 1 }
    guard let rawSSL = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
          let ctx = SSL_get_SSL_CTX(OpaquePointer(rawSSL)),
          let rawState = shim_SSL_CTX_get_app_data(ctx) else { return 1 }
    let state = Unmanaged<TransferState>.fromOpaque(rawState).takeUnretainedValue()
    guard let expected = state.expectedPeer else { return 1 }
    guard let x509 = X509_STORE_CTX_get_current_cert(store) else { return 0 }
    let certificate = Certificate(retaining: x509)
    state.peerNotAfter = certificate.notAfter
    guard certificate.syncnodeURIs.count == 1 else {
        state.identityProblem = "the server's certificate carries \(certificate.syncnodeURIs.count) syncnode identities; exactly one is allowed"
        X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION)
        return 0
    }
    let actual = certificate.nodeIdentity
    if actual == expected { return 1 }
    state.identityProblem = "the server's certificate names \(actual.map(\.description) ?? "no syncnode node") "
        + "but \(expected) was expected; check the topology URL or reissue its certificate"
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION)
    return 0
}

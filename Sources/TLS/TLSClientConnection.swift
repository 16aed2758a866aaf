import COpenSSL
import Foundation
import Glibc
public import Posix

/// A client-side TLS connection that sends exactly the bytes its user
/// chooses: for tools and tests that play a peer (a well-behaved one or a
/// hostile one). The server is verified against `caFile`. Owns its `SSL_CTX`
/// and `SSL`. Used by one thread at a time.
public final class TLSClientConnection {
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    /// The underlying socket.
    public let socket: TCPSocket

    /// Connects and runs the handshake, presenting `certificateFile`/`keyFile` when given.
    public init(host: String, port: Int, certificateFile: String?, keyFile: String?, caFile: String,
                from source: String? = nil, timeout: Double = 5) throws {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { throw TLSError.fromQueue("create TLS client context") }
        context = ctx
        // The context is complete before the connection is made from it (SSL_new copies it).
        if let certificateFile, let keyFile {
            guard SSL_CTX_use_certificate_chain_file(ctx, certificateFile) == 1,
                  SSL_CTX_use_PrivateKey_file(ctx, keyFile, SSL_FILETYPE_PEM) == 1 else {
                SSL_CTX_free(ctx)
                throw TLSError.fromQueue("load client certificate \(certificateFile)")
            }
        }
        guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
            SSL_CTX_free(ctx)
            throw TLSError.fromQueue("load CA \(caFile)")
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        guard let ssl = SSL_new(ctx) else {
            SSL_CTX_free(ctx)
            throw TLSError.fromQueue("create TLS client connection")
        }
        self.ssl = ssl
        do {
            socket = try TCPSocket.connect(to: host, port: port, from: source, timeout: timeout)
        } catch {
            SSL_free(ssl)
            SSL_CTX_free(ctx)
            throw error
        }
        SSL_set_fd(ssl, socket.fd)
        ERR_clear_error()
        guard SSL_connect(ssl) == 1 else { throw TLSError.fromQueue("TLS handshake with \(host):\(port)", fallback: "the server closed the connection") }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// Writes all of `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let n = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress! + offset, Int32(bytes.count - offset)) }
            guard n > 0 else { throw TLSError.fromQueue("write", fallback: "the connection is closed") }
            offset += Int(n)
        }
    }

    /// Reads until the server closes or `timeout` seconds pass; returns what came.
    public func readAll(timeout: Double = 5) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if SSL_pending(ssl) == 0 && !socket.waitReadable(milliseconds: 100) { continue }
            ERR_clear_error()
            let n = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if n <= 0 { break }
            result.append(contentsOf: buffer[0..<Int(n)])
        }
        return result
    }

    public func close() {
        SSL_shutdown(ssl)
        socket.close()
    }
}

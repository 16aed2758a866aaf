import COpenSSL
import Glibc
public import Posix

/// One server-side TLS connection over an accepted socket. Owns its `SSL*`.
/// Used by one thread at a time.
public final class TLSConnection: @unchecked Sendable {   // one connection thread uses it at a time
    let ssl: OpaquePointer
    /// The underlying socket.
    public let socket: TCPSocket

    /// Wraps `socket`; call `handshake()` next.
    public init(context: TLSContext, socket: TCPSocket) throws {
        guard let ssl = SSL_new(context.handle) else {
            throw TLSError.fromQueue("create TLS connection")
        }
        self.ssl = ssl
        self.socket = socket
        SSL_set_fd(ssl, socket.fd)
    }

    deinit { SSL_free(ssl) }

    /// Runs the server handshake. A failure names the reason in the terms an
    /// operator can act on: no client certificate, an unknown CA, an expired one.
    public func handshake() throws {
        ERR_clear_error()
        let rc = SSL_accept(ssl)
        if rc == 1 { return }
        let savedErrno = errno
        let verify = SSL_get_verify_result(ssl)
        var reason: String
        if verify == Int(shim_X509_V_ERR_APPLICATION_VERIFICATION()) {
            reason = "the certificate carries more than one syncnode identity"
        } else if verify != X509_V_OK {
            reason = String(cString: X509_verify_cert_error_string(verify))
        } else if let queued = drainErrorQueue() {
            reason = queued
        } else if savedErrno == EAGAIN || savedErrno == EWOULDBLOCK {
            reason = "timed out waiting for the client"
        } else if savedErrno != 0 {
            reason = "connection closed by the client (\(String(cString: strerror(savedErrno))))"
        } else {
            reason = "connection closed by the client"
        }
        ERR_clear_error()
        throw TLSError("TLS handshake with \(socket.peer)", reason: reason)
    }

    /// The protocol negotiated, e.g. "TLSv1.3".
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    /// The verified client certificate (the handshake verified it against the CA).
    public func peerCertificate() -> Certificate? {
        guard let x509 = SSL_get1_peer_certificate(ssl) else { return nil }
        return Certificate(owning: x509)
    }

    /// Reads decrypted bytes into `buffer` (up to its capacity). Returns 0
    /// when the peer closed the connection; throws on timeout or error.
    public func read(into buffer: inout [UInt8], count: Int) throws -> Int {
        ERR_clear_error()
        let n = buffer.withUnsafeMutableBytes { raw in
            SSL_read(ssl, raw.baseAddress, Int32(min(count, raw.count)))
        }
        if n > 0 { return Int(n) }
        let savedErrno = errno
        let code = SSL_get_error(ssl, n)
        switch code {
        case SSL_ERROR_ZERO_RETURN:
            return 0
        case SSL_ERROR_SYSCALL:
            if savedErrno == EAGAIN || savedErrno == EWOULDBLOCK {
                throw TLSError("read from \(socket.peer)", reason: "timed out")
            }
            if let queued = drainErrorQueue() { throw TLSError("read from \(socket.peer)", reason: queued) }
            return 0
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            throw TLSError("read from \(socket.peer)", reason: "timed out")
        default:
            throw TLSError.fromQueue("read from \(socket.peer)", fallback: "TLS error \(code)")
        }
    }

    /// Waits up to `milliseconds` for bytes to read (already decrypted or on the
    /// socket). Returns false on timeout.
    public func waitReadable(milliseconds: Int32) -> Bool {
        if SSL_pending(ssl) > 0 { return true }
        return socket.waitReadable(milliseconds: milliseconds)
    }

    /// Waits up to `milliseconds` for bytes to read; false on timeout or when `bell` rings first.
    public func waitReadable(milliseconds: Int32, unless bell: Bell) -> Bool {
        if SSL_pending(ssl) > 0 { return true }
        return socket.waitReadable(milliseconds: milliseconds, unless: bell)
    }

    /// Writes all of `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let n = bytes.withUnsafeBytes { raw in
                SSL_write(ssl, raw.baseAddress! + offset, Int32(min(bytes.count - offset, 1 << 30)))
            }
            if n <= 0 {
                let savedErrno = errno
                let code = SSL_get_error(ssl, n)
                if code == SSL_ERROR_SYSCALL, savedErrno != 0 {
                    throw TLSError("write to \(socket.peer)", reason: String(cString: strerror(savedErrno)))
                }
                throw TLSError.fromQueue("write to \(socket.peer)", fallback: "TLS error \(code)")
            }
            offset += Int(n)
        }
    }

    /// Cuts the connection from another thread: its blocked reads and writes fail at once.
    public func cut() { socket.shutdown() }

    /// Sends close_notify (best effort) and closes the socket.
    public func close() {
        ERR_clear_error()
        SSL_shutdown(ssl)
        ERR_clear_error()
        socket.close()
    }
}

extension TLSConnection: ByteStream {
    public var peerAddress: String { socket.peer }
}

import Glibc

/// A listening TCP socket. Owns its descriptor.
public final class TCPListener: @unchecked Sendable {   // the fd is only closed once, under `closed`'s one writer (stop)
    let fd: Int32
    /// The port actually bound (useful when asked for port 0).
    public let port: Int
    private var closed = false

    /// Binds and listens on `host:port`.
    public init(host: String, port: Int, backlog: Int32 = 512) throws(PosixError) {
        let first = try resolve(host: host, port: port, passive: true)
        defer { freeaddrinfo(first) }
        let fd = try syscall("socket") { socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        do {
            try syscall("bind \(host):\(port)") { bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) }
            try syscall("listen \(host):\(port)") { listen(fd, backlog) }
        } catch {
            Glibc.close(fd)
            throw error
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let bound = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = bound == 0 ? socketPort(storage) : port
    }

    deinit { close() }

    /// Waits up to `timeoutMilliseconds` for a connection; nil when none came.
    public func accept(timeoutMilliseconds: Int32, unless bell: Bell? = nil) throws(PosixError) -> TCPSocket? {
        guard pollReadable(fd, unless: bell, milliseconds: timeoutMilliseconds) else { return nil }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let client = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd, $0, &length) }
        }
        if client < 0 {
            let code = errno
            if code == EAGAIN || code == EINTR || code == ECONNABORTED { return nil }
            throw PosixError("accept", code: code)
        }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        var one: Int32 = 1
        setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let address = socketAddressText(storage)
        return TCPSocket(fd: client, host: address.host, port: address.port)
    }

    /// Stops listening.
    public func close() {
        if !closed { closed = true; Glibc.close(fd) }
    }
}

/// Whether a TCP port on `host` accepts connections right now.
public func isPortOpen(host: String = "127.0.0.1", port: Int) -> Bool {
    guard let first = try? resolve(host: host, port: port, passive: false) else { return false }
    defer { freeaddrinfo(first) }
    let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { Glibc.close(fd) }
    return connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0
}

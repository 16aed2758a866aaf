import Glibc

/// Calls a socket function, retrying on EINTR, and turns failure into a `TLSError`
/// that carries the call's name and errno captured at the failure site.
@discardableResult
func syscall(_ name: String, _ body: () -> Int32) throws -> Int32 {
    while true {
        let rc = body()
        if rc >= 0 { return rc }
        let code = errno
        if code == EINTR { continue }
        throw TLSError(name, reason: String(cString: strerror(code)))
    }
}

/// A listening TCP socket.
public final class TCPListener: @unchecked Sendable {
    let fd: Int32
    /// The port actually bound (useful when asked for port 0).
    public let port: Int
    private var closed = false

    /// Binds and listens on `host:port`.
    public init(host: String, port: Int, backlog: Int32 = 128) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var info: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &info)
        guard rc == 0, let first = info else {
            throw TLSError("resolve \(host):\(port)", reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(info) }
        let fd = try syscall("socket") { socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0) }
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
    public func accept(timeoutMilliseconds: Int32) throws -> TCPSocket? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = try syscall("poll") { poll(&pfd, 1, timeoutMilliseconds) }
        if ready == 0 { return nil }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let client = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(fd, $0, &length) }
        }
        if client < 0 {
            if errno == EAGAIN || errno == EINTR || errno == ECONNABORTED { return nil }
            throw TLSError("accept", reason: String(cString: strerror(errno)))
        }
        var one: Int32 = 1
        setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return TCPSocket(fd: client, peer: socketAddressText(storage))
    }

    /// Stops listening.
    public func close() {
        if !closed { closed = true; Glibc.close(fd) }
    }
}

/// A connected TCP socket, handed to one connection thread.
public final class TCPSocket: @unchecked Sendable {
    let fd: Int32
    /// The peer's address, "host:port".
    public let peer: String
    private var closed = false

    init(fd: Int32, peer: String) {
        self.fd = fd
        self.peer = peer
    }

    deinit { close() }

    /// Sets the receive and send timeouts: a read or write that waits longer fails.
    public func setTimeout(seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Closes the socket (idempotent).
    public func close() {
        if !closed { closed = true; Glibc.close(fd) }
    }
}

private func socketPort(_ storage: sockaddr_storage) -> Int {
    var copy = storage
    return withUnsafePointer(to: &copy) { ptr in
        if Int32(storage.ss_family) == AF_INET6 {
            return ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
        }
        return ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
    }
}

private func socketAddressText(_ storage: sockaddr_storage) -> String {
    var copy = storage
    var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
    var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
    let length = socklen_t(Int32(storage.ss_family) == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    let rc = withUnsafePointer(to: &copy) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
        }
    }
    guard rc == 0 else { return "unknown" }
    func text(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    return text(host) + ":" + text(service)
}

/// Ignores SIGPIPE for the whole process, so a peer that hangs up mid-write
/// gives an error on that write instead of killing the server.
public func ignoreSIGPIPE() {
    signal(SIGPIPE, SIG_IGN)
}

/// Whether a TCP port on 127.0.0.1 accepts connections right now.
public func isPortOpen(host: String = "127.0.0.1", port: Int) -> Bool {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var info: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, String(port), &hints, &info) == 0, let first = info else { return false }
    defer { freeaddrinfo(info) }
    let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { Glibc.close(fd) }
    return connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0
}

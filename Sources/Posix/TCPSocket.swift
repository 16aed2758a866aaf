import Glibc

/// A connected TCP socket, served by one connection thread. Owns its descriptor.
public final class TCPSocket: @unchecked Sendable {   // used by one thread at a time; `shutdown` from another is safe (a syscall on a live fd)
    /// The descriptor, for the TLS layer above.
    package let fd: Int32
    /// The peer's address, "host:port".
    public let peer: String
    /// The peer's host (IP address), for per-address limits.
    public let peerHost: String
    private var closed = false

    init(fd: Int32, host: String, port: String) {
        self.fd = fd
        self.peerHost = host
        self.peer = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    deinit { close() }

    /// Sets the kernel's receive and send timeouts: one read or write that waits longer fails.
    public func setTimeout(seconds: Double) {
        let clamped = max(0.001, seconds)
        var tv = timeval(tv_sec: Int(clamped), tv_usec: Int((clamped - Double(Int(clamped))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Waits up to `milliseconds` for bytes to read; false on timeout.
    public func waitReadable(milliseconds: Int32) -> Bool { pollReadable(fd, milliseconds: milliseconds) }

    /// Waits up to `milliseconds` for bytes to read; false on timeout or when `bell` rings first.
    public func waitReadable(milliseconds: Int32, unless bell: Bell) -> Bool { pollReadable(fd, unless: bell, milliseconds: milliseconds) }

    /// Waits up to `milliseconds` for room to write; false on timeout.
    public func waitWritable(milliseconds: Int32) -> Bool { pollWritable(fd, milliseconds: milliseconds) }

    /// Ends both directions without closing the descriptor: a thread blocked
    /// on this socket wakes with end-of-file or an error. Safe from any thread.
    public func shutdown() {
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Makes `close` reset the connection (the peer sees ECONNRESET) instead of ending it cleanly.
    public func resetOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// Closes the socket (idempotent).
    public func close() {
        if !closed { closed = true; Glibc.close(fd) }
    }
}

extension TCPSocket: ByteStream {
    public var peerAddress: String { peer }

    public func read(into buffer: inout [UInt8], count: Int) throws -> Int {
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min(count, $0.count), 0) }
            if n >= 0 { return n }
            let code = errno
            if code == EINTR { continue }
            throw PosixError("recv from \(peer)", code: code == EAGAIN || code == EWOULDBLOCK ? ETIMEDOUT : code)
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n >= 0 { offset += n; continue }
            let code = errno
            if code == EINTR { continue }
            throw PosixError("send to \(peer)", code: code == EAGAIN || code == EWOULDBLOCK ? ETIMEDOUT : code)
        }
    }
}

extension TCPSocket {
    /// Connects to `host:port` (from the local address `source` when given:
    /// any of 127.0.0.0/8 on loopback), waiting up to `timeout` seconds.
    public static func connect(to host: String, port: Int, from source: String? = nil, timeout: Double = 5) throws -> TCPSocket {
        let target = try resolve(host: host, port: port, passive: false)
        defer { freeaddrinfo(target) }
        let fd = try syscall("socket") { Glibc.socket(target.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        let connection = TCPSocket(fd: fd, host: host, port: String(port))
        if let source {
            let local = try resolve(host: source, port: 0, passive: true)
            defer { freeaddrinfo(local) }
            try syscall("bind \(source)") { bind(fd, local.pointee.ai_addr, local.pointee.ai_addrlen) }
        }
        connection.setTimeout(seconds: timeout)
        try syscall("connect \(host):\(port)") { Glibc.connect(fd, target.pointee.ai_addr, target.pointee.ai_addrlen) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return connection
    }
}

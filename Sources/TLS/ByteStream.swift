import Glibc

/// A connected byte stream: a TLS connection or a plain TCP socket. What an
/// HTTP connection loop needs, whichever it runs over.
public protocol ByteStream: AnyObject {
    /// Reads up to `count` bytes into `buffer`; 0 when the peer closed.
    func read(into buffer: inout [UInt8], count: Int) throws -> Int
    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) throws
    /// Waits up to `milliseconds` for bytes to read; false on timeout.
    func waitReadable(milliseconds: Int32) -> Bool
    /// The peer's address, "host:port".
    var peerAddress: String { get }
}

extension TLSConnection: ByteStream {
    public var peerAddress: String { socket.peer }
}

extension TCPSocket: ByteStream {
    public var peerAddress: String { peer }

    public func read(into buffer: inout [UInt8], count: Int) throws -> Int {
        let n = try syscall("recv from \(peer)") {
            Int32(buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min(count, $0.count), 0) })
        }
        return Int(n)
    }

    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = try syscall("send to \(peer)") {
                Int32(bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) })
            }
            offset += Int(n)
        }
    }

    public func waitReadable(milliseconds: Int32) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let rc = poll(&pfd, 1, milliseconds)
            if rc < 0 && errno == EINTR { continue }
            return rc != 0
        }
    }
}

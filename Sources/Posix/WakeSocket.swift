import Glibc

/// Wake-ups between processes on one machine: a datagram socket in Linux's
/// abstract namespace (no file to clean up, no path length limit). A process
/// that commits to a node's store pokes it; the node's server, blocked in
/// `wait`, wakes at once instead of polling. A poke carries nothing: anyone may
/// send one, and the worst it can do is make the node look for changes.
public final class WakeReceiver: @unchecked Sendable {   // the fd is used by the one thread that waits; `close` runs after it stopped
    private let fd: Int32
    private var closed = false

    /// Binds the name; fails when another process already listens on it (a second server of the same store).
    public init(name: String) throws(PosixError) {
        let fd = try syscall("socket") { socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var address = WakeReceiver.address(name)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, WakeReceiver.length(name)) }
        }
        guard rc == 0 else {
            let code = errno
            Glibc.close(fd)
            throw PosixError("bind wake socket \(name)", code: code)
        }
        self.fd = fd
    }

    deinit { close() }

    /// Waits up to `milliseconds` for pokes; true when at least one came (all pending ones are drained).
    public func wait(milliseconds: Int32) -> Bool {
        guard pollReadable(fd, milliseconds: milliseconds) else { return false }
        var buffer = [UInt8](repeating: 0, count: 16)
        while recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT)) >= 0 {}
        return true
    }

    public func close() {
        if !closed { closed = true; Glibc.close(fd) }
    }

    /// Sends one poke to `name`; does nothing when nobody listens. Returns whether someone does
    /// (a full queue counts: a listener is there, with pokes still to read).
    @discardableResult
    public static func poke(name: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        var address = address(name)
        var byte: UInt8 = 1
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, &byte, 1, Int32(MSG_NOSIGNAL), $0, length(name)) }
        }
        return sent == 1 || errno == EAGAIN || errno == EWOULDBLOCK
    }

    /// An abstract address: a NUL byte, then the name (at most 100 bytes).
    static func address(_ name: String) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8.prefix(100))
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path[0] = 0
            for (i, byte) in bytes.enumerated() { path[i + 1] = byte }
        }
        return address
    }

    static func length(_ name: String) -> socklen_t {
        socklen_t(MemoryLayout<sa_family_t>.size + 1 + min(100, name.utf8.count))
    }
}

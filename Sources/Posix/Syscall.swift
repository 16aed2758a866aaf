import Glibc

/// A failed system call: which call, on what, and errno's reason, captured
/// where the call failed.
public struct PosixError: Error, CustomStringConvertible, Sendable {
    /// What was being done, e.g. "bind 127.0.0.1:7401".
    public let operation: String
    /// errno at the failure.
    public let code: Int32

    public init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// strerror's text for `code`.
    public var reason: String { String(cString: strerror(code)) }

    /// True for a timeout (EAGAIN / EWOULDBLOCK / ETIMEDOUT).
    public var isTimeout: Bool { code == EAGAIN || code == EWOULDBLOCK || code == ETIMEDOUT }

    public var description: String { "\(operation): \(reason)" }
}

/// Calls a system function, retrying on EINTR, and turns a negative result
/// into a `PosixError` carrying the call's name and errno at the failure site.
@discardableResult
package func syscall(_ name: String, _ body: () -> Int32) throws(PosixError) -> Int32 {
    while true {
        let rc = body()
        if rc >= 0 { return rc }
        let code = errno
        if code == EINTR { continue }
        throw PosixError(name, code: code)
    }
}

/// Waits up to `milliseconds` (negative: forever) for `fd` to become readable
/// (or hung up); false on timeout.
package func pollReadable(_ fd: Int32, milliseconds: Int32) -> Bool { pollFor(Int16(POLLIN), fd, milliseconds) }

/// Waits up to `milliseconds` (negative: forever) for `fd` to become readable (or hung up); false
/// on timeout or when `bell` rings first.
package func pollReadable(_ fd: Int32, unless bell: Bell?, milliseconds: Int32) -> Bool {
    pollFor(Int16(POLLIN), fd, milliseconds, unless: bell)
}

/// Waits up to `milliseconds` for `fd` to accept more bytes; false on timeout.
package func pollWritable(_ fd: Int32, milliseconds: Int32) -> Bool { pollFor(Int16(POLLOUT), fd, milliseconds) }

/// True when `fd` is ready; false on timeout or when `bell` (if any) rang first.
private func pollFor(_ events: Int16, _ fd: Int32, _ milliseconds: Int32, unless bell: Bell? = nil) -> Bool {
    var fds = [pollfd(fd: fd, events: events, revents: 0)]
    if let bell { fds.append(pollfd(fd: bell.fd, events: Int16(POLLIN), revents: 0)) }
    while true {
        let rc = poll(&fds, nfds_t(fds.count), milliseconds)
        if rc < 0 && errno == EINTR { continue }
        return rc < 0 || (rc > 0 && fds[0].revents != 0)   // an error: let the caller's read report it
    }
}

import Glibc

/// A signal other threads wait on together with a socket: once rung it stays rung, so every wait
/// that includes it returns at once (a pipe that is written to and never read). A server rings it
/// when it stops, and its idle threads need not wake in short slices to look.
public final class Bell: Sendable {
    /// The end waits poll.
    package let fd: Int32
    private let ringer: Int32

    public init() throws(PosixError) {
        var ends: [Int32] = [0, 0]
        try syscall("pipe") { pipe(&ends) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)
        fd = ends[0]
        ringer = ends[1]
    }

    deinit {
        Glibc.close(fd)
        Glibc.close(ringer)
    }

    /// Rings: every wait on it returns, now and from now on.
    public func ring() {
        var byte: UInt8 = 1
        _ = Glibc.write(ringer, &byte, 1)
    }

    /// Whether it has been rung.
    public var isRung: Bool { pollReadable(fd, milliseconds: 0) }
}

import Foundation
import Posix
import Synchronization

/// Absolute deadlines for connections. A watchdog thread shuts a socket
/// down when its deadline passes, which wakes the thread blocked on it: a
/// peer that dribbles a handshake, a request or its reading of an answer one
/// byte at a time cannot hold a thread or a slot past its deadline. The watchdog sleeps until the
/// earliest deadline (with none armed, until one is), not in slices.
final class Deadlines: Sendable {
    private struct Entry {
        let deadline: Date
        let socket: TCPSocket
        let what: String
    }

    private struct Watch {
        var entries: [ObjectIdentifier: Entry] = [:]
        /// When the watchdog will look next (no later than the earliest deadline).
        var nextLook = Date.distantFuture
    }

    private let watch = Mutex(Watch())
    private let stopped = Mutex(false)
    private let wake = DispatchSemaphore(value: 0)
    /// How many times the watchdog has woken to look, for tests: an idle server's stays put.
    let looks = Mutex(0)
    private let done = DispatchSemaphore(value: 0)
    private let onExpiry: @Sendable (_ peer: String, _ what: String) -> Void

    /// - Parameter onExpiry: told of each connection cut (for the log and metrics).
    init(onExpiry: @escaping @Sendable (_ peer: String, _ what: String) -> Void) {
        self.onExpiry = onExpiry
    }

    /// Cuts `socket` unless `disarm` comes within `seconds`; re-arming replaces the deadline.
    func arm(_ socket: TCPSocket, seconds: Double, what: String) {
        let deadline = Date().addingTimeInterval(seconds)
        let sooner = watch.withLock { watch in
            watch.entries[ObjectIdentifier(socket)] = Entry(deadline: deadline, socket: socket, what: what)
            guard deadline < watch.nextLook else { return false }
            watch.nextLook = deadline
            return true
        }
        if sooner { wake.signal() }   // the watchdog sleeps past this deadline: make it look again
    }

    func disarm(_ socket: TCPSocket) {
        watch.withLock { $0.entries[ObjectIdentifier(socket)] = nil }
    }

    func start() {
        let thread = Thread { [self] in
            while !stopped.withLock({ $0 }) {
                let next = watch.withLock { $0.nextLook }
                _ = wake.wait(timeout: next == .distantFuture ? .distantFuture : .now() + max(0, next.timeIntervalSinceNow))
                looks.withLock { $0 += 1 }
                let now = Date()
                let expired = watch.withLock { watch -> [Entry] in
                    let late = watch.entries.filter { $0.value.deadline <= now }
                    for key in late.keys { watch.entries[key] = nil }
                    watch.nextLook = watch.entries.values.map(\.deadline).min() ?? .distantFuture
                    return Array(late.values)
                }
                for entry in expired {
                    entry.socket.shutdown()
                    onExpiry(entry.socket.peer, entry.what)
                }
            }
            done.signal()
        }
        thread.name = "syncnode-deadlines"
        thread.start()
    }

    func stop() {
        stopped.withLock { $0 = true }
        wake.signal()
        done.wait()
    }
}

import Foundation
import Posix
import Synchronization

/// Absolute deadlines for connections. A watchdog thread shuts a socket
/// down when its deadline passes, which wakes the thread blocked on it: a
/// peer that dribbles a handshake, a request or its reading of an answer one
/// byte at a time cannot hold a thread or a slot past its deadline.
final class Deadlines: Sendable {
    private struct Entry {
        let deadline: Date
        let socket: TCPSocket
        let what: String
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])
    private let stopped = Mutex(false)
    private let done = DispatchSemaphore(value: 0)
    private let onExpiry: @Sendable (_ peer: String, _ what: String) -> Void

    /// - Parameter onExpiry: told of each connection cut (for the log and metrics).
    init(onExpiry: @escaping @Sendable (_ peer: String, _ what: String) -> Void) {
        self.onExpiry = onExpiry
    }

    /// Cuts `socket` unless `disarm` comes within `seconds`; re-arming replaces the deadline.
    func arm(_ socket: TCPSocket, seconds: Double, what: String) {
        entries.withLock { $0[ObjectIdentifier(socket)] = Entry(deadline: Date().addingTimeInterval(seconds), socket: socket, what: what) }
    }

    func disarm(_ socket: TCPSocket) {
        entries.withLock { $0[ObjectIdentifier(socket)] = nil }
    }

    func start() {
        let thread = Thread { [self] in
            while !stopped.withLock({ $0 }) {
                Thread.sleep(forTimeInterval: 0.1)
                let now = Date()
                let expired = entries.withLock { list -> [Entry] in
                    let late = list.filter { $0.value.deadline <= now }
                    for key in late.keys { list[key] = nil }
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
        done.wait()
    }
}

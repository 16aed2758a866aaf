import Foundation
import Posix
import Synchronization

/// Accepts TCP connections on its own thread and serves each on a thread of
/// its own (blocking socket and OpenSSL calls stay off Swift's cooperative
/// pool), up to a limit; stops gracefully.
final class Listener: Sendable {
    private struct State {
        var active = 0
        var byAddress: [String: Int] = [:]
        var stopping = false
    }

    private let socket: TCPListener
    private let name: String
    private let log: Log
    private let maxConnections: Int
    private let maxPerAddress: Int
    private let handle: @Sendable (TCPSocket) -> Void
    private let state = Mutex(State())
    private let finished = DispatchGroup()
    /// Rung by `stop`: the accept loop and idle connections wait on it with their socket.
    let bell: Bell

    /// - Parameter handle: serves one connection; runs on the connection's thread.
    init(host: String, port: Int, name: String, log: Log, maxConnections: Int, maxPerAddress: Int? = nil,
         handle: @escaping @Sendable (TCPSocket) -> Void) throws {
        socket = try TCPListener(host: host, port: port)
        bell = try Bell()
        self.name = name
        self.log = log
        self.maxConnections = maxConnections
        self.maxPerAddress = maxPerAddress ?? maxConnections
        self.handle = handle
    }

    /// The bound port.
    var port: Int { socket.port }

    /// Whether `stop` has been called.
    var isStopping: Bool { state.withLock { $0.stopping } }

    func start() {
        finished.enter()
        let thread = Thread { [self] in
            acceptLoop()
            finished.leave()
        }
        thread.name = "syncnode-\(name)-accept"
        thread.start()
    }

    /// Stops accepting and waits up to `grace` seconds for connections to finish.
    func stop(grace: Double) {
        state.withLock { $0.stopping = true }
        bell.ring()
        if finished.wait(timeout: .now() + grace) == .timedOut {
            log.warning("shutdown_timeout", ["listener": name, "reason": "requests still running after \(grace)s"])
        }
        socket.close()
    }

    private func acceptLoop() {
        while !isStopping {
            let client: TCPSocket?
            // No slices: `stop` rings the bell. The timeout only bounds a wait if that were ever missed.
            do { client = try socket.accept(timeoutMilliseconds: 10_000, unless: bell) } catch {
                log.error("accept_failed", ["listener": name, "error": "\(error)"])
                Thread.sleep(forTimeInterval: 0.2)
                continue
            }
            guard let client else { continue }
            let address = client.peerHost
            let refusal = state.withLock { state -> String? in
                guard !state.stopping else { return "shutting down" }
                guard state.active < maxConnections else { return "more than \(maxConnections) connections" }
                guard state.byAddress[address, default: 0] < maxPerAddress else { return "more than \(maxPerAddress) connections from \(address)" }
                state.active += 1
                state.byAddress[address, default: 0] += 1
                return nil
            }
            if let refusal {
                log.warning("connection_rejected", ["listener": name, "peer": client.peer, "reason": refusal])
                client.close()
                continue
            }
            finished.enter()
            let thread = Thread { [self] in
                handle(client)
                state.withLock { state in
                    state.active -= 1
                    state.byAddress[address, default: 1] -= 1
                    if state.byAddress[address] == 0 { state.byAddress[address] = nil }
                }
                finished.leave()
            }
            thread.name = "syncnode-\(name)-conn"
            thread.start()
        }
    }
}

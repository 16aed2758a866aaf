import Foundation
import Posix
import Synchronization

/// A TCP proxy on 127.0.0.1 between a child and its parent that fails the way
/// links between a district and its city fail: it passes bytes, cuts every
/// connection, stalls (accepts and never answers), slows to a trickle, or
/// resets a connection part-way through an answer. TLS passes through it
/// untouched (it only moves bytes), so the peers still verify each other.
public final class FaultProxy: Sendable {
    public enum Mode: Sendable, Equatable {
        /// Bytes flow as they come.
        case pass
        /// Open connections are closed and new ones closed at once.
        case cut
        /// Connections are accepted; nothing is forwarded either way.
        case stall
        /// At most this many bytes a second each way, per connection.
        case trickle(bytesPerSecond: Int)
        /// Each connection is reset (RST) once this many bytes of answers have passed.
        case resetAfter(bytes: Int)
    }

    /// The port the proxy listens on.
    public let port: Int
    private let upstreamPort: Int
    private let listener: TCPListener
    private let state = Mutex<(mode: Mode, stopped: Bool, connections: Int, resets: Int)>((.pass, false, 0, 0))
    private let done = DispatchGroup()

    /// Listens on a free port and forwards to `127.0.0.1:upstreamPort`.
    public init(upstreamPort: Int) throws {
        listener = try TCPListener(host: "127.0.0.1", port: 0)
        port = listener.port
        self.upstreamPort = upstreamPort
        done.enter()
        let thread = Thread { [self] in
            while !isStopped {
                guard let client = try? listener.accept(timeoutMilliseconds: 100) else { continue }
                done.enter()
                let connection = Thread { [self] in
                    serve(client)
                    done.leave()
                }
                connection.start()
            }
            done.leave()
        }
        thread.name = "fault-proxy"
        thread.start()
    }

    public var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    /// Connections accepted so far, and connections reset.
    public var counts: (connections: Int, resets: Int) { state.withLock { ($0.connections, $0.resets) } }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    /// Stops accepting, ends every connection and waits for its threads.
    public func stop() {
        state.withLock { $0.stopped = true }
        done.wait()
        listener.close()
    }

    private func serve(_ client: TCPSocket) {
        state.withLock { $0.connections += 1 }
        defer { client.close() }
        // A stalled link holds new connections without dialling the parent.
        while mode == .stall && !isStopped { Thread.sleep(forTimeInterval: 0.05) }
        guard mode != .cut, !isStopped, let upstream = try? TCPSocket.connect(to: "127.0.0.1", port: upstreamPort) else { return }
        defer { upstream.close() }
        let reset = Latch()
        let pumps = DispatchGroup()
        pumps.enter()
        let up = Thread { [self] in
            pump(from: client, to: upstream, answers: false, reset: reset)
            pumps.leave()
        }
        up.start()
        pump(from: upstream, to: client, answers: true, reset: reset)
        pumps.wait()
        if reset.isSet {
            client.resetOnClose()
            state.withLock { $0.resets += 1 }
        }
    }

    /// Moves bytes one way until either side ends, the link is cut, or a reset is due.
    private func pump(from source: TCPSocket, to target: TCPSocket, answers: Bool, reset: Latch) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var passed = 0
        defer {
            source.shutdown()
            target.shutdown()
        }
        while !isStopped && !reset.isSet {
            let now = mode
            switch now {
            case .cut: return
            case .stall:
                Thread.sleep(forTimeInterval: 0.05)
                continue
            default: break
            }
            guard source.waitReadable(milliseconds: 100) else { continue }
            var limit = buffer.count
            if case .trickle(let rate) = now { limit = max(1, rate / 10) }
            if case .resetAfter(let bytes) = now, answers { limit = max(1, min(limit, bytes - passed)) }
            guard let count = try? source.read(into: &buffer, count: limit), count > 0 else { return }
            guard (try? target.write(Array(buffer.prefix(count)))) != nil else { return }
            passed += count
            if case .resetAfter(let bytes) = now, answers, passed >= bytes {
                reset.set()
                return
            }
            if case .trickle = now { Thread.sleep(forTimeInterval: 0.1) }
        }
    }
}

/// A flag set once, read from any thread.
private final class Latch: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

import Foundation
import HTTP1
import SyncCore
import TLS

/// Settings of the federation listener.
public struct ServerLimits: Sendable {
    /// Seconds a connection may sit idle between requests, or take to send one.
    public var idleTimeout: Double = 30
    /// Seconds allowed for the TLS handshake.
    public var handshakeTimeout: Double = 10
    /// Most connections served at once; more are turned away with 503.
    public var maxConnections = 256
    /// Request size limits.
    public var parser = HTTPParserLimits()

    public init() {}
}

/// The federation port: HTTP/1.1 over TLS with a required client certificate.
/// Each connection is served on its own thread (blocking OpenSSL calls stay
/// off Swift's cooperative pool); a peer's certificate is verified against the
/// federation CA, mapped to a topology node and authorized before any request
/// reaches the router. Refusals are logged with their reason.
public final class FederationServer: @unchecked Sendable {
    private let context: NodeContext
    private let tls: TLSContext
    private let router: Router
    private let log: Log
    private let limits: ServerLimits
    private let authorizer: PeerAuthorizer
    private let listener: TCPListener
    private let lock = NSLock()
    private var activeConnections = 0
    private var stopping = false
    private let finished = DispatchGroup()
    /// Counts of refused peers by reason, for metrics.
    public let refusals = Counter()

    /// Binds the node's URL host and port (or `port` when given, e.g. 0 in tests).
    public init(context: NodeContext, router: Router, log: Log, limits: ServerLimits = ServerLimits(), port: Int? = nil) throws {
        self.context = context
        self.router = router
        self.log = log
        self.limits = limits
        authorizer = PeerAuthorizer(topology: context.topology, local: context.node)
        do {
            tls = try TLSContext(certificateFile: context.certificateFile, keyFile: context.keyFile, caFile: context.caFile)
        } catch let error as TLSError {
            throw SyncNodeError("set up TLS for \(context.node.id)", error.description,
                                hint: "check the files in \(context.certificateDirectory) (syncnode cert issue writes them)")
        }
        do {
            listener = try TCPListener(host: context.node.host, port: port ?? context.node.port)
        } catch let error as TLSError {
            throw SyncNodeError("listen on \(context.node.url)", error.description,
                                hint: "is another process using port \(context.node.port)? stop it or change the node's URL in the topology")
        }
    }

    /// The port the listener is bound to.
    public var port: Int { listener.port }

    /// Starts accepting connections on a background thread.
    public func start() {
        finished.enter()
        let thread = Thread { [self] in
            acceptLoop()
            finished.leave()
        }
        thread.name = "syncnode-accept"
        thread.start()
        log.info("listening", ["url": context.node.url, "port": listener.port])
    }

    /// Stops accepting, lets requests in progress finish (up to `grace` seconds),
    /// and closes idle connections.
    public func stop(grace: Double = 10) {
        lock.lock()
        stopping = true
        lock.unlock()
        if finished.wait(timeout: .now() + grace) == .timedOut {
            log.warning("shutdown_timeout", ["reason": "requests still running after \(grace)s"])
        }
        listener.close()
    }

    private var isStopping: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopping
    }

    private func acceptLoop() {
        while !isStopping {
            let socket: TCPSocket?
            do { socket = try listener.accept(timeoutMilliseconds: 200) } catch {
                log.error("accept_failed", ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 0.2)
                continue
            }
            guard let socket else { continue }
            lock.lock()
            let admitted = !stopping && activeConnections < limits.maxConnections
            if admitted { activeConnections += 1 }
            lock.unlock()
            guard admitted else {
                log.warning("connection_rejected", ["peer": socket.peer, "reason": "too many connections"])
                socket.close()
                continue
            }
            finished.enter()
            let thread = Thread { [self] in
                serve(socket)
                lock.lock()
                activeConnections -= 1
                lock.unlock()
                finished.leave()
            }
            thread.name = "syncnode-conn"
            thread.start()
        }
    }

    private func serve(_ socket: TCPSocket) {
        socket.setTimeout(seconds: limits.handshakeTimeout)
        let connection: TLSConnection
        do {
            connection = try TLSConnection(context: tls, socket: socket)
            try connection.handshake()
        } catch {
            let reason = (error as? TLSError)?.reason ?? "\(error)"
            if reason.contains("unexpected eof") || reason.hasPrefix("connection closed by the client") {
                // A port probe or a client that gave up before saying anything: not a refusal.
                log.debug("handshake_abandoned", ["peer": socket.peer, "reason": reason])
                socket.close()
                return
            }
            refusals.increment(reason)
            log.warning("peer_refused", ["peer": socket.peer, "stage": "tls", "reason": reason])
            socket.close()
            return
        }
        defer { connection.close() }
        socket.setTimeout(seconds: limits.idleTimeout)
        let certificate = connection.peerCertificate()
        let peer: NodeEntry
        switch authorizer.authorize(certificate?.nodeIdentity, commonName: certificate?.commonName) {
        case .success(let entry):
            peer = entry
            log.debug("peer_connected", ["peer": socket.peer, "node": entry.id, "tls": connection.protocolVersion])
        case .failure(let refusal):
            refusals.increment(refusal.description)
            log.warning("peer_refused", ["peer": socket.peer, "stage": "authorization", "reason": refusal.description])
            refuse(connection, refusal.description)
            return
        }
        var parser = HTTPRequestParser(limits: limits.parser)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            do {
                while let request = try parser.next() {
                    let response = router.respond(to: PeerRequest(http: request, peer: peer,
                                                                  peerCertificateNotAfter: certificate?.notAfter))
                    let keepAlive = request.keepAlive && !isStopping
                    try connection.write(response.serialize(keepAlive: keepAlive))
                    if response.status >= 400 {
                        log.info("request_failed", ["node": peer.id, "path": request.path, "status": response.status])
                    }
                    if !keepAlive { return }
                }
                if parser.takeContinueRequest() {
                    try connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
                // Wait in short slices so an idle connection notices shutdown and
                // is closed cleanly (close_notify) rather than cut.
                var waited = 0.0
                while !connection.waitReadable(milliseconds: 250) {
                    waited += 0.25
                    if (isStopping && !parser.hasPartialRequest) || waited >= limits.idleTimeout { return }
                }
                let n = try connection.read(into: &buffer, count: buffer.count)
                if n == 0 { return }
                parser.feed(buffer[0..<n])
            } catch let error as HTTPParseError {
                log.warning("bad_request", ["node": peer.id, "status": error.status, "reason": error.message])
                try? connection.write(HTTPResponse.error(error.status, error.message).serialize(keepAlive: false))
                lingeringClose(connection, buffer: &buffer)
                return
            } catch {
                if parser.hasPartialRequest && !isStopping {
                    log.info("connection_dropped", ["node": peer.id, "reason": "\(error)"])
                }
                return
            }
        }
    }

    /// Reads and discards what the client is still sending (for a few seconds
    /// at most) so it sees the error response instead of a connection reset.
    private func lingeringClose(_ connection: TLSConnection, buffer: inout [UInt8]) {
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline, connection.waitReadable(milliseconds: 250) {
            guard let n = try? connection.read(into: &buffer, count: buffer.count), n > 0 else { return }
        }
    }

    /// Reads the first request (so the client sees an answer, not a reset) and
    /// answers 403 with the reason.
    private func refuse(_ connection: TLSConnection, _ reason: String) {
        var parser = HTTPRequestParser()
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        connection.socket.setTimeout(seconds: 5)
        while (try? parser.next()) == nil {
            guard let n = try? connection.read(into: &buffer, count: buffer.count), n > 0 else { break }
            parser.feed(buffer[0..<n])
        }
        try? connection.write(HTTPResponse.error(403, "refused: \(reason)").serialize(keepAlive: false))
    }
}

/// A thread-safe set of named counters.
public final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Int] = [:]

    public init() {}

    public func increment(_ name: String, by amount: Int = 1) {
        lock.lock(); values[name, default: 0] += amount; lock.unlock()
    }

    public var snapshot: [String: Int] {
        lock.lock(); defer { lock.unlock() }
        return values
    }
}

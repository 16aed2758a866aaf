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
/// A peer's certificate is verified against the federation CA, mapped to a
/// topology node and authorized before any request reaches the router.
/// Refusals are logged with their reason and counted for metrics.
public final class FederationServer: @unchecked Sendable {
    private let tls: TLSContext
    private let router: Router
    private let ingest: @Sendable (HTTPRequest, String) -> HTTPResponse
    private let log: Log
    private let limits: ServerLimits
    private let authorizer: PeerAuthorizer
    private var listener: Listener!
    /// Counts of refused peers by reason, for metrics.
    public let refusals: Counter

    /// Binds the node's URL host and port (or `port` when given, e.g. 0 in tests).
    /// - Parameter ingest: answers a request from one of this node's source systems (by name).
    public init(context: NodeContext, router: Router, log: Log, limits: ServerLimits = ServerLimits(), port: Int? = nil,
                refusals: Counter = Counter(),
                ingest: @escaping @Sendable (HTTPRequest, String) -> HTTPResponse = { _, _ in .error(404, "no ingestion API here") }) throws {
        self.router = router
        self.ingest = ingest
        self.log = log
        self.limits = limits
        self.refusals = refusals
        authorizer = PeerAuthorizer(topology: context.topology, local: context.node)
        do {
            tls = try TLSContext(certificateFile: context.certificateFile, keyFile: context.keyFile, caFile: context.caFile)
        } catch let error as TLSError {
            throw SyncNodeError("set up TLS for \(context.node.id)", error.description,
                                hint: "check the files in \(context.certificateDirectory) (syncnode cert issue writes them)")
        }
        do {
            listener = try Listener(host: context.node.host, port: port ?? context.node.port, name: "federation", log: log,
                                    maxConnections: limits.maxConnections) { [unowned self] socket in serve(socket) }
        } catch let error as TLSError {
            throw SyncNodeError("listen on \(context.node.url)", error.description,
                                hint: "is another process using port \(context.node.port)? stop it or change the node's URL in the topology")
        }
        log.info("listening", ["url": context.node.url, "port": listener.port])
    }

    /// The port the listener is bound to.
    public var port: Int { listener.port }

    /// Starts accepting connections on a background thread.
    public func start() { listener.start() }

    /// Stops accepting and lets requests in progress finish (up to `grace` seconds).
    public func stop(grace: Double = 10) { listener.stop(grace: grace) }

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
        switch authorizer.authorize(certificate) {
        case .success(.node(let peer)):
            log.debug("peer_connected", ["peer": socket.peer, "node": peer.id, "tls": connection.protocolVersion])
            HTTPConnection.serve(connection, limits: limits, label: peer.id, log: log, isStopping: { listener.isStopping }) { request in
                router.respond(to: PeerRequest(http: request, peer: peer, peerCertificateNotAfter: certificate?.notAfter))
            }
        case .success(.system(let system)):
            log.debug("system_connected", ["peer": socket.peer, "system": system])
            HTTPConnection.serve(connection, limits: limits, label: "system \(system)", log: log, isStopping: { listener.isStopping }) { request in
                ingest(request, system)
            }
        case .failure(let refusal):
            refusals.increment(refusal.description)
            log.warning("peer_refused", ["peer": socket.peer, "stage": "authorization", "reason": refusal.description])
            refuse(connection, refusal.description)
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

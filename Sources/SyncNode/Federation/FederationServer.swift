import Foundation
import HTTP1
import Posix
import SyncCore
import SyncEngine
import TLS

/// Settings of a listener.
public struct ServerLimits: Sendable {
    /// Seconds a connection may sit idle between requests, or take to send one.
    public var idleTimeout: Double = 30
    /// Seconds allowed for the TLS handshake.
    public var handshakeTimeout: Double = 10
    /// Most connections served at once; more are turned away.
    public var maxConnections = 256
    /// Request size limits.
    public var parser = HTTPParserLimits()

    public init() {}
}

/// The federation port: HTTP/1.1 over TLS with a required client certificate.
/// A peer's certificate is verified against the federation CA, mapped to a
/// topology node (or one of this node's source systems) and authorized before
/// any request reaches the router. Refusals are logged with their reason and
/// counted for metrics.
public final class FederationServer: Service {
    public let name = "federation listener"
    private let tls: TLSContext
    private let router: Router<PeerContext>
    private let ingest: IngestEndpoint
    private let log: Log
    private let limits: ServerLimits
    private let authorizer: PeerAuthorizer
    private let listener: Listener
    /// Counts of refused peers by reason, for metrics.
    public let refusals = Counter()

    /// Binds the node's URL host and port (or `port` when given, e.g. 0 in tests).
    public init(context: NodeContext, replica: Replica, log: Log, limits: ServerLimits = ServerLimits(), port: Int? = nil,
                isStopping: @escaping @Sendable () -> Bool) throws {
        self.log = log
        self.limits = limits
        router = ReplicationEndpoints.router(server: ReplicationServer(replica: replica, isStopping: isStopping))
        ingest = IngestEndpoint(writer: LocalWriter(replica: replica), log: log)
        authorizer = PeerAuthorizer(topology: context.topology, local: context.node)
        do {
            tls = try TLSContext(certificateFile: context.certificateFile, keyFile: context.keyFile, caFile: context.caFile)
        } catch let error as TLSError {
            throw SyncNodeError("set up TLS for \(context.node.id)", error.description,
                                hint: "check the files in \(context.certificateDirectory) (syncnode cert issue writes them)", underlying: error)
        }
        let handle = ConnectionHandler()
        do {
            listener = try Listener(host: context.node.host, port: port ?? context.node.port, name: "federation", log: log,
                                    maxConnections: limits.maxConnections) { socket in handle.serve?(socket) }
        } catch let error as PosixError {
            throw SyncNodeError("listen on \(context.node.url)", error.description,
                                hint: "is another process using port \(context.node.port)? stop it or change the node's URL in the topology",
                                underlying: error)
        }
        handle.serve = { [unowned self] socket in serve(socket) }
        log.info("listening", ["url": context.node.url, "port": listener.port])
    }

    /// The port the listener is bound to.
    public var port: Int { listener.port }

    public func start() { listener.start() }

    /// Stops accepting and lets requests in progress finish (up to 10 seconds).
    public func stop() { listener.stop(grace: 10) }

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
        let isStopping = { [listener] in listener.isStopping }
        switch authorizer.authorize(certificate) {
        case .success(.node(let peer)):
            log.debug("peer_connected", ["peer": socket.peer, "node": peer.id, "tls": connection.protocolVersion])
            let caller = PeerContext(peer: peer, certificateNotAfter: certificate?.notAfter)
            HTTPConnection.serve(connection, limits: limits, label: peer.id, log: log, isStopping: isStopping) { request in
                router.respond(to: request, context: caller)
            }
        case .success(.system(let system)):
            log.debug("system_connected", ["peer": socket.peer, "system": system])
            HTTPConnection.serve(connection, limits: limits, label: "system \(system)", log: log, isStopping: isStopping) { request in
                ingest.respond(request, system: system)
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

/// The connection callback, set once the server that owns the listener exists.
final class ConnectionHandler: @unchecked Sendable {   // set once in init before the listener starts, read-only after
    var serve: (@Sendable (TCPSocket) -> Void)?
}

import Foundation
import HTTP1
import Posix
import SyncCore
import SyncEngine
import Synchronization
import TLS

/// Settings of a listener: absolute deadlines, connection caps, request sizes.
public struct ServerLimits: Sendable {
    /// Seconds a connection may sit idle between requests.
    public var idleTimeout: Double = ProtocolLimits.idleConnectionSeconds
    /// Seconds allowed for the whole TLS handshake, from the connection's accept.
    public var handshakeTimeout: Double = 10
    /// Seconds allowed to receive one request, from its first byte to its last.
    public var requestTimeout: Double = 120
    /// Seconds allowed to send one answer.
    public var writeTimeout: Double = 60
    /// Most connections served at once; more are turned away.
    public var maxConnections = 256
    /// Most connections from one IP address at once.
    public var maxPerAddress = 32
    /// Most connections still in their TLS handshake at once (the rest of the slots stay for peers
    /// that finished theirs). When all are taken, the oldest handshake gives way to a new one: a
    /// real peer finishes in milliseconds, a peer dribbling bytes to hold a slot does not.
    public var maxHandshaking = 64
    /// Most handshakes in progress from one IP address.
    public var maxHandshakingPerAddress = 8
    /// Seconds a new connection waits in line for a handshake slot before it is turned away: a burst
    /// of honest peers (a hub's children all reconnecting after a restart) queues; a flood still
    /// gets nowhere, since the slots it waits for are bounded as before.
    public var handshakeQueueSeconds = 3.0
    /// Most connections one authenticated peer (node or source system) holds at once.
    public var maxPerPeer = 12
    /// Request size limits.
    public var parser = HTTPParserLimits()

    public init() {}

    /// These limits, raised where a node has many neighbours: a hub with a hundred children holds
    /// two or three connections to each (push, long-poll, health), and districts behind one NAT share
    /// an address. The tight bounds stay where they were: handshakes per address (before a peer has
    /// proved who it is) and connections per authenticated peer.
    public func sized(forNeighbours count: Int) -> ServerLimits {
        var sized = self
        let needed = 64 + 3 * count
        sized.maxConnections = max(maxConnections, needed)
        sized.maxPerAddress = max(maxPerAddress, needed)
        return sized
    }
}

/// The federation port: HTTP/1.1 over TLS with a required client certificate.
/// A peer's certificate is verified against the federation CA, mapped to a
/// topology node (or one of this node's source systems) and authorized before
/// any request reaches the router. Refusals are logged with their reason and
/// counted for metrics.
public final class FederationServer: Service {
    public let name = "federation listener"
    private let tls: Mutex<TLSContext>
    private let open = OpenConnections()
    private let router: Router<PeerContext>
    private let ingest: IngestEndpoint
    private let log: Log
    private let limits: ServerLimits
    private let authorizer: PeerAuthorizer
    private let listener: Listener
    private let deadlines: Deadlines
    private let peers = PeerSlots()
    /// Counts of refused peers by reason, for metrics.
    public let refusals = Counter()
    /// The encrypted off-site copies this node keeps for its children.
    public let offsite: OffsiteCopies

    /// Binds the node's URL host and port (or `port` when given, e.g. 0 in tests).
    /// - Parameter tls: the TLS context to start with (`use` swaps in a new one).
    public init(context: NodeContext, replica: Replica, tls initial: TLSContext, log: Log, limits: ServerLimits = ServerLimits(),
                port: Int? = nil, isStopping: @escaping @Sendable () -> Bool) throws {
        self.log = log
        self.limits = limits
        let policy = context.topology.policy
        let reserve = DiskReserve(directory: context.dataDirectory, minFreeDiskMiB: policy.minFreeDiskMiB)
        offsite = OffsiteCopies(dataDirectory: context.dataDirectory, keep: policy.offsiteBackupsKept,
                                maxBytes: Int64(max(1, policy.offsiteBackupMaxMiB)) << 20, minFreeBytes: Int64(max(0, policy.minFreeDiskMiB)) << 20)
        router = ReplicationEndpoints.router(server: ReplicationServer(replica: replica, isStopping: isStopping), offsite: offsite,
                                             verification: VerificationRelay(context: context, replica: replica, log: log), reserve: reserve)
        ingest = IngestEndpoint(writer: LocalWriter(replica: replica), log: log, reserve: reserve)
        authorizer = PeerAuthorizer(topology: context.topology, local: context.node)
        tls = Mutex(initial)
        let handle = ConnectionHandler()
        let refusals = self.refusals
        deadlines = Deadlines { peer, what in
            refusals.increment("deadline: \(what)")
            log.warning("connection_cut", ["peer": peer, "reason": "\(what) took longer than allowed"])
        }
        do {
            listener = try Listener(host: context.node.host, port: port ?? context.node.port, name: "federation", log: log,
                                    maxConnections: limits.maxConnections, maxPerAddress: limits.maxPerAddress) { socket in handle.serve?(socket) }
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

    /// Uses `context` for new connections from now on (a renewed certificate, a
    /// new revocation list) and cuts the open connections of revoked certificates.
    public func use(_ context: TLSContext, revoked: Set<String>) {
        tls.withLock { $0 = context }
        for peer in open.cut(serials: revoked) {
            refusals.increment("certificate revoked")
            log.warning("peer_refused", ["node": peer, "stage": "revocation", "reason": "its certificate was revoked; its open connections were closed"])
        }
    }

    public func start() {
        deadlines.start()
        listener.start()
    }

    /// Stops accepting and lets requests in progress finish (up to 10 seconds).
    public func stop() {
        listener.stop(grace: 10)
        deadlines.stop()
    }

    private func serve(_ socket: TCPSocket) {
        // The handshake's deadline runs from the accept: time spent waiting in line counts.
        let accepted = Date()
        if let refusal = peers.beginHandshake(socket, limit: limits.maxHandshaking, perAddress: limits.maxHandshakingPerAddress,
                                              waiting: min(limits.handshakeQueueSeconds, limits.handshakeTimeout / 2)) {
            refusals.increment("too many handshakes")
            log.warning("connection_rejected", ["peer": socket.peer, "reason": refusal])
            socket.close()
            return
        }
        let remaining = max(limits.handshakeTimeout - Date().timeIntervalSince(accepted), 0.1)
        socket.setTimeout(seconds: remaining)
        deadlines.arm(socket, seconds: remaining, what: "the TLS handshake")
        let connection: TLSConnection
        do {
            defer {
                deadlines.disarm(socket)
                peers.endHandshake(socket)
            }
            connection = try TLSConnection(context: tls.withLock { $0 }, socket: socket)
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
        let token = open.add(connection, serial: certificate?.serial ?? "", peer: certificate?.nodeIdentity?.node ?? certificate?.systemIdentity?.description ?? "?")
        defer { open.remove(token) }
        let watch = ConnectionWatch(socket: socket, deadlines: deadlines, limits: limits)
        switch authorizer.authorize(certificate) {
        case .success(.node(let peer)):
            guard admit(peer.id, connection) else { return }
            defer { peers.leave(peer.id) }
            log.debug("peer_connected", ["peer": socket.peer, "node": peer.id, "tls": connection.protocolVersion])
            let caller = PeerContext(peer: peer, certificateNotAfter: certificate?.notAfter, certificate: certificate)
            HTTPConnection.serve(connection, watch: watch, limits: limits, label: peer.id, log: log, bell: listener.bell, isStopping: isStopping) { request in
                router.respond(to: request, context: caller)
            }
        case .success(.system(let system)):
            guard admit("system:\(system)", connection) else { return }
            defer { peers.leave("system:\(system)") }
            log.debug("system_connected", ["peer": socket.peer, "system": system])
            HTTPConnection.serve(connection, watch: watch, limits: limits, label: "system \(system)", log: log, bell: listener.bell, isStopping: isStopping) { request in
                ingest.respond(request, system: system)
            }
        case .failure(let refusal):
            refusals.increment(refusal.description)
            log.warning("peer_refused", ["peer": socket.peer, "stage": "authorization", "reason": refusal.description])
            refuse(connection, refusal.description)
        }
    }

    /// Takes a connection slot for authenticated peer `key`; over the cap the connection is answered 503 and closed.
    private func admit(_ key: String, _ connection: TLSConnection) -> Bool {
        guard peers.enter(key, limit: limits.maxPerPeer) else {
            refusals.increment("too many connections from one peer")
            log.warning("connection_rejected", ["peer": connection.socket.peer, "node": key,
                                                "reason": "more than \(limits.maxPerPeer) connections from \(key)"])
            answerAndClose(connection, .error(503, "too many connections from \(key); at most \(limits.maxPerPeer) at once"))
            return false
        }
        return true
    }

    /// Answers 403 with the reason and closes.
    private func refuse(_ connection: TLSConnection, _ reason: String) {
        answerAndClose(connection, .error(403, "refused: \(reason)"))
    }

    /// Reads (a bounded amount, for a bounded time) until the first request is
    /// in or turns out malformed, so the client sees an answer rather than a
    /// reset, then answers and closes.
    private func answerAndClose(_ connection: TLSConnection, _ response: HTTPResponse) {
        var parser = HTTPRequestParser(limits: HTTPParserLimits(maxHeaderBytes: 8192, maxBodyBytes: 8192, maxOverheadBytes: 8192))
        var buffer = [UInt8](repeating: 0, count: 4096)
        deadlines.arm(connection.socket, seconds: 2, what: "a refused request")
        defer { deadlines.disarm(connection.socket) }
        var read = 0
        reading: while read < 16 * 1024 {
            do {
                if try parser.next() != nil { break reading }
            } catch {
                break reading
            }
            guard let n = try? connection.read(into: &buffer, count: buffer.count), n > 0 else { break }
            read += n
            parser.feed(buffer[0..<n])
        }
        try? connection.write(response.serialize(keepAlive: false))
    }
}

/// The connections in progress, by their peer certificate's serial, so a revocation can cut them.
final class OpenConnections: Sendable {
    private struct Entry {
        let connection: TLSConnection
        let serial: String
        let peer: String
    }

    private let entries = Mutex<[Int: Entry]>([:])
    private let next = Mutex(0)

    func add(_ connection: TLSConnection, serial: String, peer: String) -> Int {
        let token = next.withLock { $0 += 1; return $0 }
        entries.withLock { $0[token] = Entry(connection: connection, serial: serial, peer: peer) }
        return token
    }

    func remove(_ token: Int) { entries.withLock { $0[token] = nil } }

    /// Cuts every connection whose certificate serial is in `serials`; returns their peers.
    func cut(serials: Set<String>) -> [String] {
        guard !serials.isEmpty else { return [] }
        let doomed = entries.withLock { $0.values.filter { serials.contains($0.serial) } }
        for entry in doomed { entry.connection.cut() }
        return doomed.map(\.peer)
    }
}

/// Handshakes in progress (by address, oldest first to give way) and connections per authenticated peer.
final class PeerSlots: Sendable {
    private struct Pending {
        let socket: TCPSocket
        let started: Date
    }

    private struct Counts {
        var handshaking: [ObjectIdentifier: Pending] = [:]
        var byPeer: [String: Int] = [:]
    }

    private let counts = Mutex(Counts())
    /// Signalled when a handshake slot frees up, for connections waiting in line.
    private let freed = NSCondition()

    /// Admits a handshake, or says why not after waiting up to `waiting` seconds for a slot. When
    /// every slot is taken, the oldest handshake (if it has already run half a second) is cut for it.
    func beginHandshake(_ socket: TCPSocket, limit: Int, perAddress: Int, waiting: Double) -> String? {
        let deadline = Date().addingTimeInterval(waiting)
        while true {
            guard let refusal = tryHandshake(socket, limit: limit, perAddress: perAddress) else { return nil }
            guard Date() < deadline else { return refusal }
            freed.lock()
            // Timed, so a signal sent between the attempt and this wait costs at most 50 ms.
            _ = freed.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
            freed.unlock()
        }
    }

    private func tryHandshake(_ socket: TCPSocket, limit: Int, perAddress: Int) -> String? {
        let (refusal, evicted) = counts.withLock { c -> (String?, TCPSocket?) in
            let fromAddress = c.handshaking.values.filter { $0.socket.peerHost == socket.peerHost }.count
            guard fromAddress < perAddress else { return ("more than \(perAddress) handshakes at once from \(socket.peerHost)", nil) }
            var evicted: TCPSocket?
            if c.handshaking.count >= limit {
                guard let oldest = c.handshaking.min(by: { $0.value.started < $1.value.started }),
                      Date().timeIntervalSince(oldest.value.started) > 0.5 else {
                    return ("more than \(limit) handshakes at once", nil)
                }
                c.handshaking[oldest.key] = nil
                evicted = oldest.value.socket
            }
            c.handshaking[ObjectIdentifier(socket)] = Pending(socket: socket, started: Date())
            return (nil, evicted)
        }
        evicted?.shutdown()
        return refusal
    }

    func endHandshake(_ socket: TCPSocket) {
        counts.withLock { $0.handshaking[ObjectIdentifier(socket)] = nil }
        freed.lock()
        freed.signal()
        freed.unlock()
    }

    func enter(_ peer: String, limit: Int) -> Bool {
        counts.withLock { c in
            guard c.byPeer[peer, default: 0] < limit else { return false }
            c.byPeer[peer, default: 0] += 1
            return true
        }
    }

    func leave(_ peer: String) {
        counts.withLock { c in
            c.byPeer[peer, default: 1] -= 1
            if c.byPeer[peer] == 0 { c.byPeer[peer] = nil }
        }
    }
}

/// The connection callback, set once the server that owns the listener exists.
final class ConnectionHandler: @unchecked Sendable {   // set once in init before the listener starts, read-only after
    var serve: (@Sendable (TCPSocket) -> Void)?
}

import Foundation
import HTTP1
import Posix
import SyncCore
import SyncEngine

/// The operators' listener: plain HTTP on 127.0.0.1 only, read-only, no
/// certificate needed in the browser. Serves the dashboard (`/`), Prometheus
/// metrics (`/metrics`), a page per neighbour (`/peer/ID`) and dataset
/// (`/dataset/ID`), and JSON (`/api/status`, `/api/tree`, `/api/history`,
/// `/api/conflicts`, `/api/shares`, `/api/corrections`). It samples the node's
/// state for the charts (`History`). Nothing that changes data is reachable here.
public final class AdminServer: Service {
    public let name = "operators' listener"
    private let context: NodeContext
    private let replica: Replica
    private let refusals: Counter
    private let log: Log
    private let listener: Listener
    private let deadlines: Deadlines
    /// The samples the charts draw.
    public let history: History
    private let sampler: PeriodicWorker

    /// - Parameters:
    ///   - refusals: the federation listener's refusal counts, for /metrics.
    ///   - historyInterval: seconds between samples; a day of them is kept (at most 1,440).
    public init(context: NodeContext, replica: Replica, refusals: Counter, log: Log, port: Int, historyInterval: Double = 60) throws {
        history = History(capacity: min(1440, max(2, Int(86_400 / max(historyInterval, 0.2)))))
        sampler = PeriodicWorker(name: "syncnode-history", interval: historyInterval)
        self.context = context
        self.replica = replica
        self.refusals = refusals
        self.log = log
        let handle = ConnectionHandler()
        deadlines = Deadlines { peer, what in log.warning("connection_cut", ["listener": "admin", "peer": peer, "reason": "\(what) took too long"]) }
        do {
            listener = try Listener(host: "127.0.0.1", port: port, name: "admin", log: log, maxConnections: 32, maxPerAddress: 32) { socket in handle.serve?(socket) }
        } catch let error as PosixError {
            throw SyncNodeError("listen for operators on 127.0.0.1:\(port)", error.description,
                                hint: "is another process using port \(port)? change the node's adminPort in the topology", underlying: error)
        }
        handle.serve = { [unowned self] socket in
            socket.setTimeout(seconds: 30)
            var limits = ServerLimits()
            limits.parser = HTTPParserLimits(maxHeaderBytes: 16 * 1024, maxBodyBytes: 0)
            limits.requestTimeout = 10
            HTTPConnection.serve(socket, watch: ConnectionWatch(socket: socket, deadlines: deadlines, limits: limits), limits: limits,
                                 label: "admin \(socket.peer)", log: log, bell: listener.bell, isStopping: { [listener] in listener.isStopping }, respond: respond)
            socket.close()
        }
    }

    /// The bound port.
    public var port: Int { listener.port }
    /// The dashboard's address.
    public var url: String { "http://127.0.0.1:\(port)/" }

    public func start() {
        sampler.start { [self] in
            do {
                let status = try NodeStatus.collect(context: context, replica: replica)
                history.record(status, counters: replica.counters)
                try history.countRegions(replica, totals: Dictionary(status.datasets.map { ($0.id, $0.records) }, uniquingKeysWith: { a, _ in a }),
                                         every: 600)
            } catch {
                log.warning("history_sample_failed", ["error": "\(error)"])
            }
        }
        sampler.poke()
        deadlines.start()
        listener.start()
        log.info("admin_listening", ["url": url])
    }

    public func stop() {
        listener.stop(grace: 2)
        deadlines.stop()
        sampler.stop()
    }

    /// Security headers every answer carries: no script, no framing, no sniffing, nothing from elsewhere.
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    ]

    func respond(_ request: HTTPRequest) -> HTTPResponse {
        var response = answer(request)
        for (name, value) in AdminServer.securityHeaders { response.headers.add(name, value) }
        return response
    }

    /// Whether the Host header names this listener (a page another site loads
    /// through a rebound DNS name carries that name, and is refused).
    func hostIsLocal(_ host: String?) -> Bool {
        guard let host else { return false }
        let name = host.hasPrefix("[") ? String(host.prefix { $0 != "]" }.dropFirst()) : String(host.prefix { $0 != ":" })
        let port = host.hasPrefix("[") ? host.split(separator: "]").last.map { String($0.dropFirst()) } : host.split(separator: ":").dropFirst().first.map(String.init)
        guard ["127.0.0.1", "localhost", "::1"].contains(name.lowercased()) else { return false }
        return port == nil || port == "" || port == String(self.port)
    }

    private func answer(_ request: HTTPRequest) -> HTTPResponse {
        guard hostIsLocal(request.headers["Host"]) else {
            return .error(421, "the operators' listener answers only to Host 127.0.0.1 or localhost")
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .error(405, "the admin listener is read-only; use the syncnode commands to change data")
        }
        do {
            switch request.path {
            case "/", "/index.html":
                let (status, tree) = try snapshot()
                let page = Dashboard.page(status: status, tree: tree, conflicts: try ConflictView.all(replica), shares: try ShareView.all(replica),
                                          corrections: try CorrectionView.all(replica), history: history)
                return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", body: Array(page.utf8))
            case let path where path.hasPrefix("/peer/"):
                let status = try NodeStatus.collect(context: context, replica: replica)
                guard let page = DrillDown.peer(String(path.dropFirst(6)), status: status, history: history) else {
                    return .error(404, "\(path.dropFirst(6).prefix(64)) is not a neighbour of \(context.node.id)")
                }
                return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", body: Array(page.utf8))
            case let path where path.hasPrefix("/dataset/"):
                let id = String(path.dropFirst(9))
                let status = try NodeStatus.collect(context: context, replica: replica)
                guard let page = DrillDown.dataset(id, status: status, entry: try CatalogService(replica: replica).entry(id),
                                                   definition: try replica.dataset(id)?.definition, history: history,
                                                   shares: try ShareView.all(replica), corrections: try CorrectionView.all(replica)) else {
                    return .error(404, "\(id.prefix(64)) is not a dataset held at \(context.node.id)")
                }
                return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", body: Array(page.utf8))
            case "/api/history": return .json(history.all)
            case "/metrics":
                let text = Metrics.prometheus(status: try snapshot().status, counters: replica.counters, refusals: refusals)
                return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(text.utf8))
            case "/api/status": return .json(try snapshot().status)
            case "/api/tree": return .json(try snapshot().tree)
            case "/api/conflicts": return .json(try ConflictView.all(replica))
            case "/api/shares": return .json(try ShareView.all(replica))
            case "/api/corrections": return .json(try CorrectionView.all(replica))
            default: return .error(404, "no such page \(request.path.prefix(100)); try /, /peer/ID, /dataset/ID, /metrics, /api/status, /api/tree, /api/history, /api/conflicts, /api/shares or /api/corrections")
            }
        } catch {
            return .error(500, "\(error)")
        }
    }

    private func snapshot() throws -> (status: NodeStatus, tree: FederationTreeStatus) {
        let status = try NodeStatus.collect(context: context, replica: replica)
        return (status, FederationTreeStatus.collect(context: context, own: status,
                                                      reports: try replica.store.read { try $0.subtreeReports(now: Date()) }))
    }
}

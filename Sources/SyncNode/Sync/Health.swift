import Foundation
import HTTP1
import SyncCore

/// The health exchange: a child tells its parent it is alive; the parent
/// answers with the same. Each side records when it last heard the other.
public struct HealthMessage: Codable, Sendable, Equatable {
    /// The sender's node id.
    public var node: String
    /// The sender's clock, ms since the epoch (lets the other side see clock skew).
    public var time: Int64
    /// The sender's syncnode version.
    public var version: String
    /// From a child: its own status summary first, then those of the nodes below it.
    public var reports: [NodeSummary]?

    public init(node: String, time: Int64 = Timestamp.millis(), version: String = SyncNodeVersion.current, reports: [NodeSummary]? = nil) {
        self.node = node
        self.time = time
        self.version = version
        self.reports = reports
    }
}

/// This build's version.
public enum SyncNodeVersion {
    public static let current = "0.1.0"
}

enum HealthEndpoint {
    /// `POST /v1/health`: records the caller as heard and answers with this node's health message.
    static func register(on router: inout Router, context: NodeContext, store: Store) {
        router.add("POST", "/v1/health") { request in
            let message: HealthMessage
            do { message = try JSON.decode(HealthMessage.self, from: Data(request.http.body)) } catch {
                throw RequestError.badJSON(error, endpoint: "POST /v1/health")
            }
            guard message.node == request.peer.id else {
                throw RequestError(400, "the body names node '\(message.node)' but the certificate is node '\(request.peer.id)'")
            }
            try store.recordHeard(from: request.peer.id, certificateNotAfter: request.peerCertificateNotAfter)
            // Keep only reports about the caller and the nodes below it.
            let below = Set([request.peer.id] + context.topology.descendants(of: request.peer.id).map(\.id))
            let reports = (message.reports ?? []).filter { below.contains($0.id) }
            if !reports.isEmpty { try store.storeReports(reports, via: request.peer.id) }
            return try .json(HealthMessage(node: context.node.id))
        }
    }
}

import Foundation
import HTTPSClient
import SyncCore
import TLS

/// Requests to this node's parent over mutual TLS: a libcurl client that
/// presents this node's certificate, trusts the federation CA only, refuses a
/// server that is not the parent or whose certificate is revoked, and turns an
/// answer other than 200 into a `PeerError` carrying the parent's reason.
/// One per thread.
final class ParentClient {
    let parent: NodeEntry
    private let client: HTTPSClient
    private let generation: CredentialGeneration?
    private var seenGeneration: Int

    /// A client to the parent of `context`'s node, or an error naming the root.
    convenience init(context: NodeContext) throws {
        guard let parent = context.parent else {
            throw SyncNodeError("reach the parent of \(context.node.id)", "it is the root of federation \(context.topology.federation): it has no parent")
        }
        self.init(context: context, parent: parent, generation: nil)
    }

    /// - Parameter generation: moves when credentials change; the client then reconnects and verifies afresh.
    init(context: NodeContext, parent: NodeEntry, generation: CredentialGeneration?) {
        self.parent = parent
        self.generation = generation
        seenGeneration = generation?.current ?? 0
        var configuration = HTTPSClientConfiguration(
            certificateFile: context.certificateFile, keyFile: context.keyFile, caFile: context.caFile,
            expectedPeer: NodeIdentity(federation: context.topology.federation, node: parent.id))
        configuration.connectTimeout = 5
        configuration.requestTimeout = 60
        configuration.revocationListFile = context.revocationListFile
        client = HTTPSClient(baseURL: parent.url, configuration: configuration)
    }

    /// The parent's certificate expiry, once connected.
    var peerCertificateNotAfter: Date? { client.peerCertificateNotAfter }

    /// Sends one request and returns the body of a 200 answer.
    func send(_ method: String, _ path: String, _ body: [UInt8]?, timeout: Double,
              contentType: String = "application/json") throws -> [UInt8] {
        if let generation, generation.current != seenGeneration {
            seenGeneration = generation.current
            client.closeConnections()
        }
        let response = try client.send(method: method, path: path, body: body.map { Data($0) }, contentType: contentType, timeout: timeout)
        guard response.status == 200 else {
            let reason = (try? MessageFields(Array(response.body), what: "error").string("error", maxBytes: 4096))
                ?? String(decoding: response.body.prefix(200), as: UTF8.self)
            throw PeerError(peer: parent.id, path: String(path.prefix { $0 != "?" }), status: response.status, reason: reason)
        }
        return Array(response.body)
    }
}

/// A neighbour answered with an error.
public struct PeerError: Error, CustomStringConvertible, Sendable {
    public let peer: String
    public let path: String
    public let status: Int
    public let reason: String

    public var description: String { "\(peer) answered \(status) to \(path): \(reason)" }
}

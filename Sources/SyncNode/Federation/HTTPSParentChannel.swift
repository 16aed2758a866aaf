import Foundation
import HTTPSClient
import SyncCore
import SyncEngine
import TLS

/// The parent, over mutual TLS: a libcurl client that presents this node's
/// certificate and refuses a server that is not the parent. One per thread.
final class HTTPSParentChannel: ParentChannel {
    private let parent: NodeEntry
    private let client: HTTPSClient
    private let generation: CredentialGeneration
    private var seenGeneration: Int

    /// - Parameters:
    ///   - revocationListFile: the federation's revocation list, checked against the parent's certificate.
    ///   - generation: moves when credentials change; the channel then reconnects and verifies afresh.
    init(context: NodeContext, revocationListFile: String, generation: CredentialGeneration) {
        let parent = context.parent!
        self.parent = parent
        self.generation = generation
        seenGeneration = generation.current
        var configuration = HTTPSClientConfiguration(
            certificateFile: context.certificateFile, keyFile: context.keyFile, caFile: context.caFile,
            expectedPeer: NodeIdentity(federation: context.topology.federation, node: parent.id))
        configuration.connectTimeout = 5
        configuration.requestTimeout = 60
        configuration.revocationListFile = revocationListFile
        client = HTTPSClient(baseURL: parent.url, configuration: configuration)
    }

    var peerCertificateNotAfter: Date? { client.peerCertificateNotAfter }

    func health(_ message: HealthMessage) throws -> HealthMessage {
        let body = try send("POST", Endpoint.health, message.encoded(), timeout: 10)
        do { return try HealthMessage.decode(body) } catch { throw PeerError(peer: parent.id, path: Endpoint.health, status: 200, reason: "unreadable answer: \(error)") }
    }

    func push(_ body: [UInt8]) throws -> PushAnswer {
        let answer = try send("POST", Endpoint.push, body, timeout: 60)
        do { return try PushAnswer.decode(answer) } catch { throw PeerError(peer: parent.id, path: Endpoint.push, status: 200, reason: "unreadable answer: \(error)") }
    }

    func pull(_ request: PullRequest) throws -> Batch {
        let body = try send("GET", request.path, nil, timeout: request.wait + 20)
        do { return try Batch.decode(body) } catch { throw PeerError(peer: parent.id, path: Endpoint.pull, status: 200, reason: "unreadable answer: \(error)") }
    }

    private func send(_ method: String, _ path: String, _ body: [UInt8]?, timeout: Double) throws -> [UInt8] {
        let now = generation.current
        if now != seenGeneration {
            seenGeneration = now
            client.closeConnections()
        }
        let response = try client.send(method: method, path: path, body: body.map { Data($0) }, timeout: timeout)
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

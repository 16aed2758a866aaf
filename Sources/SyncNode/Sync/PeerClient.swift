import Foundation
import HTTPSClient
import SyncCore
import TLS

/// A client for one neighbour, over mutual TLS, that expects the server to
/// prove it is that neighbour. Not thread-safe: one per thread.
public final class PeerClient {
    /// The neighbour it talks to.
    public let peer: NodeEntry
    private let client: HTTPSClient

    public init(context: NodeContext, peer: NodeEntry) {
        self.peer = peer
        var configuration = HTTPSClientConfiguration(
            certificateFile: context.certificateFile, keyFile: context.keyFile, caFile: context.caFile,
            expectedPeer: NodeIdentity(federation: context.topology.federation, node: peer.id))
        configuration.connectTimeout = 5
        configuration.requestTimeout = 60
        client = HTTPSClient(baseURL: peer.url, configuration: configuration)
    }

    /// The expiry of the neighbour's certificate, as last seen.
    public var peerCertificateNotAfter: Date? { client.peerCertificateNotAfter }

    /// POSTs `body` as JSON and decodes the JSON answer.
    /// - Throws: `PeerError` with the HTTP status and the peer's reason, or the transport failure.
    public func post<Body: Encodable, Answer: Decodable>(_ path: String, _ body: Body, as answer: Answer.Type,
                                                         timeout: Double? = nil) throws -> Answer {
        let response = try client.send(method: "POST", path: path, body: try JSON.encode(body), timeout: timeout)
        return try decode(response, path: path, as: answer)
    }

    /// POSTs raw JSON bytes and returns the answer's body (status 200 only).
    public func postRaw(_ path: String, _ body: [UInt8], timeout: Double? = nil) throws -> Data {
        let response = try client.send(method: "POST", path: path, body: Data(body), timeout: timeout)
        try check(response, path: path)
        return response.body
    }

    /// GETs `path` and returns the answer's body (status 200 only).
    public func getRaw(_ path: String, timeout: Double? = nil) throws -> Data {
        let response = try client.send(method: "GET", path: path, timeout: timeout)
        try check(response, path: path)
        return response.body
    }

    private func check(_ response: HTTPSResponse, path: String) throws {
        guard response.status == 200 else {
            let reason = (try? JSON.decode(ErrorBody.self, from: response.body).error)
                ?? String(decoding: response.body.prefix(200), as: UTF8.self)
            throw PeerError(peer: peer.id, path: path, status: response.status, reason: reason)
        }
    }

    private func decode<Answer: Decodable>(_ response: HTTPSResponse, path: String, as: Answer.Type) throws -> Answer {
        try check(response, path: path)
        do { return try JSON.decode(Answer.self, from: response.body) } catch {
            throw PeerError(peer: peer.id, path: path, status: response.status, reason: "unreadable answer: \(describe(error))")
        }
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

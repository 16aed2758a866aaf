import Foundation
import HTTP1
import SyncCore

/// A request from an authenticated, authorized neighbour.
public struct PeerRequest: Sendable {
    public let http: HTTPRequest
    /// The verified neighbour that sent it.
    public let peer: NodeEntry
    /// When its certificate expires.
    public let peerCertificateNotAfter: Date?
}

/// Answers one request.
public typealias Handler = @Sendable (PeerRequest) throws -> HTTPResponse

/// Routes requests by method and path to handlers. Errors thrown by handlers
/// become JSON error responses that say what was wrong.
public struct Router: Sendable {
    private var routes: [String: Handler] = [:]

    public init() {}

    /// Adds a handler for `method path`.
    public mutating func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        routes["\(method) \(path)"] = handler
    }

    /// Answers `request`.
    public func respond(to request: PeerRequest) -> HTTPResponse {
        let key = "\(request.http.method) \(request.http.path)"
        guard let handler = routes[key] else {
            let knownPath = routes.keys.contains { $0.hasSuffix(" \(request.http.path)") }
            return .error(knownPath ? 405 : 404, knownPath ? "method \(request.http.method) not allowed on \(request.http.path)"
                                                         : "no such endpoint \(request.http.path)")
        }
        do {
            return try handler(request)
        } catch let error as RequestError {
            return .error(error.status, error.message)
        } catch {
            return .error(500, "\(error)")
        }
    }
}

/// A handler's refusal with the status to answer with.
public struct RequestError: Error, Sendable {
    public let status: Int
    public let message: String

    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A body that is not the JSON the endpoint expects.
    public static func badJSON(_ error: any Error, endpoint: String) -> RequestError {
        RequestError(400, "the body of \(endpoint) is not valid: \(describe(error))")
    }
}

/// The JSON body of every error response: `{"error": "..."}`.
public struct ErrorBody: Codable, Sendable {
    public let error: String
}

extension HTTPResponse {
    /// A JSON error response.
    public static func error(_ status: Int, _ message: String) -> HTTPResponse {
        let body = (try? JSON.encode(ErrorBody(error: message)) as [UInt8]) ?? Array("{}".utf8)
        return HTTPResponse(status: status, contentType: "application/json", body: body)
    }

    /// A JSON response.
    public static func json<T: Encodable>(_ value: T, status: Int = 200) throws -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: try JSON.encode(value))
    }
}

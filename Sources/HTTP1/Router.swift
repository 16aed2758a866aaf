/// Routes requests by method and path to handlers. Errors thrown by handlers
/// become JSON error responses that say what was wrong; anything else a 500.
/// `Context` is what the server knows about the caller (a verified peer, …).
public struct Router<Context: Sendable>: Sendable {
    public typealias Handler = @Sendable (HTTPRequest, Context) throws -> HTTPResponse
    private var routes: [String: Handler] = [:]

    public init() {}

    /// Adds a handler for `method path`.
    public mutating func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        routes["\(method) \(path)"] = handler
    }

    /// Answers `request`.
    public func respond(to request: HTTPRequest, context: Context) -> HTTPResponse {
        let path = request.path
        guard let handler = routes["\(request.method) \(path)"] else {
            let knownPath = routes.keys.contains { $0.hasSuffix(" \(path)") }
            return .error(knownPath ? 405 : 404, knownPath ? "method \(request.method.prefix(16)) not allowed on \(path.prefix(100))"
                                                         : "no such endpoint \(path.prefix(100))")
        }
        do {
            return try handler(request, context)
        } catch let error as RequestError {
            return .error(error.status, error.message)
        } catch {
            return .error(500, "\(error)")
        }
    }
}

/// A handler's refusal with the status to answer with.
public struct RequestError: Error, Sendable, CustomStringConvertible {
    public let status: Int
    public let message: String

    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status) \(message)" }
}

extension HTTPResponse {
    /// A JSON error response: `{"error": "..."}`.
    public static func error(_ status: Int, _ message: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: Array("{\"error\":\(jsonString(message))}".utf8))
    }

    /// A JSON response of bytes already encoded.
    public static func json(_ body: [UInt8], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: body)
    }

    /// A JSON string literal for `text`.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = Array("0123456789abcdef")
                out += "\\u00" + String(hex[Int(c.value >> 4)]) + String(hex[Int(c.value & 15)])
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Why a request could not be parsed, with the status code to answer it with.
public struct HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The HTTP status to reply with before closing the connection.
    public let status: Int
    /// What was wrong, for the reply body and the log.
    public let message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status) \(message)" }
}

/// An error an operator can act on: what was being done, what went wrong,
/// what to do next, and the error it came from, when there is one.
public struct SyncNodeError: Error, CustomStringConvertible, Sendable {
    /// What was being done, e.g. "open the store".
    public let operation: String
    /// What went wrong.
    public let cause: String
    /// What to do about it.
    public let hint: String?
    /// The error underneath, kept for callers that decide by it.
    public let underlying: (any Error & Sendable)?

    public init(_ operation: String, _ cause: String, hint: String? = nil, underlying: (any Error & Sendable)? = nil) {
        self.operation = operation
        self.cause = cause
        self.hint = hint
        self.underlying = underlying
    }

    public var description: String {
        var text = "cannot \(operation): \(cause)"
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}

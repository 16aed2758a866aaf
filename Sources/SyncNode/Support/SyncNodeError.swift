/// An error an operator can act on: what was being done, what went wrong,
/// and what to do next.
public struct SyncNodeError: Error, CustomStringConvertible, Sendable {
    /// What was being done, e.g. "open the store".
    public let operation: String
    /// What went wrong.
    public let cause: String
    /// What to do about it.
    public let hint: String?

    public init(_ operation: String, _ cause: String, hint: String? = nil) {
        self.operation = operation
        self.cause = cause
        self.hint = hint
    }

    public var description: String {
        var text = "cannot \(operation): \(cause)"
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}

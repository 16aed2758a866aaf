/// A message from a peer, a file or a source system that does not have the
/// expected shape; the text names the field and what was wrong.
public struct WireError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

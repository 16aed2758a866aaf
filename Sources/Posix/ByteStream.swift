/// A connected byte stream: a TLS connection or a plain TCP socket. What an
/// HTTP connection loop needs, whichever it runs over.
public protocol ByteStream: AnyObject {
    /// Reads up to `count` bytes into `buffer`; 0 when the peer closed.
    func read(into buffer: inout [UInt8], count: Int) throws -> Int
    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) throws
    /// Waits up to `milliseconds` for bytes to read; false on timeout.
    func waitReadable(milliseconds: Int32) -> Bool
    /// Waits up to `milliseconds` for bytes to read; false on timeout or when `bell` rings first.
    func waitReadable(milliseconds: Int32, unless bell: Bell) -> Bool
    /// The peer's address, "host:port".
    var peerAddress: String { get }
}

import COpenSSL

/// A failure in OpenSSL or in the socket layer under it, carrying the operation
/// that failed and OpenSSL's error queue (drained where the failure happened).
public struct TLSError: Error, CustomStringConvertible, Sendable {
    /// What was being done, e.g. "TLS handshake with 127.0.0.1:52110".
    public let operation: String
    /// Why it failed, in OpenSSL's words or errno's.
    public let reason: String

    public init(_ operation: String, reason: String) {
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "\(operation): \(reason)" }

    /// Builds an error from OpenSSL's thread-local error queue, emptying it.
    static func fromQueue(_ operation: String, fallback: String = "unknown OpenSSL error") -> TLSError {
        TLSError(operation, reason: drainErrorQueue() ?? fallback)
    }
}

/// Empties OpenSSL's error queue into one readable line, or nil when it was empty.
func drainErrorQueue() -> String? {
    var reasons: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        if let r = ERR_reason_error_string(code) {
            reasons.append(String(cString: r))
        } else {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }
    return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
}

import Foundation
import HTTP1

/// The JSON settings for `--json` output and operators' APIs: sorted keys,
/// unescaped slashes and unicode, so output is stable and readable in Chinese.
/// (Everything read from a peer goes through SyncCore's strict reader.)
public enum JSON {
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> [UInt8] {
        Array(try encode(value, pretty: pretty) as Data)
    }

    /// Pretty JSON text, for `--json`.
    public static func text<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value, pretty: true) as Data, as: UTF8.self)
    }
}

extension HTTPResponse {
    /// A JSON response of an encodable value (500 if it cannot be encoded).
    public static func json<T: Encodable>(_ value: T, status: Int = 200) -> HTTPResponse {
        guard let body = try? JSON.encode(value) as [UInt8] else { return .error(500, "the answer could not be encoded") }
        return .json(body, status: status)
    }
}

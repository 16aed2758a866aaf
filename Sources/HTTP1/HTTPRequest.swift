/// A parsed HTTP/1.x request.
public struct HTTPRequest: Sendable {
    /// "GET", "POST", ...
    public var method: String
    /// The request target as sent, e.g. "/v1/changes?since=10".
    public var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: String, target: String, minorVersion: Int = 1, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.headers = headers
        self.body = body
    }

    /// The path part of the target.
    public var path: String {
        String(target.prefix { $0 != "?" })
    }

    /// The decoded query parameters.
    public var query: [String: String] {
        guard let mark = target.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(String(parts[0]))
            result[key] = parts.count > 1 ? percentDecode(String(parts[1])) : ""
        }
        return result
    }

    /// Whether the connection stays open after the response: HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool {
        let connection = headers["Connection"]?.lowercased() ?? ""
        if minorVersion >= 1 { return !connection.contains("close") }
        return connection.contains("keep-alive")
    }
}

func percentDecode(_ text: String) -> String {
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let b = iterator.next() {
        if b == UInt8(ascii: "%"), let h = iterator.next(), let l = iterator.next(),
           let v = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16) {
            bytes.append(v)
        } else if b == UInt8(ascii: "+") {
            bytes.append(UInt8(ascii: " "))
        } else {
            bytes.append(b)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

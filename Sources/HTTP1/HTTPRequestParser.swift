/// Limits that protect a server from oversized or endless requests.
public struct HTTPParserLimits: Sendable {
    /// Largest request line plus headers, in bytes.
    public var maxHeaderBytes = 32 * 1024
    /// Most header fields in one request.
    public var maxHeaderCount = 100
    /// Largest body, in bytes, whether sized by Content-Length or chunked.
    public var maxBodyBytes = 64 * 1024 * 1024

    public init(maxHeaderBytes: Int = 32 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 64 * 1024 * 1024) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}

/// An incremental HTTP/1.1 request parser. Feed it bytes as they arrive, in any
/// split; take complete requests with `next()`. Pipelined requests come out one
/// by one. Bodies sized by Content-Length and chunked bodies are supported.
/// Any error is final for the connection: answer with its status and close.
public struct HTTPRequestParser: Sendable {
    private enum State: Sendable {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
    }

    public let limits: HTTPParserLimits
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanFrom = 0
    private var state = State.head
    private var current: HTTPRequest?
    private var continueRequested = false

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// Adds bytes read from the connection.
    public mutating func feed<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// Whether bytes of an unfinished request are waiting.
    public var hasPartialRequest: Bool { start < buffer.count || current != nil }

    /// True once per request whose client sent `Expect: 100-continue` and now
    /// waits for the interim response before sending the body.
    public mutating func takeContinueRequest() -> Bool {
        defer { continueRequested = false }
        return continueRequested
    }

    /// The next complete request, or nil if more bytes are needed.
    public mutating func next() throws -> HTTPRequest? {
        while true {
            switch state {
            case .head:
                guard let request = try parseHead() else { return nil }
                current = request
            case .fixedBody(let remaining):
                let available = min(remaining, buffer.count - start)
                current!.body.append(contentsOf: buffer[start..<(start + available)])
                start += available
                if available < remaining {
                    state = .fixedBody(remaining: remaining - available)
                    compact()
                    return nil
                }
                return finish()
            case .chunkSize:
                guard let line = try takeLine(limit: 1024, what: "chunk size line") else { return nil }
                let sizeText = line.split(separator: UInt8(ascii: ";"), maxSplits: 1, omittingEmptySubsequences: false)[0]
                let hex = String(decoding: sizeText, as: UTF8.self).trimmingSpaces()
                guard !hex.isEmpty, hex.count <= 15, let size = Int(hex, radix: 16) else {
                    throw HTTPParseError(status: 400, message: "malformed chunk size '\(hex.prefix(20))'")
                }
                if current!.body.count + size > limits.maxBodyBytes {
                    throw HTTPParseError(status: 413, message: "body larger than \(limits.maxBodyBytes) bytes")
                }
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let available = min(remaining, buffer.count - start)
                current!.body.append(contentsOf: buffer[start..<(start + available)])
                start += available
                if available < remaining {
                    state = .chunkData(remaining: remaining - available)
                    compact()
                    return nil
                }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard buffer.count - start >= 2 else { return nil }
                guard buffer[start] == 13, buffer[start + 1] == 10 else {
                    throw HTTPParseError(status: 400, message: "chunk data not followed by CRLF")
                }
                start += 2
                state = .chunkSize
            case .trailers:
                guard let line = try takeLine(limit: limits.maxHeaderBytes, what: "trailer") else { return nil }
                if line.isEmpty { return finish() }
            }
        }
    }

    private mutating func finish() -> HTTPRequest? {
        let request = current
        current = nil
        state = .head
        compact()
        return request
    }

    private mutating func compact() {
        if start > 0 && (start == buffer.count || start > 65_536) {
            buffer.removeFirst(start)
            scanFrom = max(0, scanFrom - start)
            start = 0
        }
    }

    /// Takes one CRLF-terminated line, without the CRLF.
    private mutating func takeLine(limit: Int, what: String) throws -> ArraySlice<UInt8>? {
        var i = start
        while i + 1 < buffer.count {
            if buffer[i] == 13 && buffer[i + 1] == 10 {
                let line = buffer[start..<i]
                start = i + 2
                return line
            }
            i += 1
        }
        if buffer.count - start > limit {
            throw HTTPParseError(status: 400, message: "\(what) longer than \(limit) bytes")
        }
        return nil
    }

    private mutating func parseHead() throws -> HTTPRequest? {
        // Tolerate empty lines before a request (RFC 9112 §2.2).
        while buffer.count - start >= 2 && buffer[start] == 13 && buffer[start + 1] == 10 { start += 2 }
        var end: Int?
        var i = max(start, scanFrom)
        while i + 3 < buffer.count {
            if buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 { end = i; break }
            i += 1
        }
        guard let end else {
            scanFrom = max(start, buffer.count - 3)
            if buffer.count - start > limits.maxHeaderBytes {
                throw HTTPParseError(status: 431, message: "request headers larger than \(limits.maxHeaderBytes) bytes")
            }
            return nil
        }
        if end - start > limits.maxHeaderBytes {
            throw HTTPParseError(status: 431, message: "request headers larger than \(limits.maxHeaderBytes) bytes")
        }
        let head = buffer[start..<end]
        start = end + 4
        scanFrom = start
        var lines = head.split(separator: 10, omittingEmptySubsequences: false).map { line -> ArraySlice<UInt8> in
            line.last == 13 ? line.dropLast() : line
        }
        var request = try parseRequestLine(lines.removeFirst())
        if lines.count > limits.maxHeaderCount {
            throw HTTPParseError(status: 431, message: "more than \(limits.maxHeaderCount) header fields")
        }
        for line in lines {
            if line.first == 32 || line.first == 9 {
                throw HTTPParseError(status: 400, message: "obsolete header line folding is not accepted")
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
                throw HTTPParseError(status: 400, message: "malformed header line '\(String(decoding: line.prefix(40), as: UTF8.self))'")
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            guard name.utf8.allSatisfy(isTokenByte) else {
                throw HTTPParseError(status: 400, message: "invalid header name '\(name.prefix(40))'")
            }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces()
            request.headers.add(name, value)
        }
        try decideBody(for: &request)
        return request
    }

    private func parseRequestLine(_ line: ArraySlice<UInt8>) throws -> HTTPRequest {
        let parts = line.split(separator: 32, omittingEmptySubsequences: false)
        let text = String(decoding: line.prefix(80), as: UTF8.self)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte), !parts[1].isEmpty else {
            throw HTTPParseError(status: 400, message: "malformed request line '\(text)'")
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        let minor: Int
        switch version {
        case "HTTP/1.1": minor = 1
        case "HTTP/1.0": minor = 0
        default:
            if version.hasPrefix("HTTP/") {
                throw HTTPParseError(status: 505, message: "HTTP version '\(version.prefix(20))' is not supported; use HTTP/1.1")
            }
            throw HTTPParseError(status: 400, message: "malformed request line '\(text)'")
        }
        let target = String(decoding: parts[1], as: UTF8.self)
        guard target.hasPrefix("/") || target == "*", !target.utf8.contains(where: { $0 < 33 || $0 == 127 }) else {
            throw HTTPParseError(status: 400, message: "malformed request target '\(target.prefix(40))'")
        }
        return HTTPRequest(method: String(decoding: parts[0], as: UTF8.self), target: target, minorVersion: minor)
    }

    private mutating func decideBody(for request: inout HTTPRequest) throws {
        let encodings = request.headers.values("Transfer-Encoding")
        let lengths = request.headers.values("Content-Length")
        if !encodings.isEmpty {
            guard lengths.isEmpty else {
                throw HTTPParseError(status: 400, message: "both Transfer-Encoding and Content-Length are set")
            }
            guard encodings.count == 1, encodings[0].lowercased() == "chunked" else {
                throw HTTPParseError(status: 501, message: "Transfer-Encoding '\(encodings.joined(separator: ","))' is not supported; use chunked or Content-Length")
            }
            state = .chunkSize
        } else if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.count <= 18,
                  first.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let length = Int(first) else {
                throw HTTPParseError(status: 400, message: "invalid Content-Length '\(first.prefix(20))'")
            }
            guard length <= limits.maxBodyBytes else {
                throw HTTPParseError(status: 413, message: "body of \(length) bytes is larger than the limit of \(limits.maxBodyBytes)")
            }
            state = .fixedBody(remaining: length)
            request.body.reserveCapacity(length)
        } else {
            state = .fixedBody(remaining: 0)
        }
        if request.headers["Expect"]?.lowercased() == "100-continue", request.minorVersion >= 1 {
            if case .fixedBody(let n) = state, n == 0 {} else { continueRequested = true }
        }
    }
}

private func isTokenByte(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    default:
        return "!#$%&'*+-.^_`|~".utf8.contains(b)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let f = scalars.first, f == " " || f == "\t" { scalars.removeFirst() }
        while let l = scalars.last, l == " " || l == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}

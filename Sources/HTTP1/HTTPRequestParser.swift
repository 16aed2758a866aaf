/// Limits that protect a server from oversized or endless requests. Every
/// byte of a request counts against one of two budgets: the body's, and the
/// overhead's (request line, headers, chunk framing and extensions, trailers).
public struct HTTPParserLimits: Sendable {
    /// Largest request line plus headers, in bytes.
    public var maxHeaderBytes = 32 * 1024
    /// Most header (and trailer) fields in one request.
    public var maxHeaderCount = 100
    /// Largest body, in bytes, whether sized by Content-Length or chunked.
    public var maxBodyBytes = 64 * 1024 * 1024
    /// Most bytes of everything but body data: head, chunk-size lines with
    /// their extensions, and trailers together.
    public var maxOverheadBytes = 64 * 1024

    public init(maxHeaderBytes: Int = 32 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 64 * 1024 * 1024,
                maxOverheadBytes: Int = 64 * 1024) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxOverheadBytes = max(maxOverheadBytes, maxHeaderBytes)
    }
}

/// An incremental HTTP/1.1 request parser. Feed it bytes as they arrive, in any
/// split; take complete requests with `next()`. Pipelined requests come out one
/// by one. Bodies sized by Content-Length and chunked bodies are supported.
/// It is strict where leniency lets two parsers disagree (request smuggling):
/// lines end in CRLF, chunk sizes are 1-8 hex digits, field values hold no
/// control characters, Content-Length and Transfer-Encoding never come together.
/// Any error is final for the connection: answer with its status and close.
public struct HTTPRequestParser: Sendable {
    private enum State: Sendable {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(count: Int)
    }

    public let limits: HTTPParserLimits
    private var buffer: [UInt8] = []
    private var start = 0
    private var scanFrom = 0
    private var state = State.head
    private var current: HTTPRequest?
    private var continueRequested = false
    /// Bytes of the current request that are not body data.
    private var overhead = 0

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
    public mutating func next() throws(HTTPParseError) -> HTTPRequest? {
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
                let size = try chunkSize(line)
                if current!.body.count + size > limits.maxBodyBytes {
                    throw HTTPParseError(status: 413, message: "body larger than \(limits.maxBodyBytes) bytes")
                }
                state = size == 0 ? .trailers(count: 0) : .chunkData(remaining: size)
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
                try count(2)
                state = .chunkSize
            case .trailers(let fields):
                guard let line = try takeLine(limit: limits.maxHeaderBytes, what: "trailer") else { return nil }
                if line.isEmpty { return finish() }
                guard fields < limits.maxHeaderCount else {
                    throw HTTPParseError(status: 431, message: "more than \(limits.maxHeaderCount) trailer fields")
                }
                _ = try field(line)
                state = .trailers(count: fields + 1)
            }
        }
    }

    /// A chunk-size line: 1-8 hex digits, then optionally `;` and extensions (counted, ignored).
    private func chunkSize(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        let digits = line.prefix { $0 != UInt8(ascii: ";") }
        let extensions = line.dropFirst(digits.count)
        guard !digits.isEmpty, digits.count <= 8, digits.allSatisfy(isHexDigit) else {
            let shown = String(decoding: digits.prefix(20), as: UTF8.self)
            throw HTTPParseError(status: 400, message: "malformed chunk size '\(shown)': 1 to 8 hex digits are allowed")
        }
        if extensions.contains(where: { ($0 < 32 && $0 != 9) || $0 == 127 }) {
            throw HTTPParseError(status: 400, message: "control character in a chunk extension")
        }
        return digits.reduce(0) { $0 << 4 | hexValue($1) }
    }

    private mutating func finish() -> HTTPRequest? {
        let request = current
        current = nil
        state = .head
        overhead = 0
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

    /// Adds `bytes` to the request's overhead (everything but body data).
    private mutating func count(_ bytes: Int) throws(HTTPParseError) {
        overhead += bytes
        if overhead > limits.maxOverheadBytes {
            throw HTTPParseError(status: 431, message: "request framing (head, chunk sizes, extensions, trailers) larger than \(limits.maxOverheadBytes) bytes")
        }
    }

    /// Takes one CRLF-terminated line, without the CRLF; a line ending in a bare LF is refused.
    private mutating func takeLine(limit: Int, what: String) throws(HTTPParseError) -> ArraySlice<UInt8>? {
        var i = start
        while i < buffer.count {
            if buffer[i] == 10 {
                guard i > start, buffer[i - 1] == 13 else {
                    throw HTTPParseError(status: 400, message: "\(what) ends in a bare LF; lines end in CRLF")
                }
                let line = buffer[start..<(i - 1)]
                try count(i + 1 - start)
                start = i + 1
                return line
            }
            if i - start > limit { break }
            i += 1
        }
        if buffer.count - start > limit {
            throw HTTPParseError(status: 400, message: "\(what) longer than \(limit) bytes")
        }
        return nil
    }

    private mutating func parseHead() throws(HTTPParseError) -> HTTPRequest? {
        // Tolerate empty lines before a request (RFC 9112 §2.2).
        while buffer.count - start >= 2 && buffer[start] == 13 && buffer[start + 1] == 10 { start += 2 }
        var end: Int?
        var i = max(start, scanFrom)
        // Only as far as a head may reach: what lies beyond is judged the same however the bytes arrive.
        let reach = min(buffer.count, start + limits.maxHeaderBytes + 4)
        while i < reach {
            if buffer[i] == 10 && (i == start || buffer[i - 1] != 13) {
                throw HTTPParseError(status: 400, message: "a request line or header ends in a bare LF; lines end in CRLF")
            }
            if i + 3 < reach, buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 { end = i; break }
            i += 1
        }
        guard let end else {
            scanFrom = max(start, buffer.count - 3)
            // Everything within reach was scanned and held no end: the head is too long.
            if buffer.count - start >= limits.maxHeaderBytes + 4 {
                throw HTTPParseError(status: 431, message: "request headers larger than \(limits.maxHeaderBytes) bytes")
            }
            return nil
        }
        if end - start > limits.maxHeaderBytes {
            throw HTTPParseError(status: 431, message: "request headers larger than \(limits.maxHeaderBytes) bytes")
        }
        let head = buffer[start..<end]
        try count(end + 4 - start)
        start = end + 4
        scanFrom = start
        var lines = split(head)
        var request = try parseRequestLine(lines.removeFirst())
        if lines.count > limits.maxHeaderCount {
            throw HTTPParseError(status: 431, message: "more than \(limits.maxHeaderCount) header fields")
        }
        for line in lines {
            let (name, value) = try field(line)
            request.headers.add(name, value)
        }
        try decideBody(for: &request)
        return request
    }

    /// Lines of a head, split on CRLF; a bare CR or LF left inside a line is refused by the field checks.
    private func split(_ head: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = head.startIndex
        var i = head.startIndex
        while i + 1 < head.endIndex {
            if head[i] == 13 && head[i + 1] == 10 {
                lines.append(head[lineStart..<i])
                lineStart = i + 2
                i += 2
            } else {
                i += 1
            }
        }
        lines.append(head[lineStart..<head.endIndex])
        return lines
    }

    /// One header or trailer field: a token name, a colon, a value without control characters.
    private func field(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String) {
        if line.first == 32 || line.first == 9 {
            throw HTTPParseError(status: 400, message: "obsolete header line folding is not accepted")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
            throw HTTPParseError(status: 400, message: "malformed header line '\(String(decoding: line.prefix(40), as: UTF8.self))'")
        }
        let nameBytes = line[line.startIndex..<colon]
        guard nameBytes.allSatisfy(isTokenByte) else {
            throw HTTPParseError(status: 400, message: "invalid header name '\(String(decoding: nameBytes.prefix(40), as: UTF8.self))'")
        }
        let valueBytes = line[(colon + 1)...]
        if valueBytes.contains(where: { ($0 < 32 && $0 != 9) || $0 == 127 }) {
            throw HTTPParseError(status: 400, message: "control character in the value of header '\(String(decoding: nameBytes.prefix(40), as: UTF8.self))'")
        }
        return (String(decoding: nameBytes, as: UTF8.self), String(decoding: valueBytes, as: UTF8.self).trimmingSpaces())
    }

    private func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPRequest {
        let parts = line.split(separator: 32, omittingEmptySubsequences: false)
        let text = String(decoding: line.prefix(80), as: UTF8.self)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].count <= 16, parts[0].allSatisfy(isTokenByte), !parts[1].isEmpty else {
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
        guard target.hasPrefix("/") || target == "*", !parts[1].contains(where: { $0 < 33 || $0 == 127 }) else {
            throw HTTPParseError(status: 400, message: "malformed request target '\(target.prefix(40))'")
        }
        return HTTPRequest(method: String(decoding: parts[0], as: UTF8.self), target: target, minorVersion: minor)
    }

    private mutating func decideBody(for request: inout HTTPRequest) throws(HTTPParseError) {
        let encodings = request.headers.values("Transfer-Encoding")
        let lengths = request.headers.values("Content-Length")
        if !encodings.isEmpty {
            guard lengths.isEmpty else {
                throw HTTPParseError(status: 400, message: "both Transfer-Encoding and Content-Length are set")
            }
            guard request.minorVersion >= 1 else {
                throw HTTPParseError(status: 400, message: "Transfer-Encoding is not allowed in HTTP/1.0")
            }
            guard encodings.count == 1, encodings[0].lowercased() == "chunked" else {
                throw HTTPParseError(status: 501, message: "Transfer-Encoding '\(encodings.joined(separator: ",").prefix(40))' is not supported; use chunked or Content-Length")
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
            request.body.reserveCapacity(min(length, 1 << 20))
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

private func isHexDigit(_ b: UInt8) -> Bool {
    (48...57).contains(b) || (65...70).contains(b) || (97...102).contains(b)
}

private func hexValue(_ b: UInt8) -> Int {
    switch b {
    case 48...57: Int(b - 48)
    case 65...70: Int(b - 55)
    default: Int(b - 87)
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

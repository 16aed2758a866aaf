import HTTP1
import XCTest

final class HTTPRequestParserTests: XCTestCase {
    func parseAll(_ text: String, limits: HTTPParserLimits = HTTPParserLimits(), chunk: Int = .max) throws -> [HTTPRequest] {
        var parser = HTTPRequestParser(limits: limits)
        var out: [HTTPRequest] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + chunk)
            parser.feed(bytes[i..<end])
            i = end
            while let r = try parser.next() { out.append(r) }
        }
        return out
    }

    func assertStatus(_ text: String, _ status: Int, limits: HTTPParserLimits = HTTPParserLimits(), _ message: String? = nil,
                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parseAll(text, limits: limits), file: file, line: line) { error in
            guard let e = error as? HTTPParseError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(e.status, status, e.message, file: file, line: line)
            if let message { XCTAssertTrue(e.message.contains(message), e.message, file: file, line: line) }
        }
    }

    func testSimpleGet() throws {
        let r = try parseAll("GET /v1/health?x=1&name=%E5%9D%AA HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(r.count, 1)
        XCTAssertEqual(r[0].method, "GET")
        XCTAssertEqual(r[0].path, "/v1/health")
        XCTAssertEqual(r[0].query["x"], "1")
        XCTAssertEqual(r[0].query["name"], "坪")
        XCTAssertEqual(r[0].headers["host"], "a")
        XCTAssertTrue(r[0].keepAlive)
    }

    func testContentLengthBody() throws {
        let r = try parseAll("POST /v1/health HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
        XCTAssertEqual(r.first?.body, Array("hello".utf8))
    }

    func testPipelinedRequestsComeOutInOrder() throws {
        let text = "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\nPOST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
        let r = try parseAll(text)
        XCTAssertEqual(r.map(\.path), ["/a", "/b", "/c"])
        XCTAssertEqual(r.map { String(decoding: $0.body, as: UTF8.self) }, ["abc", "", "xy"])
    }

    func testPartialReadsOneByteAtATime() throws {
        let text = "POST /a HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello worldPOST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6;ext=1\r\n坪山\r\n1\r\n!\r\n0\r\nTrailer: x\r\n\r\n"
        for chunk in [1, 2, 3, 7, 64] {
            let r = try parseAll(text, chunk: chunk)
            XCTAssertEqual(r.map(\.path), ["/a", "/b"], "chunk \(chunk)")
            XCTAssertEqual(String(decoding: r[1].body, as: UTF8.self), "坪山!", "chunk \(chunk)")
        }
    }

    func testIncompleteRequestWaitsForMore() throws {
        var parser = HTTPRequestParser()
        parser.feed(Array("POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc".utf8))
        XCTAssertNil(try parser.next())
        XCTAssertTrue(parser.hasPartialRequest)
        parser.feed(Array("defghij".utf8))
        XCTAssertEqual(try parser.next()?.body.count, 10)
        XCTAssertFalse(parser.hasPartialRequest)
    }

    func testOversizedHeaders() {
        let limits = HTTPParserLimits(maxHeaderBytes: 1024)
        assertStatus("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 2000))\r\n\r\n", 431, limits: limits)
        // Also when the end of the headers has not arrived yet.
        assertStatus("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 2000))", 431, limits: limits)
        let many = (0..<120).map { "X-\($0): 1\r\n" }.joined()
        assertStatus("GET / HTTP/1.1\r\n\(many)\r\n", 431, "header fields")
    }

    func testOversizedBodies() {
        let limits = HTTPParserLimits(maxBodyBytes: 100)
        assertStatus("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", 413, limits: limits, "larger than the limit")
        let chunks = String(repeating: "40\r\n\(String(repeating: "z", count: 64))\r\n", count: 2)
        assertStatus("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\(chunks)0\r\n\r\n", 413, limits: limits)
    }

    func testMalformedLines() {
        assertStatus("GARBAGE\r\n\r\n", 400, "malformed request line")
        assertStatus("GET /\r\n\r\n", 400, "malformed request line")
        assertStatus("GET / HTTP/2.0\r\n\r\n", 505)
        assertStatus("GET noslash HTTP/1.1\r\n\r\n", 400, "request target")
        assertStatus("GET / HTTP/1.1\r\nNo colon here\r\n\r\n", 400, "malformed header line")
        assertStatus("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400, "invalid header name")
        assertStatus("GET / HTTP/1.1\r\nA: b\r\n  folded\r\n\r\n", 400, "folding")
        assertStatus("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "Content-Length")
        assertStatus("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, "Content-Length")
        assertStatus("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both")
        assertStatus("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501)
        assertStatus("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "chunk size")
        assertStatus("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n", 400, "CRLF")
    }

    func testKeepAliveRules() throws {
        XCTAssertFalse(try parseAll("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")[0].keepAlive)
        XCTAssertFalse(try parseAll("GET / HTTP/1.0\r\n\r\n")[0].keepAlive)
        XCTAssertTrue(try parseAll("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")[0].keepAlive)
    }

    func testExpectContinueIsSignalledOnce() throws {
        var parser = HTTPRequestParser()
        parser.feed(Array("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
        XCTAssertNil(try parser.next())
        XCTAssertTrue(parser.takeContinueRequest())
        XCTAssertFalse(parser.takeContinueRequest())
        parser.feed(Array("ok".utf8))
        XCTAssertEqual(try parser.next()?.body, Array("ok".utf8))
    }

    func testResponseSerialization() {
        let r = HTTPResponse(status: 403, contentType: "application/json", body: Array("{}".utf8))
        let text = String(decoding: r.serialize(keepAlive: false), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        XCTAssertTrue(text.contains("Content-Length: 2\r\n"))
        XCTAssertTrue(text.contains("Connection: close\r\n"))
        XCTAssertTrue(text.hasSuffix("\r\n\r\n{}"))
    }
}

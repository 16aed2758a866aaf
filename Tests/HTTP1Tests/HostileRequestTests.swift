import HTTP1
import XCTest

/// What a hostile client sends: the parser answers with a status, never traps,
/// and bounds everything it keeps.
final class HostileRequestTests: XCTestCase {
    func status(_ text: String, limits: HTTPParserLimits = HTTPParserLimits()) -> Int? {
        var parser = HTTPRequestParser(limits: limits)
        parser.feed(Array(text.utf8))
        do {
            while try parser.next() != nil {}
            return nil
        } catch {
            return error.status
        }
    }

    let chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"

    func testChunkSizesAreHexDigitsOnly() {
        for size in ["-1", "+5", " 5", "5 ", "0x5", "", "123456789", "fffffffffffffffff", "1_0", "٣"] {
            XCTAssertEqual(status(chunked + "\(size)\r\nabc\r\n0\r\n\r\n"), 400, "chunk size '\(size)'")
        }
        XCTAssertNil(status(chunked + "A;name=value\r\n0123456789\r\n0\r\n\r\n"))
        XCTAssertEqual(status(chunked + "5;\u{01}\r\nhello\r\n0\r\n\r\n"), 400, "a control character in an extension")
    }

    func testFramingExtensionsAndTrailersShareOneBudget() {
        let limits = HTTPParserLimits(maxHeaderBytes: 1024, maxBodyBytes: 1 << 20, maxOverheadBytes: 4096)
        // Many one-byte chunks with long extensions: the framing, not the body, is what grows.
        let chunks = String(repeating: "1;\(String(repeating: "e", count: 200))\r\nx\r\n", count: 40)
        XCTAssertEqual(status(chunked + chunks + "0\r\n\r\n", limits: limits), 431)
        let trailers = (0..<200).map { "T\($0): v\r\n" }.joined()
        XCTAssertEqual(status(chunked + "0\r\n" + trailers + "\r\n", limits: limits), 431, "trailers count too")
        XCTAssertEqual(status(chunked + "0\r\nBad Trailer: x\r\n\r\n"), 400, "trailers are checked like headers")
    }

    func testSmugglingShapesAreRefused() {
        XCTAssertEqual(status("GET / HTTP/1.1\nHost: a\n\n"), 400, "bare LF line ends")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"), 400, "a bare CR inside a value")
        XCTAssertEqual(status("GET / HTTP/1.1\r\nX: a\u{0}b\r\n\r\n"), 400, "NUL in a value")
        XCTAssertEqual(status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 501)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n"), 501)
        XCTAssertEqual(status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"), 400)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello"), 400)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"), 400)
        XCTAssertEqual(status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n"), 400)
        XCTAssertEqual(status("G\u{1}T / HTTP/1.1\r\n\r\n"), 400)
        XCTAssertEqual(status("\(String(repeating: "A", count: 40)) / HTTP/1.1\r\n\r\n"), 400, "a method longer than any real one")
    }

    func testEndlessHeadsAndLinesStopAtTheirLimit() {
        var parser = HTTPRequestParser(limits: HTTPParserLimits(maxHeaderBytes: 2048))
        var refused: Int?
        for _ in 0..<100 {
            parser.feed(Array(repeating: UInt8(ascii: "a"), count: 512))
            do { _ = try parser.next() } catch { refused = error.status; break }
        }
        XCTAssertEqual(refused, 431, "a head that never ends is refused once past the limit")
        var chunkLine = HTTPRequestParser()
        chunkLine.feed(Array((chunked + String(repeating: "1", count: 2000)).utf8))
        XCTAssertThrowsError(try chunkLine.next(), "a chunk-size line that never ends")
    }
}

/// Inputs the fuzzer found, kept as regressions.
final class FuzzFindingsTests: XCTestCase {
    /// A bare LF right after a request was checked when the bytes came at once but skipped when
    /// they came in pieces: two readings of one stream (found by Fuzz/run.sh in 160,000 runs).
    func testABareLFAfterARequestIsAnErrorHoweverTheBytesArrive() {
        let bytes = Array("PSOT / HTTP/1.1\r\nTransAPP-Enco: c)hunked\r\n\r\n\n;aer\r\r\n".utf8)
        for split in [1, 2, 3, 4, 5, bytes.count] {
            var parser = HTTPRequestParser()
            var requests = 0
            var failed: Int?
            var i = 0
            while i < bytes.count && failed == nil {
                parser.feed(bytes[i..<min(bytes.count, i + split)])
                i += split
                do { while try parser.next() != nil { requests += 1 } } catch { failed = error.status }
            }
            XCTAssertEqual(requests, 1, "split \(split)")
            XCTAssertEqual(failed, 400, "split \(split)")
        }
    }
}

import Foundation
import Posix
import XCTest

/// A bell wakes a thread waiting on a socket at once, and stays rung.
final class BellTests: XCTestCase {
    func testARingWakesAWaitOnASocketAndStaysRung() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let client = try TCPSocket.connect(to: "127.0.0.1", port: listener.port)
        defer { client.close() }
        let server = try XCTUnwrap(try listener.accept(timeoutMilliseconds: 5000))
        defer { server.close() }
        let bell = try Bell()
        XCTAssertFalse(bell.isRung)
        XCTAssertFalse(server.waitReadable(milliseconds: 50, unless: bell), "nothing to read, not rung: a timeout")

        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { bell.ring() }
        let began = Date()
        XCTAssertFalse(server.waitReadable(milliseconds: 10_000, unless: bell), "rung, not readable")
        let waited = Date().timeIntervalSince(began)
        XCTAssertLessThan(waited, 5, "the ring ended the 10 s wait")
        XCTAssertTrue(bell.isRung)
        XCTAssertFalse(server.waitReadable(milliseconds: 10_000, unless: bell), "still rung: returns at once")

        try client.write(Array("x".utf8))
        XCTAssertTrue(server.waitReadable(milliseconds: 5000, unless: bell), "bytes to read win over the bell")
    }

    func testARingWakesAnAccept() throws {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let bell = try Bell()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { bell.ring() }
        let began = Date()
        XCTAssertNil(try listener.accept(timeoutMilliseconds: 10_000, unless: bell))
        XCTAssertLessThan(Date().timeIntervalSince(began), 5)
    }
}

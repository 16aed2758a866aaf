import Foundation
import HTTP1
import Posix
@testable import SyncNode
import Synchronization
import XCTest

/// A socket that counts how often the loop waits on it.
final class CountingStream: ByteStream, @unchecked Sendable {   // used by the serving thread; `waits` read after it waited
    let socket: TCPSocket
    let waits = Mutex(0)
    init(_ socket: TCPSocket) { self.socket = socket }
    func read(into buffer: inout [UInt8], count: Int) throws -> Int { try socket.read(into: &buffer, count: count) }
    func write(_ bytes: [UInt8]) throws { try socket.write(bytes) }
    func waitReadable(milliseconds: Int32) -> Bool { waits.withLock { $0 += 1 }; return socket.waitReadable(milliseconds: milliseconds) }
    func waitReadable(milliseconds: Int32, unless bell: Bell) -> Bool {
        waits.withLock { $0 += 1 }
        return socket.waitReadable(milliseconds: milliseconds, unless: bell)
    }
    var peerAddress: String { socket.peerAddress }
}

/// The request loop of one connection: an idle connection closes at its idle timeout, and at
/// once when the server stops, without waking in slices meanwhile.
final class HTTPConnectionTests: XCTestCase {
    /// Serves one connection on a thread; returns the client's socket, the bell and a wait for the loop's end.
    func serve(idleTimeout: Double) throws -> (client: TCPSocket, bell: Bell, stream: CountingStream, ended: () -> Double?) {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let client = try TCPSocket.connect(to: "127.0.0.1", port: listener.port)
        let server = try XCTUnwrap(try listener.accept(timeoutMilliseconds: 5000))
        let bell = try Bell()
        var limits = ServerLimits()
        limits.idleTimeout = idleTimeout
        let deadlines = Deadlines { _, _ in }
        let done = DispatchGroup()   // waited on twice: by the test and by its teardown
        done.enter()
        let log = Log(node: "test", level: .error, sink: FileHandle.nullDevice)
        let stream = CountingStream(server)
        Thread.detachNewThread { [limits] in
            HTTPConnection.serve(stream, watch: ConnectionWatch(socket: server, deadlines: deadlines, limits: limits), limits: limits,
                                 label: "test", log: log, bell: bell, isStopping: { bell.isRung }) { _ in HTTPResponse(status: 200, body: Array("{}".utf8)) }
            server.close()
            done.leave()
        }
        let started = Date()
        addTeardownBlock { client.close(); bell.ring(); _ = done.wait(timeout: .now() + 10) }
        return (client, bell, stream, { done.wait(timeout: .now() + 10) == .success ? Date().timeIntervalSince(started) : nil })
    }

    func request(_ client: TCPSocket) throws -> String {
        try client.write(Array("GET /v1/keepalive HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        var buffer = [UInt8](repeating: 0, count: 4096)
        XCTAssertTrue(client.waitReadable(milliseconds: 5000))
        let n = try client.read(into: &buffer, count: buffer.count)
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }

    func testAnIdleConnectionClosesAtItsIdleTimeout() throws {
        let (client, _, _, ended) = try serve(idleTimeout: 0.6)
        XCTAssertTrue(try request(client).hasPrefix("HTTP/1.1 200"))
        let took = try XCTUnwrap(ended(), "the connection stayed open past its idle timeout")
        XCTAssertGreaterThanOrEqual(took, 0.55)
        XCTAssertLessThan(took, 5)
    }

    func testAnIdleConnectionClosesAtOnceWhenTheServerStops() throws {
        let (client, bell, stream, ended) = try serve(idleTimeout: 60)
        XCTAssertTrue(try request(client).hasPrefix("HTTP/1.1 200"))
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertLessThanOrEqual(stream.waits.withLock { $0 }, 2, "idle for 1.5 s: one wait for the request, one for what comes next, no slices")
        let rung = Date()
        bell.ring()
        XCTAssertNotNil(ended(), "a stop must end an idle connection, not wait out its 60 s")
        XCTAssertLessThan(Date().timeIntervalSince(rung), 2)
        var buffer = [UInt8](repeating: 0, count: 16)
        XCTAssertTrue(client.waitReadable(milliseconds: 2000))
        XCTAssertEqual(try client.read(into: &buffer, count: buffer.count), 0, "closed cleanly, not cut")
    }
}

import Foundation
import Posix
@testable import SyncNode
import Synchronization
import XCTest

/// The watchdog sleeps until the earliest deadline, and still cuts each connection on time.
final class DeadlinesTests: XCTestCase {
    func pair() throws -> (server: TCPSocket, client: TCPSocket) {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let client = try TCPSocket.connect(to: "127.0.0.1", port: listener.port)
        return (try XCTUnwrap(try listener.accept(timeoutMilliseconds: 5000)), client)
    }

    func testADeadlineArmedWhileTheWatchdogSleepsIsKeptAndADisarmedOneIsNot() throws {
        let cut = Mutex<[String]>([])
        let deadlines = Deadlines { _, what in cut.withLock { $0.append(what) } }
        deadlines.start()
        defer { deadlines.stop() }
        let long = try pair(), short = try pair(), disarmed = try pair()
        defer { for socket in [long.server, long.client, short.server, short.client, disarmed.server, disarmed.client] { socket.close() } }
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(deadlines.looks.withLock { $0 }, 0, "with nothing armed the watchdog sleeps, it does not poll")
        deadlines.arm(long.server, seconds: 60, what: "long")
        deadlines.arm(disarmed.server, seconds: 0.3, what: "disarmed")
        deadlines.disarm(disarmed.server)
        let armed = Date()
        deadlines.arm(short.server, seconds: 0.5, what: "short")            // sooner than the watchdog's next look
        XCTAssertTrue(short.server.waitReadable(milliseconds: 5000), "the cut wakes a thread blocked on the socket")
        let took = Date().timeIntervalSince(armed)
        XCTAssertGreaterThanOrEqual(took, 0.45)
        XCTAssertLessThan(took, 3)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(cut.withLock { $0 }, ["short"])
        XCTAssertFalse(long.server.waitReadable(milliseconds: 0))
        XCTAssertFalse(disarmed.server.waitReadable(milliseconds: 0))
    }
}

import Foundation
import Posix
import XCTest

/// A poke wakes the process listening on the name, and tells the sender whether one listens
/// (`syncnode import` says why it waits when no node serves the store).
final class WakeSocketTests: XCTestCase {
    func testAPokeReachesTheListenerAndSaysWhetherThereIsOne() throws {
        let name = "syncnode-test-wake-\(UUID().uuidString)"
        XCTAssertFalse(WakeReceiver.poke(name: name), "nobody listens yet")
        let receiver = try WakeReceiver(name: name)
        XCTAssertFalse(receiver.wait(milliseconds: 0), "no poke yet")
        XCTAssertTrue(WakeReceiver.poke(name: name), "a listener is there")
        XCTAssertTrue(receiver.wait(milliseconds: 1_000), "and woke")
        for _ in 0..<1_000 { XCTAssertTrue(WakeReceiver.poke(name: name), "a full queue still counts as a listener") }
        receiver.close()
        XCTAssertFalse(WakeReceiver.poke(name: name), "closed: nobody listens")
    }
}

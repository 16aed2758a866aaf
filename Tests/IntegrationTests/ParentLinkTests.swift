import Foundation
import SyncTesting
import XCTest

/// The connections a child's parent link keeps.
final class ParentLinkTests: XCTestCase {
    /// A child opens its push connection when it starts, before it has anything to send, and keeps it
    /// open while idle: the first change goes out on it without a TCP and TLS handshake on the way
    /// (~7 ms per hop). The city logs every connection it accepts (`peer_connected`, at debug level).
    func testTheFirstChangeGoesOutOnAConnectionAlreadyOpen() throws {
        let f = try Federation.withDistrictAndCityData(self)
        try f.start("sz", extra: ["--log-level", "debug"])
        try f.start("sz-pingshan")
        func connections() -> Int {
            f.log("sz").split(separator: "\n").filter { $0.contains("event=peer_connected") && $0.contains("node=sz-pingshan") }.count
        }
        // Health, pull and push: three connections, the push one opened with nothing to push yet.
        XCTAssertTrue(f.waitUntil(timeout: 20) { connections() >= 3 }, "connections from the district: \(connections())\n\(f.log("sz"))")
        Thread.sleep(forTimeInterval: 0.5)
        let before = connections()
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=E1", "region=440310", "name=第一条"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz", "ps-enterprise").count == 1 })
        XCTAssertEqual(connections(), before, "the change needed a new connection:\n\(f.log("sz"))")
    }

    /// A parent away long enough for the child's push loop to back off for many seconds is used again
    /// within about a health interval once it is back: the health loop keeps trying at its interval
    /// (0.2 s here) and, once through, wakes the push loop from its backoff (which alone would wait a
    /// random 0–30 s).
    func testAReturningParentIsUsedAgainWithinAHealthInterval() throws {
        let f = try Federation.withDistrictAndCityData(self)
        try f.start("sz")
        try f.start("sz-pingshan")
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=E1", "region=440310", "name=之前"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz", "ps-enterprise").count == 1 })
        f.stop("sz")
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=E2", "region=440310", "name=离线时"]).check()
        Thread.sleep(forTimeInterval: 12)   // the push loop fails and backs off: 0.5, 1, 2, 4, 8 … s, jittered
        try f.start("sz")
        let back = Date()
        XCTAssertTrue(f.waitUntil(timeout: 40) { try f.records("sz", "ps-enterprise").count == 2 })
        let took = Date().timeIntervalSince(back)
        XCTAssertLessThan(took, 5, "the change waited \(String(format: "%.1f", took)) s after the parent was back:\n\(f.log("sz-pingshan"))")
    }
}

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
}

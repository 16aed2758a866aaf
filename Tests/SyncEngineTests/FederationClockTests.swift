import Foundation
import SyncCore
import SyncEngine
import SyncTesting
import XCTest

/// The clock a node stamps with follows its parent's.
final class FederationClockTests: XCTestCase {
    func testTheCorrectionFollowsTheParentAndIgnoresJitterAndSlowExchanges() throws {
        let base = TestClock()
        let replica = try Replica(topology: SampleCatalog.topology(), nodeID: "sz-pingshan", store: try SQLiteStoreFactory.memory("sz-pingshan"),
                                  wallClock: base)
        let clock = replica.wallClock
        XCTAssertEqual(clock.correctionMillis, 0)
        XCTAssertEqual(clock.millis(), base.millis())
        // This machine runs three hours ahead of its parent.
        let now = clock.millis()
        XCTAssertEqual(clock.adjust(sent: now, received: now + 40, parentMillis: now + 20 - 10_800_000), -10_800_000)
        XCTAssertEqual(clock.millis(), base.millis() - 10_800_000)
        // Within jitter: nothing moves. An exchange that took seconds says nothing reliable.
        let corrected = clock.millis()
        XCTAssertNil(clock.adjust(sent: corrected, received: corrected + 10, parentMillis: corrected + 300))
        XCTAssertNil(clock.adjust(sent: corrected, received: corrected + 5_000, parentMillis: corrected + 60_000))
        // A slow exchange on a loaded hub: 1.9 s round trip, the parent answered at its very end.
        // The 950 ms "offset" is within the round trip's uncertainty, not skew.
        XCTAssertNil(clock.adjust(sent: corrected, received: corrected + 1_900, parentMillis: corrected + 1_900))
        XCTAssertEqual(clock.correctionMillis, -10_800_000)
        // A hostile reading cannot overflow the arithmetic.
        XCTAssertNotNil(clock.adjust(sent: corrected, received: corrected + 10, parentMillis: .max))
        XCTAssertLessThanOrEqual(abs(clock.correctionMillis), 1 << 51)
    }
}

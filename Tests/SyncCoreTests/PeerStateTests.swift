import SyncCore
@testable import SyncNode
import XCTest

/// The link states operators see, by table: silent stalls must not look healthy.
final class PeerStateTests: XCTestCase {
    let policy = Policy(silentAfterSeconds: 60, stalledAfterSeconds: 120)

    func state(heard: Int?, failing: Bool = false, waiting: Int = 0, oldest: Int? = nil, resync: Bool = false) -> PeerState {
        PeerState.assess(lastHeardSecondsAgo: heard, failingSinceHeard: failing, waiting: waiting,
                         oldestWaitingSeconds: oldest, resyncOwed: resync, policy: policy)
    }

    func testStates() {
        XCTAssertEqual(state(heard: nil), .neverConnected)
        XCTAssertEqual(state(heard: 5), .ok)
        XCTAssertEqual(state(heard: 5, waiting: 3000, oldest: 2), .ok, "a busy link that moves is fine")
        XCTAssertEqual(state(heard: 5, waiting: 3, oldest: 600), .stalled, "connected but not making progress")
        XCTAssertEqual(state(heard: 61), .silent)
        XCTAssertEqual(state(heard: 5, failing: true), .failing)
        XCTAssertEqual(state(heard: 5, resync: true), .resyncOwed)
        XCTAssertEqual(state(heard: 500, waiting: 3, oldest: 600), .silent, "silence is reported before the stall it causes")
    }

    func testDashboardEscapesText() {
        XCTAssertEqual(HTML.e("<script>\"&'"), "&lt;script&gt;&quot;&amp;&#39;")
    }
}

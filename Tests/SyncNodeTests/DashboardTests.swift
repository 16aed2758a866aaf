import Foundation
import SyncCore
import SyncEngine
@testable import SyncNode
import XCTest

/// The dashboard's map, charts and sample ring, without a node: a province
/// of 144 nodes folds its healthy branches, opens the troubled one, fits the
/// page and escapes every name.
final class DashboardTests: XCTestCase {
    func entry(_ id: String, name: String, parent: String?, depth: Int, state: String = "ok") -> FederationTreeStatus.Entry {
        FederationTreeStatus.Entry(id: id, name: name, tier: depth == 0 ? "province" : depth == 1 ? "city" : "district", parent: parent, depth: depth,
                                   state: state, silent: state == "silent", ageSeconds: 3, outbox: 0, lagSeconds: 0, conflicts: 0, records: 10,
                                   quality: nil, problems: [])
    }

    /// 1 province, 21 cities, 122 districts; `troubled` is silent.
    func province(troubled: String? = nil, name: (String) -> String = { "区\($0)" }) -> FederationTreeStatus {
        var nodes = [entry("gd", name: "广东省", parent: nil, depth: 0)]
        for c in 0..<21 {
            nodes.append(entry("c\(c)", name: "市\(c)", parent: "gd", depth: 1))
            for d in 0..<(122 / 21 + (c < 122 % 21 ? 1 : 0)) {
                let id = "d\(c)-\(d)"
                nodes.append(entry(id, name: name(id), parent: "c\(c)", depth: 2, state: id == troubled ? "silent" : "ok"))
            }
        }
        return FederationTreeStatus(root: "gd", generatedAt: "now", nodes: nodes)
    }

    func states(_ svg: String) -> [String: String] {
        var found: [String: String] = [:]
        let pattern = try! NSRegularExpression(pattern: #"data-node="([^"]+)" data-state="([^"]+)""#)
        for match in pattern.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)) {
            found[String(svg[Range(match.range(at: 1), in: svg)!])] = String(svg[Range(match.range(at: 2), in: svg)!])
        }
        return found
    }

    func width(_ svg: String) -> Int {
        Int(svg.split(separator: "\"")[3]) ?? .max
    }

    func testAProvinceFoldsHealthyBranchesAndOpensTroubledOnes() {
        let tree = province(troubled: "d5-2")
        XCTAssertEqual(tree.nodes.count, 144)
        let svg = FederationMap.svg(tree) { "/peer/\($0)" }
        let shown = states(svg)
        XCTAssertEqual(shown["d5-2"], "silent", "the troubled district is drawn")
        XCTAssertEqual(shown["c5"], "ok")
        XCTAssertNotNil(shown["d5-0"], "its healthy siblings are drawn too")
        XCTAssertNil(shown["d6-0"], "healthy cities are folded")
        XCTAssertTrue(svg.contains(#"data-node="c6" data-state="ok" data-folded="6""#), "a folded city says how many it hides")
        XCTAssertEqual(shown.count, 1 + 21 + 6)
        XCTAssertLessThanOrEqual(width(svg), 1400, "rows wrap to fit the page")
        XCTAssertTrue(svg.contains("#c92a2a"), "silent is red")
    }

    func testASmallTreeIsDrawnWholeAndNamesAreEscaped() {
        var tree = province()
        tree.nodes = Array(tree.nodes.prefix(8))
        tree.nodes[3].name = "<script>alert(1)</script>"
        let svg = FederationMap.svg(tree) { _ in nil }
        XCTAssertEqual(states(svg).count, 8)
        XCTAssertFalse(svg.contains("<script>"))
        XCTAssertTrue(svg.contains("&lt;script&gt;"))
    }

    func testSparklinesNeedTwoSamplesAndSayTheirRange() {
        XCTAssertNil(Sparkline.svg([1], label: "x"))
        let svg = Sparkline.svg([0, 5, 10], label: "延迟 lag", unit: " s")!
        XCTAssertTrue(svg.contains("class=\"spark\"") && svg.contains("<polyline"))
        XCTAssertTrue(svg.contains("延迟 lag: 10 s (0–10 s, 3 samples)"), svg)
        XCTAssertTrue(Sparkline.svg([3, 3, 3], label: "flat")!.contains("points="), "a flat series still draws")
    }

    func testTheSampleRingIsBounded() {
        let history = History(capacity: 3)
        let counters = ReplicationCounters()
        for n in 0..<5 {
            counters.changesReceived.increment("sz", by: 10)
            history.record(peers: [.init(id: "sz", state: "ok", outbox: n, lagSeconds: 0, lastError: n == 3 ? "boom" : nil, lastErrorAt: n == 3 ? "t3" : nil)],
                           records: ["ds": n], conflicts: 0, openTickets: 0, counters: counters, now: Date(timeIntervalSince1970: Double(n) * 60))
        }
        XCTAssertEqual(history.all.count, 3)
        XCTAssertEqual(history.all.map { $0.records["ds"] }, [2, 3, 4], "the oldest go first")
        XCTAssertEqual(history.all.last?.peers["sz"]?.changesIn, 10, "changes since the sample before")
        XCTAssertEqual(history.errors(of: "sz"), [History.PeerError(at: "t3", error: "boom")])
    }
}

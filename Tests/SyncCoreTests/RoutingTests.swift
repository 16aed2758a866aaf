import SyncCore
import XCTest

final class RoutingTests: XCTestCase {
    var topology: Topology!
    var routing: Routing { Routing(topology: topology) }

    override func setUpWithError() throws {
        func n(_ id: String, _ tier: Tier, _ region: String, _ parent: String?, _ port: Int) throws -> NodeEntry {
            NodeEntry(id: id, tier: tier, region: try RegionCode(region), parent: parent, name: id, url: "https://127.0.0.1:\(port)")
        }
        topology = try Topology(federation: "t", nodes: [
            try n("gd", .province, "440000", nil, 1), try n("sz", .city, "440300", "gd", 2), try n("sw", .city, "441500", "gd", 3),
            try n("sz-pingshan", .district, "440310", "sz", 4), try n("sz-futian", .district, "440304", "sz", 5),
            try n("sw-chengqu", .district, "441502", "sw", 6), try n("gd-amr", .vertical, "440000", "gd", 7),
        ])
    }

    func dataset(_ source: String, _ share: ShareType, _ backflow: BackflowScope) -> DatasetDefinition {
        DatasetDefinition(id: "d", name: "d", sourceNode: source, shareType: share, backflow: backflow, keyItem: "k", regionItem: "r",
                          items: [ItemDefinition(name: "k", title: "k", type: .string), ItemDefinition(name: "r", title: "r", type: .string)])
    }

    func test(_ d: DatasetDefinition, _ region: String, at node: String, from: String?) -> [String] {
        routing.destinations(dataset: d, region: try! RegionCode(region), at: node, from: from)
    }

    func testDistrictRecordsAggregateUpAndNeverReturnToTheSender() {
        let d = dataset("sz-pingshan", .unconditional, .region)
        XCTAssertEqual(test(d, "440310", at: "sz-pingshan", from: nil), ["sz"])
        XCTAssertEqual(test(d, "440310", at: "sz", from: "sz-pingshan"), ["gd"], "not back to the district, not to its sibling")
        XCTAssertEqual(test(d, "440310", at: "gd", from: "sz"), [], "not back down to the city it came from")
    }

    func testBackflowByRegionGoesOnlyToTheDistrictConcerned() {
        let cityData = dataset("sz", .unconditional, .region)
        XCTAssertEqual(test(cityData, "440304", at: "sz", from: nil), ["gd", "sz-futian"])
        let provinceData = dataset("gd", .unconditional, .region)
        XCTAssertEqual(test(provinceData, "441502", at: "gd", from: nil), ["sw"])
        XCTAssertEqual(test(provinceData, "441502", at: "sw", from: "gd"), ["sw-chengqu"])
    }

    func testVerticalSystemDataFlowsDownThroughProvinceAndCity() {
        let vertical = dataset("gd-amr", .unconditional, .region)
        XCTAssertEqual(test(vertical, "440310", at: "gd-amr", from: nil), ["gd"])
        XCTAssertEqual(test(vertical, "440310", at: "gd", from: "gd-amr"), ["sz"])
        XCTAssertEqual(test(vertical, "440310", at: "sz", from: "gd"), ["sz-pingshan"])
    }

    func testScopesAndShareTypes() {
        XCTAssertEqual(test(dataset("gd", .unconditional, .all), "440000", at: "gd", from: nil), ["sz", "sw"], "all: every child but vertical systems")
        XCTAssertEqual(test(dataset("gd", .unconditional, .none), "440310", at: "gd", from: nil), [])
        XCTAssertEqual(test(dataset("sz", .conditional, .region), "440310", at: "sz", from: nil), ["gd"], "conditional: up, but down only with a grant")
        XCTAssertEqual(test(dataset("sz-pingshan", .none, .region), "440310", at: "sz-pingshan", from: nil), ["sz"], "不予共享: aggregated up (归集) by default")
        XCTAssertEqual(test(dataset("sz-pingshan", .none, .all), "440310", at: "sz", from: "sz-pingshan"), ["gd"], "and never down")
    }

    func testProposalsTravelTowardTheAuthority() {
        XCTAssertEqual(routing.towardAuthority("sz-pingshan", at: "sz", from: nil), "sz-pingshan")
        XCTAssertEqual(routing.towardAuthority("sz-pingshan", at: "gd", from: nil), "sz")
        XCTAssertEqual(routing.towardAuthority("sz-pingshan", at: "sw-chengqu", from: nil), "sw")
        XCTAssertEqual(routing.towardAuthority("gd-amr", at: "sz", from: nil), "gd")
        XCTAssertEqual(routing.towardAuthority("gd-amr", at: "gd", from: nil), "gd-amr")
        XCTAssertNil(routing.towardAuthority("sz", at: "sz", from: nil))
        XCTAssertNil(routing.towardAuthority("sz-pingshan", at: "sz", from: "sz-pingshan"))
    }
}

extension RoutingTests {
    func testHoldersFollowRoutingHopByHop() throws {
        let region = try RegionCode("440310")
        XCTAssertEqual(routing.holders(dataset: dataset("sz-pingshan", .unconditional, .region), region: region), ["sz-pingshan", "sz", "gd"])
        XCTAssertEqual(routing.holders(dataset: dataset("gd-amr", .unconditional, .region), region: region), ["gd-amr", "gd", "sz", "sz-pingshan"])
        XCTAssertEqual(routing.holders(dataset: dataset("gd", .unconditional, .all), region: try RegionCode("440000")),
                       ["gd", "sz", "sw", "sz-pingshan", "sz-futian", "sw-chengqu"])
        XCTAssertEqual(routing.holders(dataset: dataset("sw-chengqu", .conditional, .region), region: try RegionCode("441502")),
                       ["sw-chengqu", "sw", "gd"])
    }
}

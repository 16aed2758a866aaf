import SyncCore
import XCTest

/// Each validation rule, one by one, on a small valid federation changed in one place.
final class TopologyTests: XCTestCase {
    func node(_ id: String, _ tier: String, _ region: String, parent: String? = nil, port: Int, name: String? = nil) -> [String: Any] {
        var n: [String: Any] = ["id": id, "tier": tier, "region": region, "name": name ?? id, "url": "https://127.0.0.1:\(port)"]
        if let parent { n["parent"] = parent }
        return n
    }

    var valid: [[String: Any]] {
        [node("gd", "province", "440000", port: 7001),
         node("sz", "city", "440300", parent: "gd", port: 7002),
         node("sz-pingshan", "district", "440310", parent: "sz", port: 7003),
         node("gd-amr", "vertical", "440000", parent: "gd", port: 7004)]
    }

    func decode(_ nodes: [[String: Any]], federation: String = "gd-test") throws -> Topology {
        let data = try JSONSerialization.data(withJSONObject: ["federation": federation, "policy": [:] as [String: Any], "nodes": nodes])
        return try Topology.decode(data)
    }

    /// Asserts decoding fails with a problem naming `node` and `field` whose message contains `text`.
    func assertProblem(_ nodes: [[String: Any]], node: String?, field: String, _ text: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(nodes), file: file, line: line) { error in
            guard let error = error as? TopologyError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertTrue(error.problems.contains { $0.node == node && $0.field == field && $0.message.contains(text) },
                          "expected \(node ?? "-").\(field) ~ \(text) in:\n\(error)", file: file, line: line)
        }
    }

    func testValidTopologyLoadsWithItsRelations() throws {
        let t = try decode(valid)
        XCTAssertEqual(t.root.id, "gd")
        XCTAssertEqual(t.parent(of: "sz-pingshan")?.id, "sz")
        XCTAssertEqual(t.children(of: "gd").map(\.id), ["sz", "gd-amr"])
        XCTAssertEqual(t.neighbours(of: "sz").map(\.id), ["gd", "sz-pingshan"])
        XCTAssertTrue(t.areNeighbours("sz", "sz-pingshan"))
        XCTAssertFalse(t.areNeighbours("gd", "sz-pingshan"))
        XCTAssertEqual(t.path(to: "sz-pingshan"), ["gd", "sz", "sz-pingshan"])
        XCTAssertEqual(t.descendants(of: "gd").map(\.id), ["sz", "sz-pingshan", "gd-amr"])
        XCTAssertEqual(t.node("sz-pingshan")?.port, 7003)
        XCTAssertEqual(t.policy.shareRequestDays, 5, "policy defaults apply")
    }

    func testTheDemoTopologyIsValid() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Topology/guangdong-demo.json")
        let t = try Topology.load(path: url.path)
        XCTAssertEqual(t.federation, "gd-demo")
        XCTAssertEqual(t.nodes.count, 7)
        XCTAssertEqual(t.root.region.code, "440000")
        XCTAssertFalse(t.policy.holidays.isEmpty)
    }

    func testExactlyOneRoot() {
        var two = valid
        two[1]["parent"] = nil
        assertProblem(two, node: nil, field: "parent", "exactly one root")
        var none = valid
        none[0]["parent"] = "sz"
        assertProblem(none, node: nil, field: "parent", "no root")
    }

    func testParentsMustExist() {
        var nodes = valid
        nodes[2]["parent"] = "nowhere"
        assertProblem(nodes, node: "sz-pingshan", field: "parent", "'nowhere' is not a node")
    }

    func testNoCycles() {
        var nodes = valid
        nodes.append(node("a", "city", "440500", parent: "b", port: 7010))
        nodes.append(node("b", "city", "440600", parent: "a", port: 7011))
        assertProblem(nodes, node: "a", field: "parent", "loops back")
    }

    func testChildRegionWithinParent() {
        var nodes = valid
        nodes[2]["region"] = "441502"
        assertProblem(nodes, node: "sz-pingshan", field: "region", "not within parent 'sz'")
        var city = valid
        city[1]["region"] = "110100"
        assertProblem(city, node: "sz", field: "region", "not within parent 'gd'")
    }

    func testVerticalNodesAreExceptedFromContainment() throws {
        var nodes = valid
        nodes[3]["region"] = "110000"   // a national system's front-end under the province
        XCTAssertNoThrow(try decode(nodes))
    }

    func testUniqueIDsAndURLs() {
        var ids = valid
        ids[3]["id"] = "sz"
        assertProblem(ids, node: "sz", field: "id", "more than one node")
        var urls = valid
        urls[3]["url"] = "https://127.0.0.1:7002"
        assertProblem(urls, node: "gd-amr", field: "url", "also the URL of node 'sz'")
    }

    func testInvalidCodesTiersURLsAndIDsNameTheField() {
        var region = valid
        region[2]["region"] = "44031x"
        assertProblem(region, node: "sz-pingshan", field: "region", "6 digits")
        var tier = valid
        tier[2]["tier"] = "county"
        assertProblem(tier, node: "sz-pingshan", field: "tier", "not one of")
        var url = valid
        url[2]["url"] = "http://127.0.0.1:7003"
        assertProblem(url, node: "sz-pingshan", field: "url", "https://HOST:PORT")
        var id = valid
        id[3]["id"] = "GD AMR"
        assertProblem(id, node: "GD AMR", field: "id", "lowercase")
        var missing = valid
        missing[2]["region"] = nil
        assertProblem(missing, node: "sz-pingshan", field: "region", "required")
    }

    func testTierMustMatchRegionLevelAndPlace() {
        var level = valid
        level[2]["region"] = "440300"
        assertProblem(level, node: "sz-pingshan", field: "region", "city code but the node's tier is district")
        var place = valid
        place[2]["parent"] = "gd"
        assertProblem(place, node: "sz-pingshan", field: "tier", "cannot hang under province")
    }

    func testBadJSONIsReported() {
        XCTAssertThrowsError(try Topology.decode(Data("{\"nodes\": 3}".utf8))) { error in
            XCTAssertTrue("\(error)".contains("not valid topology JSON"), "\(error)")
        }
    }

    func testCoverage() throws {
        let t = try decode(valid)
        XCTAssertTrue(t.node("sz")!.covers(try RegionCode("440310")))
        XCTAssertFalse(t.node("sz")!.covers(try RegionCode("441502")))
        XCTAssertTrue(t.node("gd-amr")!.covers(try RegionCode("441502")))
    }

    func testURLParts() {
        XCTAssertEqual(URLParts("https://127.0.0.1:7411")?.port, 7411)
        XCTAssertEqual(URLParts("https://[::1]:7411/")?.host, "::1")
        XCTAssertEqual(URLParts("https://hub.example.gov.cn")?.port, 443)
        XCTAssertNil(URLParts("https://127.0.0.1:99999"))
        XCTAssertNil(URLParts("https://127.0.0.1:7411/path"))
    }
}

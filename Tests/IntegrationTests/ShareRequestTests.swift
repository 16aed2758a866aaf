import Foundation
import SyncCore
import SyncTesting
import XCTest

/// Conditional sharing between five real processes over mTLS: a district asks
/// another city's district for its conditional dataset; the request is filed at
/// the hubs on the way; late, it is overdue at both ends; granted with a mask,
/// only the granted, masked items reach the requester and no one else; used,
/// the use is reported to the source; past its last day the flow stops and the
/// copies go. A refusal carries its basis back; verification answers without
/// releasing a record; a dataset not shared is aggregated but never sent down.
final class ShareRequestTests: XCTestCase {
    static let nodes: [Federation.NodeSpec] = [
        .init(id: "gd", tier: "province", region: "440000", name: "广东省"),
        .init(id: "sz", tier: "city", region: "440300", parent: "gd", name: "深圳市"),
        .init(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
        .init(id: "sw", tier: "city", region: "441500", parent: "gd", name: "汕尾市"),
        .init(id: "sw-chengqu", tier: "district", region: "441502", parent: "sw", name: "城区"),
    ]

    func shares(_ f: Federation, _ id: String, offsetDays: Int = 0) throws -> [[String: Any]] {
        let out = try f.run(["share", "list"] + f.fleet.nodeArguments(id) + ["--json"],
                            environment: offsetDays == 0 ? [:] : ["SYNCNODE_CLOCK_OFFSET_SECONDS": String(offsetDays * 86_400)]).check()
        return try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]] ?? []
    }

    func share(_ f: Federation, _ node: String, _ id: String) throws -> [String: Any]? {
        try shares(f, node).first { $0["id"] as? String == id }
    }

    func verify(_ f: Federation, _ dataset: String, _ pairs: [String]) throws -> Fleet.RunResult {
        try f.run(["verify"] + f.fleet.nodeArguments("sz-pingshan") + ["--dataset", dataset, "--key", "P1"] + pairs)
    }

    func testARequestAcrossCitiesFromFilingToExpiry() throws {
        let f = try Federation(self, nodes: Self.nodes, datasets: [
            FleetTopology.dataset("cq-population", source: "sw-chengqu", key: "personId",
                                  items: [FleetTopology.item("name"), FleetTopology.item("phone")], shareType: "conditional"),
            FleetTopology.dataset("cq-secret", source: "sw-chengqu", key: "personId", items: [FleetTopology.item("name")], shareType: "none"),
        ])
        try f.issueCertificates()
        for node in Self.nodes { try f.start(node.id) }
        try f.write("sw-chengqu", "cq-population", lines: [
            #"{"personId": "P1", "region": "441502", "name": "张三", "phone": "13800001111"}"#,
            #"{"personId": "P2", "region": "441502", "name": "李四", "phone": "13900002222"}"#,
        ]).check()
        try f.write("sw-chengqu", "cq-secret", ["personId=P1", "region=441502", "name=张三"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.records("gd", "cq-population").count == 2 && f.records("gd", "cq-secret").count == 1 })

        // The request is filed at the hubs on its way and pending at the source.
        let made = try f.run(["share", "request"] + f.fleet.nodeArguments("sz-pingshan") + [
            "--dataset", "cq-population", "--items", "personId,region,name", "--purpose", "困难群众救助核对", "--basis", "《社会救助暂行办法》", "--json",
        ]).check()
        let request = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])
        let id = try XCTUnwrap(request["id"] as? String)
        XCTAssertEqual(request["status"] as? String, "pending")
        XCTAssertTrue(f.waitUntil(timeout: 30) { try self.share(f, "sw-chengqu", id) != nil }, "the request did not reach the source")
        for (node, role) in [("sz-pingshan", "requester"), ("sz", "filed"), ("gd", "filed"), ("sw", "filed"), ("sw-chengqu", "source")] {
            XCTAssertTrue(f.waitUntil(timeout: 20) { try self.share(f, node, id)?["role"] as? String == role }, "\(node) as \(role)")
        }

        // Unanswered past its deadline: overdue at both ends, in the list, status and metrics.
        for node in ["sz-pingshan", "sw-chengqu"] {
            XCTAssertEqual(try shares(f, node, offsetDays: 30).first?["overdue"] as? Bool, true, node)
            let status = try f.run(["status"] + f.fleet.nodeArguments(node) + ["--json"], environment: ["SYNCNODE_CLOCK_OFFSET_SECONDS": "2592000"])
            XCTAssertEqual(status.status, 2, node)
            XCTAssertTrue(status.stdout.contains("is overdue"), status.stdout)
        }
        XCTAssertEqual(try shares(f, "sz-pingshan").first?["overdue"] as? Bool, false, "not overdue today")

        // Only the source answers; a grant with a mask sends the granted, masked items to the requester only.
        let wrong = try f.run(["share", "grant"] + f.fleet.nodeArguments("gd") + [id])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("answered by its source sw-chengqu"), wrong.stderr)
        let today = Self.today()
        try f.run(["share", "grant"] + f.fleet.nodeArguments("sw-chengqu") + [id, "--mask", "name=first:1", "--until", today]).check()
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.records("sz-pingshan", "cq-population").count == 2 }, "the granted records did not arrive")
        let copies = try f.records("sz-pingshan", "cq-population")
        XCTAssertEqual(copies["P1"]?["name"] as? String, "张*")
        XCTAssertNil(copies["P1"]?["phone"], "an item not asked for is not sent")
        XCTAssertEqual(try f.records("sz", "cq-population").count, 0, "the hub on the way holds nothing")
        XCTAssertEqual(try f.records("sz", "_grant.\(id)").count, 0)
        XCTAssertEqual(try share(f, "sz-pingshan", id)?["status"] as? String, "granted")
        // Each part is signed by the node that made it: the request by the requester, the answer by the
        // source (at every node on the way), the masked copies by the releasing node.
        XCTAssertEqual(try f.signers("sz-pingshan", "_grant.\(id)"), ["gd": 2])
        for node in ["sz", "gd", "sw"] {
            XCTAssertTrue(f.waitUntil(timeout: 10) { Set(try f.signers(node, "_shares").keys) == ["sz-pingshan", "sw-chengqu"] }, node)
        }
        XCTAssertTrue(f.waitUntil(timeout: 20) { (try self.share(f, "sw-chengqu", id)?["usage"] as? [String: Any])?["reads"] as? Int ?? 0 > 0 },
                      "the grantee's reads were not reported to the source")

        // Verification answers without releasing a record; a dataset not shared is held at the hubs, never sent down.
        let match = try verify(f, "cq-population", ["name=张三"])
        XCTAssertEqual(match.status, 0, match.stdout + match.stderr)
        XCTAssertTrue(match.stdout.contains("answered by gd"), match.stdout)
        XCTAssertEqual(try verify(f, "cq-secret", ["name=王五"]).status, 1)
        XCTAssertEqual(try verify(f, "cq-secret", ["name=张三"]).status, 0)
        XCTAssertEqual(try verify(f, "no-such", ["name=张三"]).status, 2)
        XCTAssertEqual(try f.records("sz-pingshan", "cq-secret").count, 0)
        XCTAssertEqual(try f.records("sz", "cq-secret").count, 0)
        XCTAssertEqual(try f.records("sw", "cq-secret").count, 1, "aggregated to the hubs (归集)")
        let log = try f.run(["verify"] + f.fleet.nodeArguments("gd") + ["--log", "--json"]).check()
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [[String: Any]])?.count, 3, "every answer is logged where it was given")

        // A refusal carries its basis back.
        let second = try f.run(["share", "request"] + f.fleet.nodeArguments("sz-pingshan") + [
            "--dataset", "cq-population", "--purpose", "统计", "--basis", "《统计法》", "--json",
        ]).check()
        let secondID = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])?["id"] as? String)
        XCTAssertTrue(f.waitUntil(timeout: 30) { try self.share(f, "sw-chengqu", secondID) != nil })
        try f.run(["share", "refuse"] + f.fleet.nodeArguments("sw-chengqu") + [secondID, "--basis", "《个人信息保护法》第十三条"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 30) { try self.share(f, "sz-pingshan", secondID)?["status"] as? String == "refused" })
        XCTAssertEqual(try share(f, "sz-pingshan", secondID)?["answerBasis"] as? String, "《个人信息保护法》第十三条")

        // Two days on, the grant (until today) has expired: the flow stops and the copies go.
        f.stopAll()
        let later = ["SYNCNODE_CLOCK_OFFSET_SECONDS": String(2 * 86_400)]
        for node in Self.nodes { try f.start(node.id, environment: later) }
        func grantCopies() throws -> Int {
            let out = try f.run(["records"] + f.fleet.nodeArguments("sz-pingshan") + ["--dataset", "_grant.\(id)", "--json"], environment: later).check()
            return (try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [Any])?.count ?? -1
        }
        XCTAssertTrue(f.waitUntil(timeout: 30) { try grantCopies() == 0 }, "the expired grant's copies were not removed")
        XCTAssertEqual(try shares(f, "sz-pingshan", offsetDays: 2).first { $0["id"] as? String == id }?["status"] as? String, "expired")
        try f.run(["write"] + f.fleet.nodeArguments("sw-chengqu") + ["--dataset", "cq-population", "personId=P3", "region=441502", "name=王五"],
                  environment: later).check()
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.records("gd", "cq-population").count == 3 })
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(try grantCopies(), 0, "nothing flows after the grant ended")
    }

    /// Today in China (UTC+8), as the nodes count days.
    static func today() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        return formatter.string(from: Date())
    }
}

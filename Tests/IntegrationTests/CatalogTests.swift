import Foundation
import SyncTesting
import XCTest

/// The catalog federated between real processes: a district publishes, the
/// city and the province list it, another district sees it, a withdrawal
/// propagates, and only the source may publish.
final class CatalogTests: XCTestCase {
    static func entryJSON(source: String = "sz-pingshan", summary: String = "坪山区企业法人基本信息", extraItems: String = "") -> String {
        """
        {"id": "ps-enterprise", "name": "坪山区法人基本信息", "summary": "\(summary)", "provider": "坪山区市场监督管理局",
         "sourceNode": "\(source)", "format": "数据库表", "relatedSystem": "商事登记系统",
         "classification": {"category": "法人", "grade": "一般"}, "shareType": "unconditional", "shareMethod": "api",
         "openType": "conditional", "updateFrequency": "day", "usageConditions": "不得用于履职以外用途", "purpose": "共享",
         "contact": {"name": "陈工", "phone": "0755-28300001"},
         "backflow": "region", "keyItem": "uscc", "regionItem": "region",
         "items": [{"name": "uscc", "title": "统一社会信用代码", "type": "string"},
                   {"name": "region", "title": "行政区划代码", "type": "string"},
                   {"name": "name", "title": "企业名称", "type": "string"}\(extraItems)],
         "systems": ["amr-registry"], "status": "published", "version": 1}
        """
    }

    func catalog(_ f: Federation, _ id: String) throws -> [[String: Any]] {
        let out = try f.run(["catalog", "list"] + f.fleet.nodeArguments(id) + ["--json"]).check()
        return try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]] ?? []
    }

    func testPublishListWithdrawAcrossTheFederation() throws {
        let f = try Federation.small(self)
        try f.issueCertificates()
        for id in ["gd", "sz", "sz-pingshan", "sz-futian"] { try f.start(id) }
        let file = "\(f.directory)/entry.json"
        try Self.entryJSON().write(toFile: file, atomically: false, encoding: .utf8)

        // Records of a dataset with no published entry are refused.
        let early = try f.write("sz-pingshan", "ps-enterprise", ["uscc=E1", "region=440310", "name=企业"])
        XCTAssertNotEqual(early.status, 0)
        XCTAssertTrue(early.stderr.contains("no published catalog entry"), early.stderr)

        // Another node may not publish an entry whose source is the district.
        let wrong = try f.run(["catalog", "publish"] + f.fleet.nodeArguments("sz-futian") + [file])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.stderr.contains("only that node may publish"), wrong.stderr)

        let published = try f.run(["catalog", "publish"] + f.fleet.nodeArguments("sz-pingshan") + [file]).check()
        XCTAssertTrue(published.stdout.contains("version 1"), published.stdout)
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            try ["gd", "sz", "sz-futian"].allSatisfy { try self.catalog(f, $0).first?["id"] as? String == "ps-enterprise" }
        }, "the entry did not reach every node")
        // The entry is the source's own, signed: every node holds the district's signature, not a hub's.
        for id in ["gd", "sz", "sz-futian"] { XCTAssertEqual(try f.signers(id, "_catalog"), ["sz-pingshan": 1], id) }
        let shown = try f.run(["catalog", "show"] + f.fleet.nodeArguments("sz-futian") + ["ps-enterprise"]).check()
        XCTAssertTrue(shown.stdout.contains("统一社会信用代码") && shown.stdout.contains("(key)"), shown.stdout)

        // Now records flow, and a change of the entry is a new version everywhere.
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=E1", "region=440310", "name=企业"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("gd", "ps-enterprise").count == 1 })
        try Self.entryJSON(summary: "修订后的摘要").write(toFile: file, atomically: false, encoding: .utf8)
        try f.run(["catalog", "publish"] + f.fleet.nodeArguments("sz-pingshan") + [file]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try self.catalog(f, "gd").first?["version"] as? Int == 2 })

        // Withdrawal (下架) propagates; records stop flowing; copies stay, marked.
        try f.run(["catalog", "withdraw"] + f.fleet.nodeArguments("sz-pingshan") + ["ps-enterprise"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            try ["gd", "sz", "sz-futian"].allSatisfy { try self.catalog(f, $0).first?["status"] as? String == "withdrawn" }
        })
        XCTAssertEqual(try f.records("gd", "ps-enterprise").count, 1, "existing copies are kept")
        let status = try f.status("gd")["datasets"] as? [[String: Any]]
        XCTAssertEqual(status?.first { $0["id"] as? String == "ps-enterprise" }?["withdrawn"] as? Bool, true)
        let refused = try f.write("sz-pingshan", "ps-enterprise", ["uscc=E2", "region=440310", "name=新企业"])
        XCTAssertTrue(refused.stderr.contains("withdrawn"), refused.stderr)

        let dcat = try f.run(["catalog", "dcat"] + f.fleet.nodeArguments("gd")).check()
        XCTAssertTrue(dcat.stdout.contains("\"dcat:Dataset\"") && dcat.stdout.contains("坪山区法人基本信息"), dcat.stdout)
    }
}

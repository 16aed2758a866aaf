import Foundation
import HTTPSClient
import SyncTesting
import TLS
import XCTest

/// Quality rules at the door, between real processes: refused rows name the
/// row, item and rule at write, import and the ingestion API; flagged rows are
/// counted; the figures reach status, metrics and the province's tree.
final class QualityTests: XCTestCase {
    static let entry = """
        {"id": "ps-enterprise", "name": "坪山区法人基本信息", "summary": "企业法人", "provider": "坪山区市场监督管理局",
         "sourceNode": "sz-pingshan", "format": "数据库表", "relatedSystem": "商事登记系统",
         "classification": {"category": "法人", "grade": "一般"}, "shareType": "unconditional", "shareMethod": "api",
         "openType": "conditional", "updateFrequency": "day", "usageConditions": "不得用于履职以外用途", "purpose": "共享",
         "contact": {"name": "陈工", "phone": "0755-28300001"}, "backflow": "region", "keyItem": "uscc", "regionItem": "region",
         "items": [{"name": "uscc", "title": "统一社会信用代码", "type": "string", "element": "DE01001", "rules": {"check": "uscc"}},
                   {"name": "region", "title": "行政区划代码", "type": "string"},
                   {"name": "name", "title": "企业名称", "type": "string", "rules": {"required": true, "maxLength": 50}},
                   {"name": "legal", "title": "法定代表人身份证号", "type": "string", "rules": {"check": "id-card", "action": "flag"}},
                   {"name": "phone", "title": "联系电话", "type": "string", "rules": {"pattern": "1[3-9][0-9]{9}", "action": "flag"}}],
         "systems": ["amr-registry"], "status": "published", "version": 1}
        """

    func testRulesRefuseOrCountAtEveryDoor() throws {
        let f = try Federation.small(self)
        try f.issueCertificates()
        let entry = "\(f.directory)/entry.json"
        try Self.entry.write(toFile: entry, atomically: false, encoding: .utf8)
        let node = f.fleet.nodeArguments("sz-pingshan")
        try f.run(["catalog", "publish"] + node + [entry]).check()
        for id in ["gd", "sz", "sz-pingshan"] { try f.start(id) }

        // write: a wrong check character is refused, naming the item and the rule.
        let bad = try f.write("sz-pingshan", "ps-enterprise", ["uscc=91350100M000100Y44", "region=440310", "name=坪山企业"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("item 'uscc' breaks its rule check uscc"), bad.stderr)
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=91350100M000100Y43", "region=440310", "name=坪山企业", "legal=11010519491231002X",
                                                     "phone=13800001111"]).check()

        // import: one bad row refuses the file, naming the row; flagged rows are taken and counted.
        let refused = "\(f.directory)/bad.csv"
        try "uscc,region,name\n91110000600037341L,440310,好企业\n914403001922038216,440310,\n".write(toFile: refused, atomically: false, encoding: .utf8)
        let importBad = try f.run(["import"] + node + ["--dataset", "ps-enterprise", refused])
        XCTAssertNotEqual(importBad.status, 0)
        XCTAssertTrue(importBad.stderr.contains("row 3") && importBad.stderr.contains("item 'name' breaks its rule required"), importBad.stderr)
        let flagged = "\(f.directory)/flagged.csv"
        try "uscc,region,name,legal,phone\n91110000600037341L,440310,好企业,440308199901101512,13900002222\n914403001922038216,440310,另一家,110105194912310021,12345\n"
            .write(toFile: flagged, atomically: false, encoding: .utf8)
        try f.run(["import"] + node + ["--dataset", "ps-enterprise", flagged]).check()
        XCTAssertEqual(try f.records("sz-pingshan", "ps-enterprise").count, 3)

        // ingest: the same rules.
        let certs = "\(f.directory)/systems"
        try f.run(["cert", "issue", "--ca", f.caDirectory, "--topology", f.topologyPath, "--node", "sz-pingshan",
                   "--system", "amr-registry", "--out", certs]).check()
        var configuration = HTTPSClientConfiguration(certificateFile: "\(certs)/amr-registry.pem", keyFile: "\(certs)/amr-registry.key",
                                                     caFile: "\(certs)/ca.pem", expectedPeer: NodeIdentity(federation: f.federation, node: "sz-pingshan"))
        configuration.requestTimeout = 10
        let client = HTTPSClient(baseURL: f.url("sz-pingshan"), configuration: configuration)
        let batch = #"{"dataset": "ps-enterprise", "upsert": [{"uscc": "NOT-A-CODE", "region": "440310", "name": "接口"}]}"#
        let answer = try client.send(method: "POST", path: "/v1/ingest", body: Data(batch.utf8))
        XCTAssertEqual(answer.status, 422)
        XCTAssertTrue(String(decoding: answer.body, as: UTF8.self).contains("check uscc"), String(decoding: answer.body, as: UTF8.self))

        // The figures: 4 rows checked, 1 flagged (bad phone and ID), 1 incomplete (no legal/phone).
        let status = try f.status("sz-pingshan")
        let dataset = (status["datasets"] as? [[String: Any]])?.first { $0["id"] as? String == "ps-enterprise" }
        let quality = try XCTUnwrap(dataset?["quality"] as? [String: Any])
        XCTAssertEqual(quality["checked"] as? Int, 3)
        XCTAssertEqual(quality["flagged"] as? Int, 1)
        XCTAssertEqual(quality["incomplete"] as? Int, 0)
        XCTAssertEqual(quality["invalidRate"] as? Double ?? 0, 1.0 / 3, accuracy: 0.001)
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            let tree = try f.status("gd", tree: true)
            let entry = (tree["nodes"] as? [[String: Any]])?.first { $0["id"] as? String == "sz-pingshan" }
            return (entry?["quality"] as? String)?.contains("33.3% invalid") == true
        }, "the quality figures did not reach the province's tree")
    }
}

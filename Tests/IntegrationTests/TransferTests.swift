import Foundation
import SyncTesting
import XCTest

/// Getting data in and out with the real binary: import, export, validation, encodings.
final class TransferTests: XCTestCase {
    var f: Federation!

    override func setUpWithError() throws {
        f = try Federation.small(self)
        try f.issueCertificates()
        let entry = "\(f.directory)/entry.json"
        try CatalogTests.entryJSON(extraItems: #", {"name": "capital", "title": "注册资本", "type": "integer"}, {"name": "established", "title": "成立日期", "type": "date"}"#)
            .write(toFile: entry, atomically: false, encoding: .utf8)
        try f.run(["catalog", "publish"] + f.fleet.nodeArguments("sz-pingshan") + [entry]).check()
    }

    func file(_ name: String, _ text: String) throws -> String {
        let path = "\(f.directory)/\(name)"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func importing(_ path: String, _ extra: [String] = []) throws -> Federation.RunResult {
        try f.run(["import"] + f.fleet.nodeArguments("sz-pingshan") + [
                   "--dataset", "ps-enterprise"] + extra + [path])
    }

    func exporting(_ extra: [String] = []) throws -> String {
        try f.run(["export"] + f.fleet.nodeArguments("sz-pingshan") + [
                   "--dataset", "ps-enterprise"] + extra).check().stdout
    }

    let csv = """
        uscc,region,name,capital,established
        A001,440310,深圳市坪山区华信科技有限公司,500,2019-03-08
        A002,440310,"坪山区""鹏程""物流有限公司, 分公司",1200,2021-11-30
        A003,440310,"多行
        名称",,2008-01-15

        """

    func testCSVRoundTripWithChineseText() throws {
        let result = try importing(try file("in.csv", csv)).check()
        XCTAssertTrue(result.stdout.contains("imported 3 rows"), result.stdout)
        let out = try exporting()
        XCTAssertEqual(out, csv.replacingOccurrences(of: "uscc,region,name,capital,established", with: "uscc,region,name,capital,established"))
        // Exported CSV imports again to the same state.
        try importing(try file("again.csv", out)).check()
        XCTAssertEqual(try exporting(), out)
    }

    func testJSONLinesRoundTrip() throws {
        let lines = """
            {"uscc": "J1", "region": "440310", "name": "坪山 \\"引号\\" 公司", "capital": 7}
            {"uscc": "J2", "region": "440310", "name": "第二家", "established": "2020-02-29"}

            """
        try importing(try file("in.jsonl", lines)).check()
        let out = try exporting(["--format", "jsonl"])
        let parsed = try out.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(parsed.count, 2)
        XCTAssertEqual(parsed[0]["name"] as? String, "坪山 \"引号\" 公司")
        XCTAssertEqual(parsed[0]["capital"] as? Int, 7)
        XCTAssertEqual(parsed[1]["established"] as? String, "2020-02-29")
        XCTAssertNil(parsed[1]["capital"], "absent items stay absent")
    }

    func testGB18030InputIsDetectedOrChosen() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/enterprises-gb18030.csv").path
        try importing(fixture).check()   // detected
        XCTAssertTrue(try exporting().contains("深圳市龍華電子有限公司"))
        XCTAssertTrue(try exporting().contains("\"坪山区\"\"鹏程\"\"物流有限公司, 分公司\""))
        try importing(fixture, ["--encoding", "gb18030"]).check()   // chosen
        let wrong = try importing(fixture, ["--encoding", "utf-8"])
        XCTAssertNotEqual(wrong.status, 0, "GB18030 read as UTF-8 gives wrong text, refused as such or as bad rows")
    }

    func testEachValidationErrorNamesFileRowAndItemAndNothingIsApplied() throws {
        try importing(try file("good.csv", "uscc,region,name\nKEEP,440310,已有\n")).check()
        let bad = """
            uscc,region,name,capital,established
            B1,440310,好的一行,1,2020-01-01
            B2,440310,类型错,lots,2020-01-01
            B3,440310,日期错,1,2020-02-30
            ,440310,缺主键,1,2020-01-01
            B5,,缺区划,1,2020-01-01
            B6,440304,区域外,1,2020-01-01
            B7,4403,区划码错,1,2020-01-01
            B8,440310,也是好的,2,2020-01-02

            """
        let path = try file("bad.csv", bad)
        let report = "\(f.directory)/report.txt"
        let result = try importing(path, ["--report", report])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("6 of 8 rows have errors; nothing was applied"), result.stderr)
        let lines = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 6, lines.joined(separator: "\n"))
        let expectations = [("row 3, item 'capital'", "not of type integer"), ("row 4", "not a date"), ("row 5", "key item 'uscc'"),
                            ("row 6", "region item 'region'"), ("row 7", "outside this node's area"), ("row 8", "6 digits")]
        for (place, reason) in expectations {
            XCTAssertTrue(lines.contains { $0.hasPrefix(path) && $0.contains(place) && $0.contains(reason) }, "\(place) \(reason):\n\(lines.joined(separator: "\n"))")
        }
        XCTAssertEqual(try exporting().split(separator: "\n").count, 2, "the dataset is unchanged: header and the one earlier record")
        let unknown = try importing(try file("unknown.csv", "uscc,region,colour\nX,440310,red\n"))
        XCTAssertTrue(unknown.stderr.contains("the header names no data item of ps-enterprise: colour"), unknown.stderr)
        let badJSON = try importing(try file("bad.jsonl", "{\"uscc\": \"Z\", \"region\": \"440310\", \"colour\": 1}\n{oops\n"))
        XCTAssertTrue(badJSON.stderr.contains("row 1") && badJSON.stderr.contains("no data item 'colour'"), badJSON.stderr)
        XCTAssertTrue(badJSON.stderr.contains("row 2") && badJSON.stderr.contains("not valid JSON"), badJSON.stderr)
        // Run without the node's certificate directory it cannot sign: one error saying so (not one per row), nothing applied.
        let rows = (0..<600).map { "N\($0),440310,无证书\($0)" }.joined(separator: "\n")
        let unsigned = try f.run(["import"] + f.fleet.nodeArguments("sz-pingshan", certs: "\(f.directory)/no-certs")
                                 + ["--dataset", "ps-enterprise", try file("unsigned.csv", "uscc,region,name\n" + rows + "\n")])
        XCTAssertEqual(unsigned.status, 1)
        XCTAssertTrue(unsigned.stderr.contains("cannot sign its changes, so nothing was written") && unsigned.stderr.contains("--certs DIR"),
                      unsigned.stderr)
        XCTAssertFalse(unsigned.stderr.contains("row "), "not a row's fault: \(unsigned.stderr)")
        XCTAssertEqual(try exporting().split(separator: "\n").count, 2, "the dataset is unchanged")
    }

    func testExportByRegionToAFile() throws {
        try importing(try file("in.csv", csv)).check()
        let out = "\(f.directory)/out.csv"
        try f.run(["export"] + f.fleet.nodeArguments("sz-pingshan") + [
                   "--dataset", "ps-enterprise", "--region", "440304", "--out", out]).check()
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "uscc,region,name,capital,established\n", "no 福田区 records here")
    }

    func testExportedCellsCannotRunAsSpreadsheetFormulas() throws {
        try importing(try file("formula.csv", "uscc,region,name,capital\nF1,440310,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-5\nF2,440310,@SUM(A1),7\n")).check()
        let lines = try exporting().split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.hasPrefix("F1,440310,\"'=HYPERLINK(") && $0.hasSuffix(",-5,") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains("F2,440310,'@SUM(A1),7,"), lines.joined(separator: "\n"))
    }
}

import HTTPSClient
import TLS

extension TransferTests {
    func systemClient(node: String, system: String, certs: String) -> HTTPSClient {
        var configuration = HTTPSClientConfiguration(certificateFile: "\(certs)/\(system).pem", keyFile: "\(certs)/\(system).key",
                                                     caFile: "\(certs)/ca.pem", expectedPeer: NodeIdentity(federation: f.federation, node: node))
        configuration.requestTimeout = 10
        return HTTPSClient(baseURL: f.url(node), configuration: configuration)
    }

    func testIngestionAPIForTheNodesSourceSystems() throws {
        let certs = "\(f.directory)/systems"
        try f.run(["cert", "issue", "--ca", f.caDirectory, "--topology", f.topologyPath, "--node", "sz-pingshan",
                   "--system", "amr-registry", "--out", certs]).check()
        try f.run(["cert", "issue", "--ca", f.caDirectory, "--topology", f.topologyPath, "--node", "sz-futian",
                   "--system", "futian-registry", "--out", certs]).check()
        try f.run(["cert", "issue", "--ca", f.caDirectory, "--topology", f.topologyPath, "--node", "sz-pingshan",
                   "--system", "hr-system", "--out", certs]).check()
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: "\(certs)/amr-registry.key")[.posixPermissions] as? Int, 0o600)
        let badName = try f.run(["cert", "issue", "--ca", f.caDirectory, "--topology", f.topologyPath, "--node", "sz-pingshan",
                                 "--system", "x,URI:urn:syncnode:gd-test:sz", "--out", certs])
        XCTAssertEqual(badName.status, 1, "a system name cannot smuggle another identity into the certificate")
        XCTAssertTrue(badName.stderr.contains("letters, digits and '-'"), badName.stderr)
        try f.start("sz-pingshan")
        let client = systemClient(node: "sz-pingshan", system: "amr-registry", certs: certs)

        let batch = #"{"dataset": "ps-enterprise", "upsert": [{"uscc": "I1", "region": "440310", "name": "接口一"}, {"uscc": "I2", "region": "440310", "name": "接口二", "capital": 9}]}"#
        let ok = try client.send(method: "POST", path: "/v1/ingest", body: Data(batch.utf8))
        XCTAssertEqual(ok.status, 200, String(decoding: ok.body, as: UTF8.self))
        XCTAssertEqual(try f.records("sz-pingshan", "ps-enterprise").keys.sorted(), ["I1", "I2"])

        // A batch with one bad row applies nothing and lists the row.
        let bad = #"{"dataset": "ps-enterprise", "upsert": [{"uscc": "I3", "region": "440310", "name": "好"}, {"uscc": "I4", "region": "440310", "capital": "many"}], "delete": ["I1"]}"#
        let refused = try client.send(method: "POST", path: "/v1/ingest", body: Data(bad.utf8))
        XCTAssertEqual(refused.status, 422)
        let text = String(decoding: refused.body, as: UTF8.self)
        XCTAssertTrue(text.contains("nothing applied") && text.contains("\"row\":2") && text.contains("not of type integer"), text)
        XCTAssertEqual(try f.records("sz-pingshan", "ps-enterprise").keys.sorted(), ["I1", "I2"])

        // Upsert and delete together.
        let mixed = #"{"dataset": "ps-enterprise", "upsert": [{"uscc": "I3", "region": "440310", "name": "三"}], "delete": ["I1"]}"#
        XCTAssertEqual(try client.send(method: "POST", path: "/v1/ingest", body: Data(mixed.utf8)).status, 200)
        XCTAssertEqual(try f.records("sz-pingshan", "ps-enterprise").keys.sorted(), ["I2", "I3"])

        // Another system of the same node may not load a dataset whose entry does not name it (一数一源 inside a node).
        let hr = systemClient(node: "sz-pingshan", system: "hr-system", certs: certs)
        let notItsOwn = try hr.send(method: "POST", path: "/v1/ingest", body: Data(batch.utf8))
        XCTAssertEqual(notItsOwn.status, 403)
        XCTAssertTrue(String(decoding: notItsOwn.body, as: UTF8.self).contains("may not load dataset 'ps-enterprise'"))

        // A system may use only the ingestion API, and only at its own node.
        XCTAssertEqual(try client.send(method: "POST", path: "/v1/push", body: Data("{}".utf8)).status, 404)
        let foreign = systemClient(node: "sz-pingshan", system: "futian-registry", certs: certs)
        let other = try? foreign.send(method: "POST", path: "/v1/ingest", body: Data(batch.utf8))
        XCTAssertEqual(other?.status, 403)
        XCTAssertTrue(f.log("sz-pingshan").contains("may load data only into its own node"))
    }
}

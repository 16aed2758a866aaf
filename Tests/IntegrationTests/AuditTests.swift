import Foundation
import SQLite
import SyncCore
import SyncTesting
import XCTest

/// The audit log between real processes: commands that change or release data
/// name their operator or are refused; each kind of action is logged where it
/// happens; an export of others' data states its purpose; `audit verify` finds a
/// flipped byte; the heads the parent kept find a chain rewritten to hide an entry.
final class AuditTests: XCTestCase {
    func audit(_ f: Federation, _ node: String) throws -> [[String: Any]] {
        let out = try f.run(["audit", "list"] + f.fleet.nodeArguments(node) + ["--json"]).check()
        return try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]] ?? []
    }

    func has(_ entries: [[String: Any]], _ action: String, by: String? = nil, detail: String? = nil) -> Bool {
        entries.contains { e in
            e["action"] as? String == action && (by.map { e["by"] as? String == $0 } ?? true)
                && (detail.map { (e["detail"] as? String)?.contains($0) == true } ?? true)
        }
    }

    func testEveryActionIsAuditedAndTamperingIsFound() throws {
        let f = try Federation.withDistrictAndCityData(self)
        for id in ["gd", "sz", "sz-pingshan"] { try f.start(id) }
        let district = f.fleet.nodeArguments("sz-pingshan"), city = f.fleet.nodeArguments("sz")

        // No operator, no write.
        let anonymous = try f.run(["write"] + district + ["--dataset", "ps-enterprise", "uscc=A1", "region=440310", "name=x"],
                                  environment: ["SYNCNODE_OPERATOR": ""])
        XCTAssertEqual(anonymous.status, 1)
        XCTAssertTrue(anonymous.stderr.contains("pass --operator NAME"), anonymous.stderr)

        try f.run(["write"] + district + ["--operator", "张三", "--dataset", "ps-enterprise", "uscc=A1", "region=440310", "name=坪山企业"]).check()
        let csv = "\(f.directory)/in.csv"
        try "uscc,region,name\nA2,440310,二\nA3,440310,三\n".write(toFile: csv, atomically: false, encoding: .utf8)
        try f.run(["import"] + district + ["--operator", "张三", "--dataset", "ps-enterprise", csv]).check()
        try f.run(["write"] + city + ["--operator", "王五", "--dataset", "sz-housing", "id=H1", "region=440310", "address=坪山大道1号"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz", "ps-enterprise").count == 3 && f.records("sz-pingshan", "sz-housing").count == 1 })

        // Releasing data: records and export name who; an export of others' data states its purpose.
        _ = try f.run(["records"] + city + ["--operator", "李四", "--dataset", "ps-enterprise"]).check()
        let noPurpose = try f.run(["export"] + city + ["--operator", "李四", "--dataset", "ps-enterprise"])
        XCTAssertEqual(noPurpose.status, 1)
        XCTAssertTrue(noPurpose.stderr.contains("only for a stated purpose"), noPurpose.stderr)
        try f.run(["export"] + city + ["--operator", "李四", "--dataset", "ps-enterprise", "--purpose", "企业年报抽查"]).check()
        try f.run(["export"] + district + ["--operator", "张三", "--dataset", "ps-enterprise"]).check()   // its own data: no purpose needed
        XCTAssertEqual(try f.run(["verify"] + city + ["--operator", "李四", "--dataset", "ps-enterprise", "--key", "A1", "name=坪山企业"]).status, 0)

        // A correction and its answer.
        let filed = try f.run(["correct"] + city + ["--operator", "李四", "--dataset", "ps-enterprise", "--key", "A2", "name=二号", "--reason", "r", "--json"]).check()
        let ticket = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(filed.stdout.utf8)) as? [String: Any])?["id"] as? String)
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            try f.run(["corrections", "ack"] + district + ["--operator", "张三", ticket]).status == 0
        })

        let atDistrict = try audit(f, "sz-pingshan"), atCity = try audit(f, "sz")
        XCTAssertTrue(has(atDistrict, "write", by: "张三", detail: "1 rows"), "\(atDistrict)")
        XCTAssertTrue(has(atDistrict, "import", by: "张三", detail: "2 rows"))
        XCTAssertTrue(has(atDistrict, "export", by: "张三"))
        XCTAssertTrue(has(atDistrict, "correction acknowledged", by: "张三"))
        XCTAssertTrue(has(atDistrict, "serve started", by: "syncnode"))
        XCTAssertTrue(has(atCity, "records", by: "李四", detail: "3 records"))
        XCTAssertTrue(has(atCity, "export", by: "李四", detail: "purpose: 企业年报抽查"))
        XCTAssertTrue(has(atCity, "verify asked", by: "李四") && has(atCity, "verification answered", by: "李四"))
        XCTAssertTrue(has(atCity, "correction filed", by: "李四"))
        XCTAssertTrue(has(atCity, "push served", by: "syncnode", detail: "ps-enterprise"), "the city served the district's pushes")
        XCTAssertTrue(has(atCity, "pull served", by: "syncnode"), "and its pulls")
        XCTAssertTrue(has(atCity, "write", by: "王五"))

        // The chain is intact, here and against the heads the city kept.
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            let checked = try f.run(["audit", "verify", "--against-parent"] + district)
            return checked.status == 0 && !checked.stdout.contains("against 0 heads")
        }, "the city keeps the district's signed audit heads")

        // A flipped byte is found and named.
        f.stop("sz-pingshan")
        let path = "\(f.data("sz-pingshan"))/node.db"
        do {
            let db = try Database(path: path)
            _ = try db.run("UPDATE audit SET detail = replace(detail, '1 rows', '9 rows') WHERE action = 'write'")
        }
        let flipped = try f.run(["audit", "verify"] + district)
        XCTAssertEqual(flipped.status, 1)
        XCTAssertTrue(flipped.stdout.contains("was changed after it was written"), flipped.stdout)

        // Rewritten to hide the export: the chain is whole again, but the city's kept heads disagree.
        do {
            let db = try Database(path: path)
            var entries = try db.rows("SELECT seq, at, by, action, subject, detail FROM audit ORDER BY seq") {
                (at: $0.int64(1), by: $0.text(2), action: $0.text(3), subject: $0.text(4), detail: $0.text(5))
            }
            entries.removeAll { $0.action == "export" }
            _ = try db.run("DELETE FROM audit")
            var previous = AuditChain.genesis
            for (i, e) in entries.enumerated() {
                let entry = AuditEntry(seq: Int64(i + 1), at: e.at, by: e.by, action: e.action, subject: e.subject,
                                       detail: e.detail.replacingOccurrences(of: "9 rows", with: "1 rows"), previous: previous)
                _ = try db.run("INSERT INTO audit(seq, at, by, action, subject, detail, previous, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               entry.seq, entry.at, entry.by, entry.action, entry.subject, entry.detail, entry.previous, entry.hash)
                previous = entry.hash
            }
        }
        let local = try f.run(["audit", "verify"] + district)
        XCTAssertEqual(local.status, 0, "a rewritten chain is whole on its own: " + local.stdout)
        let against = try f.run(["audit", "verify", "--against-parent"] + district)
        XCTAssertEqual(against.status, 1, against.stdout + against.stderr)
        XCTAssertTrue(against.stdout.contains("it was rewritten after that") || against.stdout.contains("it was cut after that"), against.stdout)
    }
}

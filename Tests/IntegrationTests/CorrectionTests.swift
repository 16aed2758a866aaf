import Foundation
import SyncTesting
import XCTest

/// Conflicts and corrections with a life, between real processes: a conflict
/// accepted or refused closes on both sides and status exits 0 again; a
/// correction is acknowledged, extended and resolved (the fixed value
/// everywhere), another refused, a third left overdue escalates to the hub
/// common to both sides.
final class CorrectionTests: XCTestCase {
    func json(_ f: Federation, _ arguments: [String], _ node: String, offsetDays: Int = 0) throws -> [[String: Any]] {
        let out = try f.run(arguments + f.fleet.nodeArguments(node) + ["--json"],
                            environment: offsetDays == 0 ? [:] : ["SYNCNODE_CLOCK_OFFSET_SECONDS": String(offsetDays * 86_400)]).check()
        return try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]] ?? []
    }

    func testConflictsAndCorrectionsCloseOnBothSides() throws {
        let f = try Federation(self, nodes: FleetTopology.small().nodes, datasets: [
            FleetTopology.dataset("ps-enterprise", source: "sz-pingshan", key: "uscc", items: [FleetTopology.item("name")], backflow: "all"),
        ])
        try f.issueCertificates()
        for id in ["gd", "sz", "sz-pingshan", "sz-futian"] { try f.start(id) }
        try f.write("sz-pingshan", "ps-enterprise", lines: [
            #"{"uscc": "A1", "region": "440310", "name": "原名一"}"#, #"{"uscc": "A2", "region": "440310", "name": "原名二"}"#,
        ]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz-futian", "ps-enterprise").count == 2 && f.records("gd", "ps-enterprise").count == 2 })

        // Two conflicts proposed by the city; the district is their authority.
        try f.write("sz", "ps-enterprise", ["uscc=A1", "region=440310", "name=市改一"]).check()
        try f.write("sz", "ps-enterprise", ["uscc=A2", "region=440310", "name=市改二"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try self.json(f, ["conflicts"], "sz-pingshan").count == 2 })
        XCTAssertEqual(try f.run(["status"] + f.fleet.nodeArguments("sz-pingshan")).status, 2, "conflicts addressed to it")
        let conflicts = try json(f, ["conflicts"], "sz-pingshan")
        let first = try XCTUnwrap(conflicts.first { $0["key"] as? String == "A1" }?["id"] as? String)
        let second = try XCTUnwrap(conflicts.first { $0["key"] as? String == "A2" }?["id"] as? String)
        XCTAssertEqual(Set(try json(f, ["conflicts"], "sz").compactMap { $0["id"] as? String }), [first, second], "the same ids on both sides")
        let wrong = try f.run(["conflicts", "accept"] + f.fleet.nodeArguments("sz") + [first])
        XCTAssertTrue(wrong.status != 0 && wrong.stderr.contains("answered by its authority sz-pingshan"), wrong.stderr)
        try f.run(["conflicts", "accept"] + f.fleet.nodeArguments("sz-pingshan") + [first]).check()
        try f.run(["conflicts", "refuse"] + f.fleet.nodeArguments("sz-pingshan") + [second, "--reason", "以营业执照为准"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try self.json(f, ["conflicts"], "sz").isEmpty }, "the outcome did not close it at the proposer")
        XCTAssertTrue(try json(f, ["conflicts"], "sz-pingshan").isEmpty)
        XCTAssertEqual(try json(f, ["conflicts", "--closed"], "sz").first { $0["key"] as? String == "A2" }?["reason"] as? String, "以营业执照为准")
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("gd", "ps-enterprise")["A1"]?["name"] as? String == "市改一" })
        XCTAssertEqual(try f.records("sz-futian", "ps-enterprise")["A2"]?["name"] as? String, "原名二")
        XCTAssertTrue(f.waitUntil(timeout: 10) { try f.run(["status"] + f.fleet.nodeArguments("sz-pingshan")).status == 0 },
                      "status exits 0 again once nothing is open")

        // A correction filed at a sibling district: acknowledged, extended, resolved.
        func correct(_ key: String, _ value: String) throws -> String {
            let out = try f.run(["correct"] + f.fleet.nodeArguments("sz-futian") + ["--dataset", "ps-enterprise", "--key", key,
                                                                                       "name=\(value)", "--reason", "与执照不符", "--json"]).check()
            return try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])?["id"] as? String)
        }
        let fix = try correct("A2", "更正名二")
        XCTAssertTrue(f.waitUntil(timeout: 20) { try self.json(f, ["corrections", "list"], "sz-pingshan").contains { $0["id"] as? String == fix } })
        for step in [["ack", fix], ["extend", fix, "--reason", "需核查"], ["resolve", fix]] {
            try f.run(["corrections", step[0]] + f.fleet.nodeArguments("sz-pingshan") + Array(step.dropFirst())).check()
        }
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            try self.json(f, ["corrections", "list"], "sz-futian").first { $0["id"] as? String == fix }?["status"] as? String == "resolved"
        })
        let steps = try json(f, ["corrections", "list"], "sz-futian").first { $0["id"] as? String == fix }?["steps"] as? [[String: Any]]
        XCTAssertEqual(steps?.compactMap { $0["action"] as? String }, ["acknowledged", "extended", "resolved"])
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz-futian", "ps-enterprise")["A2"]?["name"] as? String == "更正名二" })
        XCTAssertEqual(try f.records("gd", "ps-enterprise")["A2"]?["name"] as? String, "更正名二")
        // The correction is signed by its filer, each answer by the authority; the corrected value too.
        XCTAssertEqual(Set(try f.signers("sz", "_corrections").keys), ["sz-futian", "sz-pingshan"])
        XCTAssertEqual(Set(try f.signers("gd", "ps-enterprise").keys), ["sz-pingshan"])

        // Refused: the reason travels back and the value stands.
        let no = try correct("A1", "又一个名字")
        XCTAssertTrue(f.waitUntil(timeout: 20) { try self.json(f, ["corrections", "list"], "sz-pingshan").contains { $0["id"] as? String == no } })
        try f.run(["corrections", "refuse"] + f.fleet.nodeArguments("sz-pingshan") + [no, "--reason", "无依据"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            try self.json(f, ["corrections", "list"], "sz-futian").first { $0["id"] as? String == no }?["status"] as? String == "refused"
        })

        // Left unanswered past the longest extension: overdue at both ends, escalated at the common hub (sz).
        let late = try correct("A1", "逾期名")
        XCTAssertTrue(f.waitUntil(timeout: 20) { try self.json(f, ["corrections", "list"], "sz").contains { $0["id"] as? String == late } })
        let hub = try json(f, ["corrections", "list"], "sz", offsetDays: 40).first { $0["id"] as? String == late }
        XCTAssertEqual(hub?["role"] as? String, "escalated")
        XCTAssertEqual(try json(f, ["corrections", "list"], "sz-pingshan", offsetDays: 40).first { $0["id"] as? String == late }?["overdue"] as? Bool, true)
        let status = try f.run(["status"] + f.fleet.nodeArguments("sz") + ["--json"], environment: ["SYNCNODE_CLOCK_OFFSET_SECONDS": String(40 * 86_400)])
        XCTAssertTrue(status.stdout.contains("escalated here"), status.stdout)
        XCTAssertEqual(try json(f, ["corrections", "list"], "sz").first { $0["id"] as? String == late }?["role"] as? String, "filed", "not yet today")
    }
}

import Foundation
import SyncTesting
import XCTest

/// What operators see, from real processes: status, the tree, the dashboard, metrics.
final class OperatorsTests: XCTestCase {
    func makeFederation() throws -> Federation {
        try Federation(self, nodes: [
            .init(id: "gd", tier: "province", region: "440000", name: "广东省"),
            .init(id: "sz", tier: "city", region: "440300", parent: "gd", name: "深圳市"),
            .init(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
            .init(id: "sz-futian", tier: "district", region: "440304", parent: "sz", name: "福田区"),
        ], datasets: [FleetTopology.dataset("ps-enterprise", source: "sz-pingshan", key: "uscc", items: [FleetTopology.item("name")])],
        policy: ["silentAfterSeconds": 3, "stalledAfterSeconds": 60])
    }

    /// `syncnode calendar` counts a deadline across the National Day week from the topology's
    /// policy, warns for a year without holidays, and a topology with a bad calendar does not load.
    func testTheCalendarCountsWorkingDaysFromThePolicy() throws {
        let f = try Federation(self, nodes: [.init(id: "gd", tier: "province", region: "440000", name: "广东省")],
                               policy: ["holidays": ["2026-09-25", "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"],
                                        "workdays": ["2026-09-20", "2026-10-10"]])
        let answer = try f.run(["calendar", "--topology", f.topologyPath, "--from", "2026-09-30", "--days", "5", "--json"]).check()
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(answer.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["deadline"] as? String, "2026-10-13")
        XCTAssertEqual(json["covered"] as? Bool, true)
        let days = try XCTUnwrap(json["days"] as? [[String: Any]])
        XCTAssertEqual(days.filter { $0["working"] as? Bool == true }.map { $0["date"] as? String },
                       ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12", "2026-10-13"])

        let table = try f.run(["calendar", "--topology", f.topologyPath, "--from", "2026-10-09", "--days", "1"]).check()
        XCTAssertTrue(table.stdout.contains("调休"), table.stdout)
        XCTAssertTrue(table.stdout.contains("due by the end of 2026-10-10"), table.stdout)
        let uncovered = try f.run(["calendar", "--topology", f.topologyPath, "--from", "2027-03-01"]).check()
        XCTAssertTrue(uncovered.stderr.contains("no holidays for 2027"), uncovered.stderr)
        let badDate = try f.run(["calendar", "--topology", f.topologyPath, "--from", "2026-02-30"])
        XCTAssertNotEqual(badDate.status, 0)
        XCTAssertTrue(badDate.stderr.contains("YYYY-MM-DD"), badDate.stderr)

        // A make-up day on a weekday: the topology does not load, for any command.
        var topology = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: f.topologyPath))) as? [String: Any])
        topology["policy"] = ["workdays": ["2026-10-09"]]
        let bad = "\(f.directory)/bad-calendar.json"
        try JSONSerialization.data(withJSONObject: topology).write(to: URL(fileURLWithPath: bad))
        let refused = try f.run(["calendar", "--topology", bad])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("policy.workdays") && refused.stderr.contains("2026-10-09 is a weekday"), refused.stderr)
    }

    func testStatusShowsLagRisingWhileTheParentIsDownAndFallingAfter() throws {
        let f = try makeFederation()
        try f.issueCertificates()
        try f.start("sz")
        try f.start("sz-pingshan")
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.peerStatus("sz-pingshan", "sz")?["state"] as? String == "ok" })
        f.stop("sz")
        for i in 0..<5 { try f.write("sz-pingshan", "ps-enterprise", ["uscc=L\(i)", "region=440310", "name=滞后\(i)"]).check() }
        Thread.sleep(forTimeInterval: 2)
        let down = try XCTUnwrap(try f.peerStatus("sz-pingshan", "sz"))
        XCTAssertEqual(down["outbox"] as? Int, 5, "\(down)")
        XCTAssertGreaterThanOrEqual(down["lagSeconds"] as? Int ?? 0, 1, "\(down)")
        XCTAssertEqual(down["state"] as? String, "failing", "\(down)")
        XCTAssertEqual(down["retrying"] as? Bool, true)
        let attention = try f.run(["status"] + f.fleet.nodeArguments("sz-pingshan"))
        XCTAssertEqual(attention.status, 2, "status exits 2 when something needs attention")
        XCTAssertTrue(attention.stdout.contains("needs attention"), attention.stdout)

        try f.start("sz")
        XCTAssertTrue(f.waitUntil(timeout: 40) {
            let up = try f.peerStatus("sz-pingshan", "sz")
            return up?["outbox"] as? Int == 0 && up?["lagSeconds"] as? Int == 0 && up?["state"] as? String == "ok"
        }, "lag did not fall: \(String(describing: try? f.peerStatus("sz-pingshan", "sz")))")
        let recovered = try f.run(["status"] + f.fleet.nodeArguments("sz-pingshan"))
        XCTAssertEqual(recovered.status, 0, recovered.stdout)
        // The city saw the district's certificate and reports its expiry.
        XCTAssertNotNil((try f.peerStatus("sz", "sz-pingshan")?["certificate"] as? [String: Any])?["daysLeft"])
        XCTAssertNotNil((try f.peerStatus("sz-pingshan", "sz")?["certificate"] as? [String: Any])?["daysLeft"])
    }

    func testTheProvinceTreeReachesTwoLevelsDownAndMarksAStoppedNodeSilent() throws {
        let f = try makeFederation()
        try f.issueCertificates()
        for id in ["gd", "sz", "sz-pingshan", "sz-futian"] { try f.start(id) }
        func tree() throws -> [String: [String: Any]] {
            let nodes = try f.status("gd", tree: true)["nodes"] as? [[String: Any]] ?? []
            return Dictionary(uniqueKeysWithValues: nodes.map { ($0["id"] as! String, $0) })
        }
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            let t = try tree()
            return t["sz-pingshan"]?["state"] as? String == "ok" && t["sz-futian"]?["state"] as? String == "ok"
        }, "\(String(describing: try? tree()))")
        XCTAssertEqual(try tree()["sz-pingshan"]?["depth"] as? Int, 2)
        f.stop("sz-futian")
        XCTAssertTrue(f.waitUntil(timeout: 20) { try tree()["sz-futian"]?["silent"] as? Bool == true },
                      "\(String(describing: try? tree()))")
        XCTAssertEqual(try tree()["sz-pingshan"]?["silent"] as? Bool, false)
        let table = try f.run(["status"] + f.fleet.nodeArguments("gd") + ["--tree"])
        XCTAssertEqual(table.status, 2)
        XCTAssertTrue(table.stdout.contains("silent"), table.stdout)
        XCTAssertTrue(table.stdout.contains("    sz-pingshan"), "districts are indented under their city:\n\(table.stdout)")
    }

    func testDashboardAndMetricsAreServedOnLoopback() throws {
        let f = try makeFederation()
        try f.issueCertificates()
        for id in ["gd", "sz", "sz-pingshan"] { try f.start(id) }
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=D1", "region=440310", "name=仪表盘"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            try f.admin("gd", "/").body.contains("坪山区") && f.records("gd", "ps-enterprise").count == 1
        })
        let page = try f.admin("gd", "/")
        XCTAssertEqual(page.status, 200)
        for text in ["<!DOCTYPE html>", "联邦树", "广东省", "深圳市", "坪山区", "http-equiv=\"refresh\"", "ps-enterprise"] {
            XCTAssertTrue(page.body.contains(text), "dashboard lacks \(text)")
        }
        XCTAssertFalse(page.body.contains("src=\"http"), "no external assets")
        XCTAssertEqual(try f.admin("gd", "/", method: "POST").status, 405, "the admin listener is read-only")
        XCTAssertEqual(try f.admin("gd", "/nowhere").status, 404)

        let metrics = try f.admin("sz", "/metrics")
        XCTAssertEqual(metrics.status, 200)
        let samples = try PrometheusText.parse(metrics.body)
        XCTAssertEqual(samples.first { $0.name == "syncnode_changes_received_total" && $0.labels["peer"] == "sz-pingshan" }?.value, 1)
        XCTAssertNotNil(samples.first { $0.name == "syncnode_outbox_changes" && $0.labels["peer"] == "gd" })
        XCTAssertNotNil(samples.first { $0.name == "syncnode_records" && $0.labels["dataset"] == "ps-enterprise" })
        XCTAssertNotNil(samples.first { $0.name == "syncnode_certificate_days_left" })
        let status = try f.admin("sz", "/api/status")
        XCTAssertTrue(status.body.contains("\"peers\""))
    }
}

/// A strict reader of the Prometheus text format (0.0.4): every line is a
/// comment (# HELP / # TYPE with a known type) or `name{label="value",...} number`.
enum PrometheusText {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct FormatError: Error, CustomStringConvertible {
        let line: String
        var description: String { "not Prometheus text: \(line)" }
    }

    static func parse(_ text: String) throws -> [Sample] {
        var samples: [Sample] = []
        var typed: Set<String> = []
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("# HELP ") { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else { throw FormatError(line: line) }
                typed.insert(String(parts[2]))
                continue
            }
            guard let regex = try? Regex(#"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.eE+]+|NaN|\+Inf|-Inf)$"#),
                  let match = line.wholeMatch(of: regex) else { throw FormatError(line: line) }
            let name = String(match.output[1].substring ?? "")
            guard typed.contains(name) else { throw FormatError(line: "no # TYPE before " + line) }
            var labels: [String: String] = [:]
            if let body = match.output[3].substring, !body.isEmpty {
                for pair in body.split(separator: ",") {
                    let kv = pair.split(separator: "=", maxSplits: 1)
                    guard kv.count == 2, kv[1].hasPrefix("\""), kv[1].hasSuffix("\"") else { throw FormatError(line: line) }
                    labels[String(kv[0])] = String(kv[1].dropFirst().dropLast())
                }
            }
            guard let value = Double(String(match.output[4].substring ?? "")) else { throw FormatError(line: line) }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
        return samples
    }
}

import Foundation
import SyncCore
import HTTPSClient
import TLS
import SyncTesting
import XCTest

/// Replication between real processes over mutual TLS: a province, a city,
/// two districts and a vertical system.
final class ReplicationTests: XCTestCase {
    func makeFederation(policy: [String: any Sendable] = ["silentAfterSeconds": 5]) throws -> Federation {
        try Federation(self, nodes: [
            .init(id: "gd", tier: "province", region: "440000", name: "广东省"),
            .init(id: "sz", tier: "city", region: "440300", parent: "gd", name: "深圳市"),
            .init(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
            .init(id: "sz-futian", tier: "district", region: "440304", parent: "sz", name: "福田区"),
            .init(id: "gd-amr", tier: "vertical", region: "440000", parent: "gd", name: "省市场监管系统"),
        ], datasets: [
            FleetTopology.dataset("ps-enterprise", source: "sz-pingshan", key: "uscc", items: [FleetTopology.item("name"), FleetTopology.item("employees", "integer")]),
            FleetTopology.dataset("sz-housing", source: "sz", key: "id", items: [FleetTopology.item("address")]),
            FleetTopology.dataset("amr-licence", source: "gd-amr", key: "uscc", items: [FleetTopology.item("licence"), FleetTopology.item("issued", "date")]),
        ], policy: policy)
    }

    func jsonl(_ f: Federation, _ name: String, _ lines: [String]) throws -> String {
        let file = "\(f.directory)/\(name).jsonl"
        try lines.joined(separator: "\n").write(toFile: file, atomically: false, encoding: .utf8)
        return file
    }

    func testOverflowedOutboxesAreReplacedByAFullResync() throws {
        let f = try makeFederation(policy: ["silentAfterSeconds": 5, "maxOutboxEntries": 50])
        try f.issueCertificates()
        try f.start("gd")
        try f.start("sz")
        // The district is away while its city writes 200 records for it: the city's outbox overflows.
        let housing = (0..<200).map { #"{"id": "H\#($0)", "region": "440310", "address": "坪山大道\#($0)号"}"# }
        try f.write("sz", "sz-housing", ["--jsonl", try jsonl(f, "housing", housing)]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("gd", "sz-housing").count == 200 })
        let owed = try XCTUnwrap(try f.peerStatus("sz", "sz-pingshan"))
        XCTAssertEqual(owed["resyncOwed"] as? Bool, true, "\(owed)")
        XCTAssertEqual(owed["outbox"] as? Int, 0, "the overflowed outbox is dropped, not kept growing")
        // Meanwhile the district writes 200 records of its own: its outbox to the city overflows too.
        let enterprises = (0..<200).map { #"{"uscc": "E\#($0)", "region": "440310", "name": "企业\#($0)"}"# }
        let local = try f.write("sz-pingshan", "ps-enterprise", ["--jsonl", try jsonl(f, "enterprises", enterprises)]).check()
        XCTAssertTrue(local.stderr.contains("full resync"), local.stderr)
        // The district comes back: it pulls a full resync and pushes one; nothing is missing either way.
        try f.start("sz-pingshan")
        XCTAssertTrue(f.waitUntil(timeout: 30) {
            try f.records("sz-pingshan", "sz-housing").count == 200 && f.records("gd", "ps-enterprise").count == 200
        }, "district: \(f.log("sz-pingshan"))")
        XCTAssertEqual(try f.records("sz", "ps-enterprise").count, 200)
        XCTAssertTrue(f.waitUntil(timeout: 10) {
            f.log("sz-pingshan").contains("event=resync_finished") && f.log("sz-pingshan").contains("event=resync_sent")
        }, f.log("sz-pingshan"))
        XCTAssertEqual(try f.peerStatus("sz", "sz-pingshan")?["resyncOwed"] as? Bool, false)
        // Afterwards, ordinary replication resumes from the outbox.
        try f.write("sz", "sz-housing", ["id=H-after", "region=440310", "address=之后"]).check()
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=E-after", "region=440310", "name=之后"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            try f.records("sz-pingshan", "sz-housing")["H-after"] != nil && f.records("gd", "ps-enterprise")["E-after"] != nil
        })
    }

    func testANodeMovedToANewPortResumesFromItsCursors() throws {
        let f = try makeFederation()
        try f.issueCertificates()
        try f.start("sz")
        try f.start("sz-pingshan")
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=M1", "region=440310", "name=搬家前"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz", "ps-enterprise").count == 1 })
        let received = try XCTUnwrap(try f.status("sz")["peers"] as? [[String: Any]])
        XCTAssertFalse(received.isEmpty)
        // The city moves: same node id, new port. Both nodes restart with the new topology.
        f.stop("sz")
        f.stop("sz-pingshan")
        try f.move("sz")
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=M2", "region=440310", "name=搬家后"]).check()
        try f.start("sz")
        try f.start("sz-pingshan")
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz", "ps-enterprise").count == 2 })
        // Only the new change crossed: the district's pushed cursor moved by one, keyed by node id.
        let cursor = try f.run(["status"] + f.fleet.nodeArguments("sz-pingshan") + ["--json"]).checkAnswered()
        XCTAssertTrue(cursor.stdout.contains("\"pushed\" : 2") || cursor.stdout.contains("\"pushed\":2"), cursor.stdout)
    }

    func testRecordsFlowUpAndBackDownByAuthorityAndRegion() throws {
        let f = try makeFederation()
        try f.issueCertificates()
        for id in ["gd", "sz", "sz-pingshan", "sz-futian", "gd-amr"] { try f.start(id) }

        // District data aggregates to the city and the province, and nowhere else.
        for i in 1...3 {
            try f.write("sz-pingshan", "ps-enterprise", ["uscc=91440310MA5F\(i)", "region=440310", "name=坪山企业\(i)", "employees=\(i * 10)"]).check()
        }
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("gd", "ps-enterprise").count == 3 }, f.log("sz"))
        XCTAssertEqual(try f.records("sz", "ps-enterprise").count, 3)
        XCTAssertEqual(try f.records("gd", "ps-enterprise")["91440310MA5F2"]?["name"] as? String, "坪山企业2")
        XCTAssertEqual(try f.records("gd", "ps-enterprise")["91440310MA5F2"]?["employees"] as? Int, 20)

        // A city dataset returns only to the district whose region the record carries.
        try f.write("sz", "sz-housing", ["id=H1", "region=440310", "address=坪山大道1号"]).check()
        try f.write("sz", "sz-housing", ["id=H2", "region=440304", "address=福田路2号"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            try f.records("sz-pingshan", "sz-housing").keys.sorted() == ["H1"]
                && f.records("sz-futian", "sz-housing").keys.sorted() == ["H2"]
                && f.records("gd", "sz-housing").count == 2
        })

        // A vertical system's records reach the right district via the province and the city.
        try f.write("gd-amr", "amr-licence", ["uscc=91440304XYZ", "region=440304", "licence=粤食许-001", "issued=2026-03-01"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz-futian", "amr-licence").count == 1 })
        XCTAssertEqual(try f.records("sz", "amr-licence").count, 1)
        XCTAssertEqual(try f.records("gd", "amr-licence").count, 1)
        XCTAssertEqual(try f.records("sz-pingshan", "amr-licence").count, 0, "not the district it does not concern")
        XCTAssertEqual(try f.records("sz-futian", "ps-enterprise").count, 0, "no district data leaks to a sibling")

        // A non-authority edit at the city: not applied, a conflict on both sides.
        let edit = try f.write("sz", "ps-enterprise", ["uscc=91440310MA5F1", "region=440310", "name=城市改的名字"]).check()
        XCTAssertTrue(edit.stdout.contains("conflict"), edit.stdout)
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            try f.run(["conflicts"] + f.fleet.nodeArguments("sz-pingshan") + ["--json"])
                .stdout.contains("城市改的名字")
        }, "the conflict did not reach the authority")
        let cityConflicts = try f.run(["conflicts"] + f.fleet.nodeArguments("sz")).check().stdout
        XCTAssertTrue(cityConflicts.contains("城市改的名字") && cityConflicts.contains("坪山企业1"), cityConflicts)
        for node in ["sz-pingshan", "sz", "gd"] {
            XCTAssertEqual(try f.records(node, "ps-enterprise")["91440310MA5F1"]?["name"] as? String, "坪山企业1", node)
        }

        // The authority's own newer write and a delete propagate.
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=91440310MA5F1", "region=440310", "name=坪山企业一号"]).check()
        try f.write("sz-pingshan", "ps-enterprise", ["--delete", "91440310MA5F3"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            let gd = try f.records("gd", "ps-enterprise")
            return gd["91440310MA5F1"]?["name"] as? String == "坪山企业一号" && gd["91440310MA5F3"] == nil && gd.count == 2
        })
    }

    func testAnswersAreFilteredByTheCallersCertificateWhateverItAsks() throws {
        let f = try makeFederation()
        try f.issueCertificates()
        try f.start("sz")
        try f.write("sz", "sz-housing", ["id=H1", "region=440310", "address=坪山"]).check()
        try f.write("sz", "sz-housing", ["id=H2", "region=440304", "address=福田"]).check()
        // 福田区 asks for everything, and for 坪山区's share by name: it gets its own record only.
        var configuration = HTTPSClientConfiguration(certificateFile: "\(f.certs("sz-futian"))/sz-futian.pem",
                                                     keyFile: "\(f.certs("sz-futian"))/sz-futian.key", caFile: "\(f.caDirectory)/ca.pem",
                                                     expectedPeer: NodeIdentity(federation: f.federation, node: "sz"))
        configuration.requestTimeout = 10
        let client = HTTPSClient(baseURL: f.url("sz"), configuration: configuration)
        for path in ["/v1/pull?after=0&limit=5000", "/v1/pull?after=0&node=sz-pingshan", "/v1/pull?after=-1", "/v1/pull?after=0&peer=sz-pingshan&region=440310"] {
            let response = try client.send(method: "GET", path: path)
            let body = String(decoding: response.body, as: UTF8.self)
            guard response.status == 200 else {
                XCTAssertFalse(body.contains("H1") || body.contains("坪山"), "\(path): \(body)")
                continue
            }
            // The changes, not the whole body: the signed blocks' base64 may spell anything.
            let changes = try Batch.decode(Array(response.body)).entries.map(\.change)
            XCTAssertEqual(changes.map(\.change.key).filter { $0.hasPrefix("H") }, ["H2"], "\(path): \(body)")
            XCTAssertFalse(changes.contains { String(decoding: $0.bytes, as: UTF8.self).contains("坪山") }, "\(path): \(body)")
        }
        // A push of a change written by another district is refused outright.
        let forged = #"{"changes":[{"seq":1,"change":{"dataset":"ps-enterprise","items":{"name":{"h":1,"o":"sz-pingshan","v":"x"}},"key":"F","origin":"sz-pingshan","region":"440310"}}]}"#
        let refused = try client.send(method: "POST", path: "/v1/push", body: Data(forged.utf8))
        XCTAssertEqual(refused.status, 403)
        XCTAssertTrue(String(decoding: refused.body, as: UTF8.self).contains("sz-futian may relay only its own writes"), String(decoding: refused.body, as: UTF8.self))
        XCTAssertNil(try f.records("sz", "ps-enterprise")["F"])
    }

    func testBadWritesAreRefusedWithTheReason() throws {
        let f = try makeFederation()
        try f.issueCertificates()
        let unknownItem = try f.write("sz-pingshan", "ps-enterprise", ["uscc=X", "region=440310", "colour=red"])
        XCTAssertNotEqual(unknownItem.status, 0)
        XCTAssertTrue(unknownItem.stderr.contains("no data item 'colour'"), unknownItem.stderr)
        let badRegion = try f.write("sz-pingshan", "ps-enterprise", ["uscc=X", "region=4403"])
        XCTAssertTrue(badRegion.stderr.contains("6 digits"), badRegion.stderr)
        let outside = try f.write("sz-pingshan", "ps-enterprise", ["uscc=X", "region=440304", "name=n"])
        XCTAssertTrue(outside.stderr.contains("outside this node's area"), outside.stderr)
        let badType = try f.write("sz-pingshan", "ps-enterprise", ["uscc=X", "region=440310", "employees=many"])
        XCTAssertTrue(badType.stderr.contains("not of type integer"), badType.stderr)
        let unknownDataset = try f.write("sz-pingshan", "nothing", ["uscc=X"])
        XCTAssertTrue(unknownDataset.stderr.contains("no such dataset"), unknownDataset.stderr)
        // A bad row in a batch leaves the dataset unchanged.
        let file = "\(f.directory)/batch.jsonl"
        try """
        {"uscc": "A1", "region": "440310", "name": "好"}
        {"uscc": "A2", "region": "440310", "employees": "not a number"}
        """.write(toFile: file, atomically: false, encoding: .utf8)
        let batch = try f.write("sz-pingshan", "ps-enterprise", ["--jsonl", file])
        XCTAssertTrue(batch.stderr.contains("row 2"), batch.stderr)
        XCTAssertEqual(try f.records("sz-pingshan", "ps-enterprise").count, 0)
    }

    func testKilledNodesCatchUpWithNoLossAndNoDuplicates() throws {
        let f = try makeFederation()
        try f.issueCertificates()
        for id in ["gd", "sz", "sz-pingshan"] { try f.start(id) }
        // 20 batches of 500 records written while the city is killed and restarted mid-sync.
        let total = 10_000
        var killed = false
        for batch in 0..<20 {
            let file = "\(f.directory)/batch\(batch).jsonl"
            let lines = (0..<500).map { i -> String in
                let n = batch * 500 + i
                return #"{"uscc": "K\#(n)", "region": "440310", "name": "企业\#(n)", "employees": \#(n)}"#
            }
            try lines.joined(separator: "\n").write(toFile: file, atomically: false, encoding: .utf8)
            try f.write("sz-pingshan", "ps-enterprise", ["--jsonl", file]).check()
            if batch == 6 {
                // Kill the city once the province has started receiving.
                _ = f.waitUntil(timeout: 20) { try f.records("gd", "ps-enterprise").count > 0 }
                f.kill("sz")
                killed = true
            }
            if batch == 12 {
                f.kill("sz-pingshan")   // and the district, mid-push
                try f.start("sz")
                try f.start("sz-pingshan")
            }
        }
        XCTAssertTrue(killed)
        XCTAssertTrue(f.waitUntil(timeout: 90) { try f.records("gd", "ps-enterprise").count == total },
                      "the province did not receive all \(total) records")
        let gd = try f.records("gd", "ps-enterprise")
        XCTAssertEqual(try f.records("sz", "ps-enterprise").count, total)
        for n in stride(from: 0, to: total, by: 997) {
            XCTAssertEqual(gd["K\(n)"]?["employees"] as? Int, n)
        }
        // Every copy is identical, stamps included: nothing lost, re-stamped or applied as a second write.
        func dump(_ id: String) throws -> String {
            try f.run(["records"] + f.fleet.nodeArguments(id) + ["--dataset", "ps-enterprise", "--json"]).check().stdout
        }
        let source = try dump("sz-pingshan")
        XCTAssertEqual(try dump("sz"), source)
        XCTAssertEqual(try dump("gd"), source)
        XCTAssertTrue(source.contains("@sz-pingshan"), "stamps name the origin")
    }
}

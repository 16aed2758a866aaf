import Foundation
import HTTPSClient
import SQLite
import SyncTesting
import TLS
import XCTest

/// Every copy proven, with real processes over mutual TLS: a restored hub gets
/// back what its children pushed after the backup; copies edited behind a node's
/// back are found diverged and repaired by the neighbours' digests; a child
/// cannot fill its parent's disk with off-site uploads.
final class CopiesProvenTests: XCTestCase {
    func enterprises(_ range: Range<Int>) -> [String] { range.map { #"{"uscc": "E\#($0)", "region": "440310", "name": "企业\#($0)"}"# } }

    /// A backup key and a backup of `id` made while it serves.
    func backup(_ f: Federation, _ id: String) throws -> (key: String, file: String) {
        let key = "\(f.directory)/backup.key", file = "\(f.directory)/\(id).snbk"
        try f.run(["backup", "key", "--out", key]).check()
        try f.run(["backup"] + f.fleet.nodeArguments(id) + ["--key", key, "--out", file]).check()
        return (key, file)
    }

    func cursors(_ f: Federation, _ id: String, _ peer: String) throws -> [String: Int] {
        (try f.peerStatus(id, peer)?["cursors"] as? [String: Int]) ?? [:]
    }

    /// The scenario of the report, at its size: 24,000 records everywhere, a backup of the city while
    /// it serves, 500 more that reach the city but not the province, the city restored from the backup.
    func testARestoredCityGetsBackWhatItsChildPushedAfterTheBackup() throws {
        // Without comparisons of copies: the link itself must notice (they are tested below).
        let f = try Federation.withDistrictAndCityData(self, policy: ["silentAfterSeconds": 5, "antiEntropySeconds": 0])
        for id in ["gd", "sz", "sz-pingshan"] { try f.start(id) }
        try f.write("sz-pingshan", "ps-enterprise", lines: enterprises(0..<24_000)).check()
        XCTAssertTrue(f.waitUntil(timeout: 60) { try f.records("gd", "ps-enterprise").count == 24_000 })
        let (key, file) = try backup(f, "sz")

        // The province is away; the district's late rows reach the city, and the district is told so.
        XCTAssertEqual(f.stop("gd"), 0)
        try f.write("sz-pingshan", "ps-enterprise", lines: enterprises(24_000..<24_500)).check()
        XCTAssertTrue(f.waitUntil(timeout: 30) {
            try f.records("sz", "ps-enterprise").count == 24_500 && cursors(f, "sz-pingshan", "sz")["pushed"] == cursors(f, "sz", "sz-pingshan")["received"]
        })

        // The city's disk dies; it is restored from the backup, older than the late rows.
        f.kill("sz")
        try FileManager.default.moveItem(atPath: f.data("sz"), toPath: f.data("sz") + ".dead")
        try f.run(["restore"] + f.fleet.nodeArguments("sz") + ["--key", key, "--in", file]).check()
        XCTAssertEqual(try f.records("sz", "ps-enterprise").count, 24_000)
        try f.start("sz")
        try f.start("gd")
        let started = Date()
        XCTAssertTrue(f.waitUntil(timeout: 60) {
            try f.records("sz", "ps-enterprise").count == 24_500 && f.records("gd", "ps-enterprise").count == 24_500
        }, "city \((try? f.records("sz", "ps-enterprise").count) ?? -1), province \((try? f.records("gd", "ps-enterprise").count) ?? -1)\n\(f.log("sz-pingshan"))")
        print("restored city and province whole again \(String(format: "%.1f", Date().timeIntervalSince(started))) s after the city started")
        XCTAssertTrue(f.log("sz-pingshan").contains("event=resync_needed"), "the district noticed its parent had lost what it confirmed")
        let source = try f.snapshot("sz-pingshan", "ps-enterprise")
        XCTAssertEqual(try f.snapshot("sz", "ps-enterprise"), source, "records and stamps equal at the city")
        XCTAssertEqual(try f.snapshot("gd", "ps-enterprise"), source, "and at the province")
        // A new write still flows, and nothing is doubled.
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=E-new", "region=440310", "name=新"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.records("gd", "ps-enterprise").count == 24_501 })
    }

    /// The root restored while a child is away, and then restored again: the child's pushes after
    /// the backup come back when it returns, whichever restore they meet.
    func testTheRootRestoredTwiceWhileAChildIsAwayGetsEverythingBack() throws {
        let f = try Federation.withDistrictAndCityData(self, policy: ["silentAfterSeconds": 5, "antiEntropySeconds": 0])
        for id in ["gd", "sz", "sz-pingshan"] { try f.start(id) }
        try f.write("sz-pingshan", "ps-enterprise", lines: enterprises(0..<100)).check()
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.records("gd", "ps-enterprise").count == 100 })
        let (key, file) = try backup(f, "gd")
        try f.write("sz-pingshan", "ps-enterprise", lines: enterprises(100..<150)).check()
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.records("gd", "ps-enterprise").count == 150 })

        XCTAssertEqual(f.stop("sz"), 0)   // the city is away through both restores
        for round in 1...2 {
            f.kill("gd")
            try FileManager.default.moveItem(atPath: f.data("gd"), toPath: f.data("gd") + ".lost-\(round)")
            try f.run(["restore"] + f.fleet.nodeArguments("gd") + ["--key", key, "--in", file]).check()
            try f.start("gd")
            XCTAssertEqual(try f.records("gd", "ps-enterprise").count, 100, "round \(round): the backup's records")
        }
        try f.start("sz")
        XCTAssertTrue(f.waitUntil(timeout: 60) { try f.records("gd", "ps-enterprise").count == 150 },
                      "province \((try? f.records("gd", "ps-enterprise").count) ?? -1)\n\(f.log("sz"))")
        XCTAssertEqual(try f.snapshot("gd", "ps-enterprise"), try f.snapshot("sz-pingshan", "ps-enterprise"))
        XCTAssertEqual(try f.snapshot("sz", "ps-enterprise"), try f.snapshot("sz-pingshan", "ps-enterprise"))
    }

    /// A copy whose database was changed while the node was stopped — rows deleted, a value
    /// changed, a deleted record put back — is reported diverged and repaired by itself.
    func testACopyEditedWhileStoppedIsFoundDivergedAndRepaired() throws {
        let f = try Federation.withDistrictAndCityData(self, policy: ["silentAfterSeconds": 5, "antiEntropySeconds": 2])
        for id in ["gd", "sz", "sz-pingshan"] { try f.start(id) }
        try f.write("sz-pingshan", "ps-enterprise", lines: enterprises(0..<200)).check()
        try f.write("sz-pingshan", "ps-enterprise", ["--delete", "E9"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.records("gd", "ps-enterprise").count == 199 })
        let source = try f.snapshot("sz-pingshan", "ps-enterprise")
        XCTAssertTrue(f.waitUntil(timeout: 30) {
            let copies = try f.peerStatus("sz-pingshan", "sz")?["copies"] as? [[String: Any]] ?? []
            return copies.contains { $0["dataset"] as? String == "ps-enterprise" && $0["differing"] as? Int == 0 && $0["lastProvenEqual"] != nil }
        }, "proven equal once the copies are quiet")

        XCTAssertEqual(f.stop("sz"), 0)
        let db = try Database(path: "\(f.data("sz"))/node.db")
        try db.execute("DELETE FROM record_state WHERE dataset = 'ps-enterprise' AND key IN ('E1', 'E2', 'E3')")
        try db.execute("""
            UPDATE log SET body = CAST(replace(CAST(body AS TEXT), '企业50"', '篡改"') AS BLOB)
            WHERE seq = (SELECT seq FROM record_state WHERE dataset = 'ps-enterprise' AND key = 'E50')
            """)
        try db.execute("UPDATE record_state SET deleted = 0 WHERE dataset = 'ps-enterprise' AND key = 'E9'")
        let edited = try f.records("sz", "ps-enterprise")
        XCTAssertEqual(edited.count, 199 - 3 + 1, "three rows gone, a deleted record back")
        XCTAssertNotNil(edited["E9"])
        XCTAssertEqual(edited["E50"]?["name"] as? String, "篡改", "a value changed")
        func deletedFlag() throws -> Int? {
            try Database(path: "\(f.data("sz"))/node.db").first("SELECT deleted FROM record_state WHERE dataset = 'ps-enterprise' AND key = 'E9'") { $0.int(0) }
        }
        XCTAssertEqual(try deletedFlag(), 0, "a deleted record's row says it is not")

        try f.start("sz")
        XCTAssertTrue(f.waitUntil(timeout: 60) { try f.snapshot("sz", "ps-enterprise") == source },
                      "the city's copy: \((try? f.records("sz", "ps-enterprise").count) ?? -1) records\n\(f.log("sz-pingshan"))")
        XCTAssertTrue(f.log("sz-pingshan").contains("event=copies_diverged") || f.log("sz").contains("event=copies_diverged"),
                      "the divergence was reported:\n\(f.log("sz-pingshan"))")
        XCTAssertTrue(f.waitUntil(timeout: 30) {
            let status = try f.run(["status"] + f.fleet.nodeArguments("sz-pingshan"))
            return status.status == 0 && status.stdout.contains("equal")
        }, "proven equal again; status exits 0")
        XCTAssertEqual(try deletedFlag(), 1, "its row says deleted again")
        XCTAssertEqual(try f.snapshot("gd", "ps-enterprise"), source, "nothing of the edit reached the province")
    }

    /// A child with a valid certificate starts 40 uploads and never finishes one: the parent keeps one.
    func testAFloodOfAbandonedUploadsLeavesOneInProgress() throws {
        let f = try Federation.withDistrictAndCityData(self)
        try f.start("sz")
        var configuration = HTTPSClientConfiguration(certificateFile: "\(f.certs("sz-pingshan"))/sz-pingshan.pem",
                                                     keyFile: "\(f.certs("sz-pingshan"))/sz-pingshan.key", caFile: "\(f.caDirectory)/ca.pem",
                                                     expectedPeer: NodeIdentity(federation: f.federation, node: "sz"))
        configuration.requestTimeout = 10
        let client = HTTPSClient(baseURL: f.url("sz"), configuration: configuration)
        for n in 0..<40 {
            let id = String(format: "%032x", n + 1)
            let response = try client.send(method: "POST", path: "/v1/backup/part?id=\(id)&part=1", body: Data(repeating: 7, count: 4096))
            XCTAssertEqual(response.status, 200, String(decoding: response.body, as: UTF8.self))
        }
        let directory = "\(f.data("sz"))/offsite/sz-pingshan"
        let incoming = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("incoming-") }
        XCTAssertEqual(incoming, ["incoming-" + String(format: "%032x", 40)], "one upload in progress per child: the last")
        // An upload announced larger than the policy's bound is refused with the reason.
        let huge = try client.send(method: "POST", path: "/v1/backup/part?id=\(String(repeating: "a", count: 32))&part=0&size=\(Int64(1) << 50)",
                                   body: Data(repeating: 7, count: 16))
        XCTAssertEqual(huge.status, 422)
        XCTAssertTrue(String(decoding: huge.body, as: UTF8.self).contains("offsiteBackupMaxMiB"), String(decoding: huge.body, as: UTF8.self))
    }

    /// A node whose disk is below its reserve takes nothing new from its children, says why, and keeps serving.
    func testANodeUnderItsDiskReserveRefusesPushesWithTheReason() throws {
        let f = try Federation.withDistrictAndCityData(self, policy: ["silentAfterSeconds": 5, "minFreeDiskMiB": 1_000_000_000])
        for id in ["sz", "sz-pingshan"] { try f.start(id) }
        try f.write("sz-pingshan", "ps-enterprise", lines: enterprises(0..<10)).check()
        XCTAssertTrue(f.waitUntil(timeout: 30) {
            let error = try f.peerStatus("sz-pingshan", "sz")?["lastError"] as? String ?? ""
            return error.contains("507") && error.contains("minFreeDiskMiB")
        }, "\((try? f.peerStatus("sz-pingshan", "sz")) ?? [:])")
        XCTAssertEqual(try f.records("sz", "ps-enterprise").count, 0, "nothing taken")
        XCTAssertEqual(try f.records("sz-pingshan", "ps-enterprise").count, 10, "and nothing lost: the district keeps its changes")
        XCTAssertEqual(try f.status("sz")["node"].flatMap { $0 as? [String: Any] }?["id"] as? String, "sz", "the city still answers")
    }

    /// The digest endpoints hold a child with a valid certificate to what it shares, and say what was wrong.
    func testHostileDigestRequestsGetTheirReasonAndNothingElse() throws {
        let f = try Federation.withDistrictAndCityData(self)
        try f.start("sz")
        try f.write("sz", "sz-housing", lines: [#"{"id": "H1", "region": "440304", "address": "福田"}"#]).check()
        func client(_ id: String) -> HTTPSClient {
            var configuration = HTTPSClientConfiguration(certificateFile: "\(f.certs(id))/\(id).pem", keyFile: "\(f.certs(id))/\(id).key",
                                                         caFile: "\(f.caDirectory)/ca.pem", expectedPeer: NodeIdentity(federation: f.federation, node: "sz"))
            configuration.requestTimeout = 10
            return HTTPSClient(baseURL: f.url("sz"), configuration: configuration)
        }
        let pingshan = client("sz-pingshan")
        func post(_ body: String, to path: String = "/v1/digest", as client: HTTPSClient? = nil) throws -> (status: Int, text: String) {
            let response = try (client ?? pingshan).send(method: "POST", path: path, body: Data(body.utf8))
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }
        let junk = try post("{not json")
        XCTAssertEqual(junk.status, 400)
        XCTAssertTrue(junk.text.contains("not a digest request"), junk.text)
        let range = try post(#"{"op":"buckets","dataset":"sz-housing","branches":[999]}"#)
        XCTAssertEqual(range.status, 400)
        XCTAssertTrue(range.text.contains("from 0 to 255"), range.text)
        let other = try post(#"{"op":"entries","dataset":"ps-enterprise-nope","keys":["x"]}"#)
        XCTAssertEqual(other.status, 422)
        XCTAssertTrue(other.text.contains("is not one sz and sz-pingshan both hold"), other.text)
        // Futian's record by its key: Pingshan shares sz-housing only for its own region, and gets nothing of it.
        let taken = try post(#"{"op":"entries","dataset":"sz-housing","keys":["H1"]}"#)
        XCTAssertEqual(taken.status, 200)
        XCTAssertFalse(taken.text.contains("福田"), taken.text)
        // The parent is not a child: it compares nothing here.
        try f.start("gd")
        let parent = HTTPSClient(baseURL: f.url("sz"), configuration: {
            var c = HTTPSClientConfiguration(certificateFile: "\(f.certs("gd"))/gd.pem", keyFile: "\(f.certs("gd"))/gd.key", caFile: "\(f.caDirectory)/ca.pem",
                                             expectedPeer: NodeIdentity(federation: f.federation, node: "sz"))
            c.requestTimeout = 10
            return c
        }())
        let refused = try post(#"{"op":"roots","roots":{}}"#, as: parent)
        XCTAssertEqual(refused.status, 403)
        XCTAssertTrue(refused.text.contains("only children compare copies"), refused.text)
        let repair = try post("[]", to: "/v1/digest/repair")
        XCTAssertEqual(repair.status, 400)
        XCTAssertTrue(repair.text.contains("/v1/digest/repair is not valid"), repair.text)
        XCTAssertEqual(try f.records("sz", "sz-housing").count, 1, "nothing changed")
    }
}

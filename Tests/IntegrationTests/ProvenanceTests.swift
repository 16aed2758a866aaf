import Foundation
import SQLite
import SyncCore
import SyncTesting
import TLS
import XCTest

/// Provenance between real processes: every change is signed by the node that
/// made it and checked by every node it reaches, however many hubs relay it,
/// after a full resync too; a hub that alters a relayed change is refused by
/// the nodes above and beside it.
final class ProvenanceTests: XCTestCase {
    /// Two cities under the province, so a district's change crosses four hops to the other city's district.
    private func federation(policy: [String: any Sendable] = ["silentAfterSeconds": 5]) throws -> Federation {
        let f = try Federation(self, nodes: [
            .init(id: "gd", tier: "province", region: "440000", name: "广东省"),
            .init(id: "sz", tier: "city", region: "440300", parent: "gd", name: "深圳市"),
            .init(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
            .init(id: "sz-futian", tier: "district", region: "440304", parent: "sz", name: "福田区"),
            .init(id: "gz", tier: "city", region: "440100", parent: "gd", name: "广州市"),
            .init(id: "gz-tianhe", tier: "district", region: "440106", parent: "gz", name: "天河区"),
        ], datasets: [
            FleetTopology.dataset("ps-enterprise", source: "sz-pingshan", key: "uscc", items: [FleetTopology.item("name")], backflow: "all"),
        ], policy: policy)
        try f.issueCertificates()
        return f
    }

    func testEveryNodeHoldsTheOriginsSignatureAndChecksItAfterAResyncToo() throws {
        let f = try federation(policy: ["silentAfterSeconds": 5, "maxOutboxEntries": 50])
        for id in ["gd", "sz", "sz-pingshan", "sz-futian", "gz", "gz-tianhe"] { try f.start(id) }
        try f.write("sz-pingshan", "ps-enterprise", lines: (0..<3).map { #"{"uscc":"E\#($0)","region":"440310","name":"企业\#($0)"}"# }).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("gz-tianhe", "ps-enterprise").count == 3 }, f.log("gz-tianhe"))
        // Four hops (坪山 → 深圳 → 广东 → 广州 → 天河): each node keeps the district's own signature, not its neighbour's.
        for id in ["sz", "gd", "gz", "gz-tianhe", "sz-futian"] {
            XCTAssertTrue(f.waitUntil(timeout: 10) { try f.signers(id, "ps-enterprise") == ["sz-pingshan": 3] }, id)
        }
        // 天河 is away while 200 more arrive: 广州's outbox to it overflows, and it gets a full resync.
        _ = f.stop("gz-tianhe")
        try f.write("sz-pingshan", "ps-enterprise", lines: (3..<203).map { #"{"uscc":"E\#($0)","region":"440310","name":"企业\#($0)"}"# }).check()
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.peerStatus("gz", "gz-tianhe")?["resyncOwed"] as? Bool == true })
        try f.start("gz-tianhe")
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.records("gz-tianhe", "ps-enterprise").count == 203 }, f.log("gz-tianhe"))
        XCTAssertTrue(f.waitUntil(timeout: 10) { f.log("gz-tianhe").contains("event=resync_finished") }, f.log("gz-tianhe"))
        XCTAssertEqual(try f.signers("gz-tianhe", "ps-enterprise"), ["sz-pingshan": 203], "the resync replays the origin's signatures")
        // What an auditor runs: every change held is checked again and its signer named.
        let audit = try f.run(["audit", "signatures"] + f.fleet.nodeArguments("gz-tianhe") + ["--dataset", "ps-enterprise"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        XCTAssertTrue(audit.stdout.contains("sz-pingshan") && audit.stdout.contains("203") && audit.stdout.contains("every one signed by its origin"),
                      audit.stdout)
    }

    func testACompromisedCityCannotAlterADistrictsChangeForTheProvinceOrTheOtherDistrict() throws {
        let f = try federation()
        for id in ["gd", "sz", "sz-pingshan", "sz-futian"] { try f.start(id) }
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=E1", "region=440310", "name=真名"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            try f.records("gd", "ps-enterprise")["E1"] != nil && f.records("sz-futian", "ps-enterprise")["E1"] != nil
        })
        // The province and the other district are away; the district's next change waits at the city.
        _ = f.stop("gd")
        _ = f.stop("sz-futian")
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=E2", "region=440310", "name=原值"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz", "ps-enterprise")["E2"] != nil })
        // The city is compromised: whoever holds its database rewrites the relayed change's bytes.
        _ = f.stop("sz")
        let forged = try tamper(f, "sz", replacing: "原值", with: "伪造")
        XCTAssertGreaterThan(forged, 0, "the city's log holds the change")
        // An auditor at the city finds it too, naming the record.
        let audit = try f.run(["audit", "signatures"] + f.fleet.nodeArguments("sz"))
        XCTAssertEqual(audit.status, 1, audit.stdout + audit.stderr)
        XCTAssertTrue(audit.stdout.contains("ps-enterprise/E2") && audit.stdout.contains("altered on the way"), audit.stdout)
        let record = try f.run(["audit", "signatures"] + f.fleet.nodeArguments("sz") + ["--dataset", "ps-enterprise", "--key", "E1"]).check()
        XCTAssertTrue(record.stdout.contains("✓ signed by sz-pingshan"), record.stdout)
        for id in ["sz", "gd", "sz-futian"] { try f.start(id) }
        // Above: the province refuses the city's push, naming the change and its origin.
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            (try f.peerStatus("sz", "gd")?["lastError"] as? String ?? "").contains("altered on the way")
        }, f.log("sz"))
        let above = try f.peerStatus("sz", "gd")?["lastError"] as? String ?? ""
        XCTAssertTrue(above.contains("ps-enterprise/E2") && above.contains("sz-pingshan"), above)
        // Beside: the other district refuses what it pulls from the city.
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            (try f.peerStatus("sz-futian", "sz")?["lastError"] as? String ?? "").contains("altered on the way")
        }, f.log("sz-futian"))
        let metrics = try f.admin("gd", "/metrics").body
        XCTAssertTrue(metrics.contains(#"syncnode_refused_total{node="gd",kind="signature"}"#), metrics)
        // Nothing forged was applied anywhere, and what came before stays.
        for id in ["gd", "sz-futian"] {
            let records = try f.records(id, "ps-enterprise")
            XCTAssertNil(records["E2"], id)
            XCTAssertEqual(records["E1"]?["name"] as? String, "真名", id)
        }
    }

    /// Rewrites `old` to `new` in the log bodies of a stopped node; returns how many entries changed.
    private func tamper(_ f: Federation, _ id: String, replacing old: String, with new: String) throws -> Int {
        let db = try Database(path: "\(f.data(id))/node.db")
        var changed: [(Int64, [UInt8])] = []
        try db.forEach("SELECT seq, body FROM log") { row in
            let text = String(decoding: row.bytes(1), as: UTF8.self)
            if text.contains(old) { changed.append((row.int64(0), Array(text.replacingOccurrences(of: old, with: new).utf8))) }
        }
        for (seq, body) in changed { _ = try db.run("UPDATE log SET body = ? WHERE seq = ?", SQLValue.bytes(body), seq) }
        return changed.count
    }
}

extension Federation {
    /// Checks every logged change of `dataset` at `id` against its stored signed block, independently of
    /// the node's code paths (OpenSSL directly, the CA file); returns the count of changes per signer.
    func signers(_ id: String, _ dataset: String) throws -> [String: Int] {
        let db = try Database(path: "\(data(id))/node.db", readOnly: true)
        let ca = try Certificate(pemFile: "\(certs(id))/ca.pem")
        var counts: [String: Int] = [:]
        try db.forEach("""
            SELECT l.body, l.leaf, b.origin, b.leaves, b.signature, b.certificate FROM log l JOIN signed_block b ON b.id = l.block
            WHERE l.dataset = ? AND l.live = 1
            """, dataset) { row in
            let block = SignedBlock(origin: row.text(2), leaves: row.bytes(3), signature: row.bytes(4), certificate: row.bytes(5))
            let certificate = try Certificate(der: block.certificate)
            XCTAssertTrue(certificate.isSigned(by: ca))
            XCTAssertEqual(certificate.nodeIdentity?.node, block.origin)
            XCTAssertTrue(certificate.verifies(block.signature, of: block.message), "\(id): block by \(block.origin)")
            XCTAssertEqual(block.leaf(row.int(1)).map(Array.init), SHA256Digest.oneShot(row.bytes(0)), "\(id): a change's hash")
            counts[block.origin, default: 0] += 1
        }
        let unsigned = try db.first("SELECT COUNT(*) FROM log WHERE dataset = ? AND live = 1 AND block IS NULL", dataset) { $0.int(0) } ?? 0
        XCTAssertEqual(unsigned, 0, "\(id): every change is signed")
        return counts
    }

}

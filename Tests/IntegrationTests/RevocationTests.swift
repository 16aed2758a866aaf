import Foundation
import Glibc
import SyncTesting
import XCTest

/// Certificates over a node's life, with real processes: revocation through
/// the federation, renewal without a restart, keys that never leave the node.
final class RevocationTests: XCTestCase {
    func federation() throws -> Federation {
        let f = try Federation(self, nodes: FleetTopology.small().nodes, datasets: [
            FleetTopology.dataset("ps-enterprise", source: "sz-pingshan", key: "uscc", items: [FleetTopology.item("name")]),
            FleetTopology.dataset("ft-enterprise", source: "sz-futian", key: "uscc", items: [FleetTopology.item("name")]),
        ])
        try f.issueCertificates()
        return f
    }

    func testARevokedDistrictIsRefusedEverywhereWithoutARestart() throws {
        let f = try federation()
        for id in ["gd", "sz", "sz-pingshan", "sz-futian"] { try f.start(id) }
        try f.write("sz-futian", "ft-enterprise", ["uscc=F1", "region=440304", "name=福田一"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("gd", "ft-enterprise").count == 1 })
        // The CA revokes 福田区 (its register knows its certificates) and the province publishes the list.
        let revoked = try f.run(["cert", "revoke", "--ca", f.caDirectory, "--node", "sz-futian", "--reason", "密钥泄露"]).check()
        XCTAssertTrue(revoked.stdout.contains("revocation list number 1"), revoked.stdout)
        try f.run(["cert", "publish-crl"] + f.fleet.nodeArguments("gd") + ["\(f.caDirectory)/crl.pem"]).check()
        // The list reaches the city, which cuts 福田区's open connections and refuses its next handshake.
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            f.log("sz").contains("peer_refused") && f.log("sz").contains("certificate revoked")
        }, f.log("sz"))
        try f.write("sz-futian", "ft-enterprise", ["uscc=F2", "region=440304", "name=福田二"]).check()
        Thread.sleep(forTimeInterval: 2)
        XCTAssertNil(try f.records("sz", "ft-enterprise")["F2"], "nothing from a revoked node is taken")
        XCTAssertEqual(try f.status("sz-pingshan")["revocationList"] as? Int, 1, "every node holds the list")
        // 坪山区 is not revoked: it carries on.
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=P1", "region=440310", "name=坪山一"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("gd", "ps-enterprise")["P1"] != nil })
        // A forged list (signed by another CA) is refused where it is published.
        try f.run(["cert", "ca", "--out", "\(f.directory)/rogue-ca"]).check()
        try f.run(["cert", "revoke", "--ca", "\(f.directory)/rogue-ca", "--serial", "01"]).check()
        let forged = try f.run(["cert", "publish-crl"] + f.fleet.nodeArguments("sz") + ["\(f.directory)/rogue-ca/crl.pem"])
        XCTAssertEqual(forged.status, 1)
        XCTAssertTrue(forged.stderr.contains("not signed by the federation CA"), forged.stderr)
    }

    func testARenewedCertificateIsUsedWithoutARestartAndNoChangeIsLost() throws {
        let f = try federation()
        for id in ["sz", "sz-pingshan"] { try f.start(id) }
        let before = try XCTUnwrap((try f.status("sz-pingshan")["certificateInUse"] as? [String: Any])?["serial"] as? String)
        // The node makes its new key and request itself; the CA signs the request; the key never left.
        let staging = "\(f.directory)/renew"
        try f.run(["cert", "request", "--topology", f.topologyPath, "--node", "sz-pingshan", "--out", staging]).check()
        let signed = try f.run(["cert", "sign", "--ca", f.caDirectory, "--topology", f.topologyPath, "--node", "sz-pingshan",
                                "\(staging)/sz-pingshan.csr"]).check()
        XCTAssertTrue(signed.stdout.contains("urn:syncnode:gd-test:sz-pingshan"), signed.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(f.caDirectory)/sz-pingshan.key"))
        // Writes keep coming while the operator moves the new key and certificate in.
        let fleet = f.fleet
        let writer = Thread {
            for n in 0..<30 {
                _ = try? fleet.run(["write"] + fleet.nodeArguments("sz-pingshan") + ["--dataset", "ps-enterprise", "uscc=R\(n)", "region=440310", "name=续期\(n)"])
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        writer.start()
        Thread.sleep(forTimeInterval: 0.5)
        let certs = f.certs("sz-pingshan")
        for file in ["sz-pingshan.key", "sz-pingshan.pem"] {
            XCTAssertEqual(rename("\(staging)/\(file)", "\(certs)/\(file)"), 0, "rename \(file)")   // each replaced at once, as mv does
        }
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            let inUse = (try f.status("sz-pingshan")["certificateInUse"] as? [String: Any])?["serial"] as? String
            return inUse != nil && inUse != before
        }, f.log("sz-pingshan"))
        XCTAssertTrue(f.log("sz-pingshan").contains("event=credentials_loaded"))
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.records("sz", "ps-enterprise").count == 30 }, "every write made during the renewal arrived")
        XCTAssertTrue(f.isRunning("sz-pingshan"), "no restart")
    }
}

import Foundation
import SyncTesting
import XCTest

/// Two and more real `syncnode serve` processes over mutual TLS.
final class HealthExchangeTests: XCTestCase {
    func testParentAndChildHearEachOtherAndNoticeOutages() throws {
        let f = try Federation.small(self)
        try f.issueCertificates()
        try f.start("sz")
        try f.start("sz-pingshan")

        XCTAssertTrue(f.waitUntil(timeout: 20) {
            try f.peerStatus("sz-pingshan", "sz")?["lastHeard"] as? String != nil
                && f.peerStatus("sz", "sz-pingshan")?["lastHeard"] as? String != nil
        }, "no health exchange; logs:\n\(f.log("sz"))\n\(f.log("sz-pingshan"))")
        let parentView = try XCTUnwrap(try f.peerStatus("sz-pingshan", "sz"))
        XCTAssertEqual(parentView["role"] as? String, "parent")
        XCTAssertEqual(try f.peerStatus("sz", "sz-pingshan")?["role"] as? String, "child")
        // The city also dials its own parent, which is down: that shows as its last error.
        XCTAssertTrue(f.waitUntil(timeout: 10) { try f.peerStatus("sz", "gd")?["lastError"] as? String != nil })
        XCTAssertNil(try f.peerStatus("sz", "gd")?["lastHeard"] as? String)

        // Parent goes down: the child records the failure; it comes back: heard again.
        XCTAssertEqual(f.stop("sz"), 0, "SIGTERM stops the node cleanly")
        XCTAssertTrue(f.log("sz").contains("event=node_stopped"))
        XCTAssertTrue(f.waitUntil(timeout: 10) {
            (try f.peerStatus("sz-pingshan", "sz")?["consecutiveFailures"] as? Int ?? 0) > 0
        })
        XCTAssertTrue(f.waitUntil(timeout: 10) {
            (try f.peerStatus("sz-pingshan", "sz")?["lastError"] as? String ?? "").contains("connect")
        }, "the child's status should say the parent cannot be connected to")
        try f.start("sz")
        XCTAssertTrue(f.waitUntil(timeout: 40) {
            try f.peerStatus("sz-pingshan", "sz")?["consecutiveFailures"] as? Int == 0
        }, "child did not reconnect: \(f.log("sz-pingshan"))")
    }

    func testStatusTableAndHelp() throws {
        let f = try Federation.small(self)
        try f.issueCertificates()
        let table = try f.run(["status", "--topology", f.topologyPath, "--node", "sz", "--data", f.data("sz"), "--certs", f.certs("sz")]).checkAnswered()
        XCTAssertTrue(table.stdout.contains("NEIGHBOUR"), table.stdout)
        XCTAssertTrue(table.stdout.contains("坪山区"), table.stdout)
        XCTAssertTrue(table.stdout.contains("never"), table.stdout)
        let help = try f.run(["serve", "--help"]).check()
        for flag in ["--topology", "--node", "--data", "--certs"] { XCTAssertTrue(help.stdout.contains(flag), flag) }
        let unknown = try f.run(["status", "--nod", "x"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown flag --nod"), unknown.stderr)
        let badNode = try f.run(["status", "--topology", f.topologyPath, "--node", "nowhere"])
        XCTAssertTrue(badNode.stderr.contains("not in federation"), badNode.stderr)
    }

    func testKeyFilesArePrivate() throws {
        let f = try Federation.small(self)
        try f.issueCertificates()
        for path in ["\(f.caDirectory)/ca.key", "\(f.certs("sz"))/sz.key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600, path)
        }
        // A key others can read is refused at start, with what to do.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(f.certs("sz"))/sz.key")
        let result = try f.run(["serve", "--topology", f.topologyPath, "--node", "sz", "--data", f.data("sz"), "--certs", f.certs("sz")])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("chmod 600"), result.stderr)
    }
}

import Foundation
import HTTPSClient
import TLS
import Posix
import SyncTesting
import XCTest

/// The federation port refuses every peer that is not a verified neighbour,
/// and logs why. The server is a real `syncnode serve` process; the clients
/// present certificates made by `syncnode cert`.
final class RefusalTests: XCTestCase {
    var f: Federation!

    override func setUpWithError() throws {
        f = try Federation.small(self)
        try f.issueCertificates()
        try f.start("sz")
    }

    func client(cert: String?, key: String?, ca: String? = nil, expect node: String = "sz") -> HTTPSClient {
        var configuration = HTTPSClientConfiguration(certificateFile: cert, keyFile: key, caFile: ca ?? "\(f.caDirectory)/ca.pem",
                                                     expectedPeer: NodeIdentity(federation: f.federation, node: node))
        configuration.requestTimeout = 10
        return HTTPSClient(baseURL: f.url("sz"), configuration: configuration)
    }

    func health(_ id: String) -> Data { Data(#"{"node":"\#(id)","time":0,"version":"test"}"#.utf8) }

    /// Asserts the request fails (transport error or non-200) and the server logged a refusal containing `reason`.
    func assertRefused(_ client: HTTPSClient, as id: String, reason: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let response = try client.send(method: "POST", path: "/v1/health", body: health(id))
            XCTAssertEqual(response.status, 403, file: file, line: line)
            XCTAssertTrue(String(decoding: response.body, as: UTF8.self).contains(reason), file: file, line: line)
        } catch {
            // With TLS 1.3 a rejected client certificate surfaces as a read error after the handshake.
        }
        XCTAssertTrue(f.waitUntil(timeout: 5) {
            f.log("sz").split(separator: "\n").contains { $0.contains("event=peer_refused") && $0.contains(reason) }
        }, "no refusal logged with '\(reason)':\n\(f.log("sz"))", file: file, line: line)
    }

    func testAGoodChildIsServed() throws {
        let c = client(cert: "\(f.certs("sz-pingshan"))/sz-pingshan.pem", key: "\(f.certs("sz-pingshan"))/sz-pingshan.key")
        let response = try c.send(method: "POST", path: "/v1/health", body: health("sz-pingshan"))
        XCTAssertEqual(response.status, 200, String(decoding: response.body, as: UTF8.self))
        XCTAssertTrue(String(decoding: response.body, as: UTF8.self).contains(#""node":"sz""#))
        // Keep-alive: a second request on the same client works too.
        XCTAssertEqual(try c.send(method: "POST", path: "/v1/health", body: health("sz-pingshan")).status, 200)
    }

    func testNoClientCertificateIsRefused() {
        assertRefused(client(cert: nil, key: nil), as: "sz-pingshan", reason: "peer did not return a certificate")
    }

    func testCertificateFromAnotherCAIsRefused() throws {
        let other = "\(f.directory)/other"
        try f.run(["cert", "ca", "--out", "\(other)/ca", "--name", "rogue CA"]).check()
        try f.run(["cert", "issue", "--ca", "\(other)/ca", "--topology", f.topologyPath, "--node", "sz-pingshan", "--out", "\(other)/certs"]).check()
        assertRefused(client(cert: "\(other)/certs/sz-pingshan.pem", key: "\(other)/certs/sz-pingshan.key"),
                      as: "sz-pingshan", reason: "unable to get local issuer certificate")
    }

    func testExpiredCertificateIsRefused() throws {
        let out = "\(f.directory)/expired"
        try f.run(["cert", "issue", "--ca", f.caDirectory, "--topology", f.topologyPath, "--node", "sz-pingshan",
                   "--out", out, "--days", "1", "--backdate-days", "3"]).check()
        assertRefused(client(cert: "\(out)/sz-pingshan.pem", key: "\(out)/sz-pingshan.key"), as: "sz-pingshan", reason: "certificate has expired")
    }

    func testNodeNotInTheTopologyIsRefused() throws {
        // Same CA, a topology with one more district: a certificate for a node the server does not know.
        var nodes = f.nodes
        nodes.append(.init(id: "sz-intruder", tier: "district", region: "440309", parent: "sz", name: "龙华区"))
        let other = "\(f.directory)/topology-intruder.json"
        try f.writeTopology(to: other, nodes: nodes)
        try f.run(["cert", "issue", "--ca", f.caDirectory, "--topology", other, "--node", "sz-intruder", "--out", "\(f.directory)/intruder"]).check()
        // A real process, configured with its own topology, dials the city and is refused.
        try f.start("sz-intruder", certs: "\(f.directory)/intruder", topology: other)
        XCTAssertTrue(f.waitUntil(timeout: 10) {
            f.log("sz").contains("event=peer_refused") && f.log("sz").contains("node 'sz-intruder' is not in this topology")
        }, f.log("sz"))
        let status = try f.run(["status", "--topology", other, "--node", "sz-intruder", "--data", f.data("sz-intruder"),
                                "--certs", "\(f.directory)/intruder", "--json"]).checkAnswered()
        XCTAssertTrue(status.stdout.contains("403"), status.stdout)
        XCTAssertTrue(status.stdout.contains("not in this topology"), status.stdout)
    }

    func testNodeThatIsNotANeighbourIsRefused() throws {
        // A sibling city, known to the topology and issued by the same CA, is not the city's neighbour.
        var nodes = f.nodes
        nodes.append(.init(id: "sw", tier: "city", region: "441500", parent: "gd", name: "汕尾市"))
        let other = "\(f.directory)/topology-sw.json"
        try f.writeTopology(to: other, nodes: nodes)
        try f.run(["cert", "issue", "--ca", f.caDirectory, "--topology", other, "--node", "sw", "--out", "\(f.directory)/sw"]).check()
        // The server's own topology must know 'sw' for this case: restart the city with the larger topology.
        f.stop("sz")
        try f.start("sz", topology: other)
        XCTAssertTrue(f.waitUntil(timeout: 20) { isPortOpen(port: f.ports["sz"]!) })
        assertRefused(client(cert: "\(f.directory)/sw/sw.pem", key: "\(f.directory)/sw/sw.key"),
                      as: "sw", reason: "node 'sw' is neither this node's parent nor one of its children")
    }

    func testCertificateOfAnotherFederationIsRefused() throws {
        let other = "\(f.directory)/topology-other-fed.json"
        try f.writeTopology(to: other, nodes: f.nodes, federation: "hn-test")
        try f.run(["cert", "issue", "--ca", f.caDirectory, "--topology", other, "--node", "sz-pingshan", "--out", "\(f.directory)/hn"]).check()
        assertRefused(client(cert: "\(f.directory)/hn/sz-pingshan.pem", key: "\(f.directory)/hn/sz-pingshan.key"),
                      as: "sz-pingshan", reason: "belongs to federation 'hn-test'")
    }

    func testClientRefusesAServerThatIsNotTheExpectedNode() throws {
        // The client expects the province at this URL but the city answers.
        let c = client(cert: "\(f.certs("sz-pingshan"))/sz-pingshan.pem", key: "\(f.certs("sz-pingshan"))/sz-pingshan.key", expect: "gd")
        XCTAssertThrowsError(try c.send(method: "POST", path: "/v1/health", body: health("sz-pingshan"))) { error in
            XCTAssertTrue("\(error)".contains("sz@gd-test but gd@gd-test was expected"), "\(error)")
        }
    }

    func testBadRequestsGetClearErrors() throws {
        let c = client(cert: "\(f.certs("sz-pingshan"))/sz-pingshan.pem", key: "\(f.certs("sz-pingshan"))/sz-pingshan.key")
        let badJSON = try c.send(method: "POST", path: "/v1/health", body: Data("{not json".utf8))
        XCTAssertEqual(badJSON.status, 400)
        XCTAssertTrue(String(decoding: badJSON.body, as: UTF8.self).contains("is not valid"))
        let spoofed = try c.send(method: "POST", path: "/v1/health", body: health("sz-futian"))
        XCTAssertEqual(spoofed.status, 400)
        XCTAssertTrue(String(decoding: spoofed.body, as: UTF8.self).contains("the certificate is node 'sz-pingshan'"))
        XCTAssertEqual(try c.send(method: "GET", path: "/v1/nowhere").status, 404)
        XCTAssertEqual(try c.send(method: "GET", path: "/v1/health").status, 405)
        let huge = Data(count: 65 * 1024 * 1024)
        let tooBig = try c.send(method: "POST", path: "/v1/health", body: huge)
        XCTAssertEqual(tooBig.status, 413)
        // The server is still healthy afterwards.
        XCTAssertEqual(try c.send(method: "POST", path: "/v1/health", body: health("sz-pingshan")).status, 200)
    }

    func testWrongCATrustedByTheClientFails() throws {
        let other = "\(f.directory)/other2"
        try f.run(["cert", "ca", "--out", other, "--name", "unrelated CA"]).check()
        let c = client(cert: "\(f.certs("sz-pingshan"))/sz-pingshan.pem", key: "\(f.certs("sz-pingshan"))/sz-pingshan.key", ca: "\(other)/ca.pem")
        XCTAssertThrowsError(try c.send(method: "POST", path: "/v1/health", body: health("sz-pingshan")))
    }
}

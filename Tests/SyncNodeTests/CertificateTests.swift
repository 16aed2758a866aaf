import Foundation
import TLS
import XCTest

final class CertificateTests: XCTestCase {
    func testIssuedCertificateCarriesIdentityAndChainsToTheCA() throws {
        let (ca, caKey) = try CertificateAuthority.create(name: "test CA", validDays: 30)
        let identity = NodeIdentity(federation: "gd-test", node: "sz-pingshan")
        let (cert, _) = try CertificateAuthority.issue(identity: identity, hosts: ["127.0.0.1", "hub.example"], ca: ca, caKey: caKey, validDays: 10)
        XCTAssertEqual(cert.nodeIdentity, identity)
        XCTAssertEqual(cert.commonName, "sz-pingshan")
        XCTAssertTrue(cert.isSigned(by: ca))
        let (other, _) = try CertificateAuthority.create(name: "other CA", validDays: 30)
        XCTAssertFalse(cert.isSigned(by: other))
        XCTAssertEqual(cert.notAfter.timeIntervalSince(cert.notBefore), 10 * 86_400, accuracy: 2)
        XCTAssertTrue(try cert.pem().hasPrefix("-----BEGIN CERTIFICATE-----"))
    }

    func testSignaturesVerifyOnlyWithTheSignersCertificateAndOnlyTheSignedBytes() throws {
        let (ca, caKey) = try CertificateAuthority.create(name: "test CA", validDays: 30)
        let (cert, key) = try CertificateAuthority.issue(identity: NodeIdentity(federation: "f", node: "a"), hosts: [], ca: ca, caKey: caKey, validDays: 1)
        let (other, _) = try CertificateAuthority.issue(identity: NodeIdentity(federation: "f", node: "b"), hosts: [], ca: ca, caKey: caKey, validDays: 1)
        let message = Array("syncnode audit head a 7 \(String(repeating: "ab", count: 32))".utf8)
        let signature = try key.sign(message)
        XCTAssertTrue(cert.verifies(signature, of: message))
        XCTAssertFalse(cert.verifies(signature, of: message + [0]), "other bytes")
        XCTAssertFalse(other.verifies(signature, of: message), "another node's certificate")
        var flipped = signature
        flipped[flipped.count / 2] ^= 1
        XCTAssertFalse(cert.verifies(flipped, of: message))
        XCTAssertFalse(cert.verifies([], of: message))
        XCTAssertEqual(try Certificate(pem: try cert.pem()).serial, cert.serial)
    }

    func testBackdatedCertificateIsExpired() throws {
        let (ca, caKey) = try CertificateAuthority.create(name: "test CA", validDays: 30)
        let (cert, _) = try CertificateAuthority.issue(identity: NodeIdentity(federation: "f", node: "n"), hosts: [],
                                                       ca: ca, caKey: caKey, validDays: 1, backdateDays: 3)
        XCTAssertLessThan(cert.notAfter, Date())
    }

    func testIdentityURIRoundTrip() {
        let id = NodeIdentity(federation: "gd-demo", node: "sz")
        XCTAssertEqual(NodeIdentity(uri: id.uri), id)
        XCTAssertNil(NodeIdentity(uri: "https://example.com"))
        XCTAssertNil(NodeIdentity(uri: "urn:syncnode::sz"))
    }

    func testPEMRoundTripThroughFiles() throws {
        let dir = NSTemporaryDirectory() + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ca, key) = try CertificateAuthority.create(name: "test CA", validDays: 30)
        try ca.pem().write(toFile: "\(dir)/ca.pem", atomically: true, encoding: .utf8)
        try key.pem().write(toFile: "\(dir)/ca.key", atomically: true, encoding: .utf8)
        XCTAssertEqual(try Certificate(pemFile: "\(dir)/ca.pem").commonName, "test CA")
        XCTAssertNoThrow(try PrivateKey(pemFile: "\(dir)/ca.key"))
        XCTAssertThrowsError(try Certificate(pemFile: "\(dir)/ca.key"))
        XCTAssertThrowsError(try Certificate(pemFile: "\(dir)/missing.pem")) { error in
            XCTAssertTrue("\(error)".contains("missing.pem"))
        }
    }
}

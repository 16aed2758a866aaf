import Foundation
@testable import SyncNode
import SyncCore
import SyncTesting
import TLS
import XCTest

/// The node's signer with real keys and a real CA: its own blocks verify
/// anywhere in the federation; a block that is not exactly what its origin
/// signed, or not signed by the origin's CA-issued key, does not — even after
/// a genuine block with the same signature was verified and cached.
final class NodeSignerTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "syncnode-signer-" + UUID().uuidString
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A signer for `node`, its certificate issued by `ca` into a directory of its own.
    func signer(_ node: String, ca: (Certificate, PrivateKey), issuer: (Certificate, PrivateKey)? = nil) throws -> NodeSigner {
        let topology = try FleetTopology.small().topology()
        let certs = "\(directory)/\(node)"
        try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true)
        let (by, byKey) = issuer ?? ca
        let (cert, key) = try CertificateAuthority.issue(identity: NodeIdentity(federation: "gd-test", node: node), hosts: [],
                                                         ca: by, caKey: byKey, validDays: 1)
        try cert.pem().write(toFile: "\(certs)/\(node).pem", atomically: true, encoding: .utf8)
        try key.pem().write(toFile: "\(certs)/\(node).key", atomically: true, encoding: .utf8)
        try ca.0.pem().write(toFile: "\(certs)/ca.pem", atomically: true, encoding: .utf8)
        return NodeSigner(context: try NodeContext(topology: topology, nodeID: node, certificateDirectory: certs))
    }

    func testABlockVerifiesOnlyAsItsOriginSignedIt() throws {
        let ca = try CertificateAuthority.create(name: "test CA", validDays: 30)
        let district = try signer("sz-pingshan", ca: ca), province = try signer("gd", ca: ca)
        let leaves = district.digest(Array("a change".utf8)) + district.digest(Array("another".utf8))
        let block = try district.sign(leaves: leaves)
        XCTAssertEqual(block.origin, "sz-pingshan")
        XCTAssertNoThrow(try province.verify(block))
        XCTAssertNoThrow(try province.verify(block), "again, from the cache")

        var forged = block
        forged.leaves[3] ^= 1
        XCTAssertThrowsError(try province.verify(forged), "the same signature over other leaves") {
            XCTAssertTrue("\($0)".contains("does not match"), "\($0)")
        }
        var claimed = block
        claimed.origin = "sz"
        XCTAssertThrowsError(try province.verify(claimed), "a district's block passed off as the city's") {
            XCTAssertTrue("\($0)".contains("not sz@gd-test"), "\($0)")
        }
        let rogue = try CertificateAuthority.create(name: "rogue CA", validDays: 30)
        let impostor = try signer("sz-pingshan", ca: ca, issuer: rogue)
        XCTAssertThrowsError(try province.verify(try impostor.sign(leaves: leaves)), "a key the federation CA never certified") {
            XCTAssertTrue("\($0)".contains("not issued by the federation CA"), "\($0)")
        }
        XCTAssertEqual(district.digest(Array("abc".utf8)), SHA256Digest.oneShot(Array("abc".utf8)))
    }
}

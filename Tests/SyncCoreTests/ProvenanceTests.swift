import SyncCore
import XCTest

/// The checks a receiver makes of a change against its origin's signed block,
/// and the batch's wire form of blocks; the real signatures are checked in the
/// integration tests (OpenSSL, the federation CA).
final class ProvenanceTests: XCTestCase {
    /// Hashes for real; a block "verifies" when its signature is the bytes of "ok".
    struct TestSigner: ChangeSigner {
        func digest(_ bytes: [UInt8]) -> [UInt8] { SHA256Digest.hash(bytes) }
        func sign(leaves: [UInt8]) throws -> SignedBlock {
            SignedBlock(origin: "sz-pingshan", leaves: leaves, signature: Array("ok".utf8), certificate: [0x30])
        }
        func verify(_ block: SignedBlock) throws(ProvenanceError) {
            guard block.signature == Array("ok".utf8) else { throw ProvenanceError("the signature does not match") }
        }
    }

    let signer = TestSigner()
    let region = try! RegionCode("440310")

    func write(_ key: String, _ values: [String: JSONValue], origin: String = "sz-pingshan") -> EncodedChange {
        EncodedChange(Change.write(dataset: "ps-enterprise", key: key, region: region, values: values, origin: origin, hlc: 1_000 << 16))
    }

    func signed(_ changes: [EncodedChange]) throws -> SignedBlock {
        try signer.sign(leaves: changes.flatMap { signer.digest($0.bytes) })
    }

    func testAChangeMatchingItsLeafInAVerifiedBlockIsAccepted() throws {
        let changes = [write("A", ["name": .string("甲")]), write("B", ["name": .string("乙")])]
        let block = try signed(changes)
        for (i, change) in changes.enumerated() {
            XCTAssertNil(ProvenanceCheck.problem(with: change, proof: ChangeProof(block: block, leaf: i), signer: signer))
        }
    }

    func testEachKindOfForgeryIsRefusedWithItsReason() throws {
        let change = write("A", ["name": .string("甲")])
        let block = try signed([change])
        func problem(_ c: EncodedChange, _ proof: ChangeProof?) -> String {
            ProvenanceCheck.problem(with: c, proof: proof, signer: signer) ?? "accepted"
        }
        XCTAssertEqual(problem(change, nil), "it carries no origin signature")
        XCTAssertTrue(problem(write("A", ["name": .string("伪造")]), ChangeProof(block: block, leaf: 0)).contains("altered on the way"))
        XCTAssertTrue(problem(change, ChangeProof(block: block, leaf: 1)).contains("outside its signed block"))
        var other = block
        other.origin = "sz"
        XCTAssertTrue(problem(change, ChangeProof(block: other, leaf: 0)).contains("by sz, not by its origin sz-pingshan"))
        var badSignature = block
        badSignature.signature = Array("no".utf8)
        XCTAssertTrue(problem(change, ChangeProof(block: badSignature, leaf: 0)).contains("does not verify"))
        // A change claiming another origin cannot borrow a block: the block names its signer.
        XCTAssertTrue(problem(write("A", ["name": .string("甲")], origin: "sz"), ChangeProof(block: block, leaf: 0)).contains("not by its origin"))
    }

    func testAPartOfASignedChangeIsAcceptedAndAnythingMoreIsNot() throws {
        let whole = write("A", ["name": .string("甲"), "phone": .string("1")])
        let block = try signed([whole])
        var part = whole.change
        part.items["phone"] = nil
        XCTAssertNil(ProvenanceCheck.problem(with: EncodedChange(part), proof: ChangeProof(block: block, leaf: 0, whole: whole.bytes), signer: signer))
        var more = part
        more.items["name"] = ItemWrite(value: .string("伪造"), stamp: part.items["name"]!.stamp)
        XCTAssertEqual(ProvenanceCheck.problem(with: EncodedChange(more), proof: ChangeProof(block: block, leaf: 0, whole: whole.bytes), signer: signer),
                       "it is not a part of the change sz-pingshan signed")
        var moved = part
        moved.region = try RegionCode("440304")
        XCTAssertFalse(ProvenanceCheck.isPart(moved, of: whole.change))
    }

    func testBlocksTravelOncePerBatchAndComeBackTheSame() throws {
        let changes = [write("A", ["name": .string("甲")]), write("B", ["name": .string("乙")])]
        let block = try signed(changes)
        let entries = changes.enumerated().map { LogEntry(seq: Int64($0.offset + 1), body: $0.element.bytes, proof: ChangeProof(block: block, leaf: $0.offset)) }
        let bytes = Batch.encode(entries, last: 2)
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertEqual(text.components(separatedBy: "\"leaves\"").count, 2, "one block, sent once")
        let batch = try Batch.decode(bytes)
        XCTAssertEqual(batch.entries.map(\.proof), entries.map(\.proof))
        XCTAssertEqual(batch.entries.map(\.change.bytes), changes.map(\.bytes))
    }

    func testMalformedBlocksAreRefusedNamingWhatIsWrong() {
        let change = String(decoding: write("A", ["name": .string("甲")]).bytes, as: UTF8.self)
        func refusal(_ body: String) -> String {
            do { _ = try Batch.decode(Array(body.utf8)); return "accepted" } catch { return error.description }
        }
        XCTAssertTrue(refusal(#"{"changes":[{"b":0,"change":\#(change),"i":0,"seq":1}]}"#).contains("carries 0 signed blocks"))
        XCTAssertTrue(refusal(#"{"changes":[{"b":0,"change":\#(change),"seq":1}]}"#).contains("both \"b\" and \"i\""))
        XCTAssertTrue(refusal(#"{"blocks":[{"cert":"AA==","leaves":"AAAA","origin":"o","sig":"AA=="}],"changes":[]}"#).contains("32-byte hashes"))
        XCTAssertTrue(refusal(#"{"blocks":[{"cert":"!!","leaves":"AAAA","origin":"o","sig":"AA=="}],"changes":[]}"#).contains("must be base64"))
        XCTAssertTrue(refusal(#"{"blocks":[{"cert":"AA==","origin":"o","sig":"AA=="}],"changes":[]}"#).contains("needs"))
        XCTAssertTrue(refusal(#"{"blocks":[{"cert":"AA==","extra":"x","leaves":"AAAA","origin":"o","sig":"AA=="}],"changes":[]}"#).contains("unknown"))
    }
}

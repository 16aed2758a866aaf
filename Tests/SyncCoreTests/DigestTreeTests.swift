import SyncCore
import XCTest

final class DigestTreeTests: XCTestCase {
    func leaf(_ key: String, _ value: String = "v", deleted: Bool = false) -> UInt64 {
        DigestTree.leaf(key: key, region: "440310", deleted: deleted, bodies: [Array("{\"k\":\"\(key)\",\"v\":\"\(value)\"}".utf8)])
    }

    func testTheTreeIsTheSameWhateverOrderRecordsAreReadIn() {
        let keys = (0..<2000).map { "K\($0)" }
        var forward = DigestTree(), backward = DigestTree()
        for key in keys { forward.add(key: key, leaf: leaf(key)) }
        for key in keys.reversed() { backward.add(key: key, leaf: leaf(key)) }
        XCTAssertEqual(forward, backward)
        XCTAssertEqual(forward.root, backward.root)
        XCTAssertTrue(forward.root.hasPrefix("2000:"))
        // Past a few thousand filled buckets the tree keeps them in an array: the same tree either way.
        var many = DigestTree(), sparseThenDense = DigestTree()
        for n in 0..<20_000 { many.add(key: "M\(n)", leaf: leaf("M\(n)")) }
        for n in (0..<20_000).reversed() { sparseThenDense.add(key: "M\(n)", leaf: leaf("M\(n)")) }
        XCTAssertEqual(many.filledBuckets, DigestTree.buckets)
        XCTAssertEqual(many.root, sparseThenDense.root)
        XCTAssertLessThan(forward.filledBuckets, 2001, "a small tree keeps only its filled buckets")
    }

    func testALeafChangesWithEveryPartOfTheRecord() {
        let base = leaf("K")
        XCTAssertNotEqual(base, leaf("K", "w"), "a value")
        XCTAssertNotEqual(base, leaf("K", deleted: true), "the tombstone flag")
        XCTAssertNotEqual(base, DigestTree.leaf(key: "K", region: "440304", deleted: false, bodies: [Array("{\"k\":\"K\",\"v\":\"v\"}".utf8)]), "the region")
        let two = [Array("a".utf8), Array("b".utf8)]
        XCTAssertEqual(DigestTree.leaf(key: "K", region: "440310", deleted: false, bodies: two),
                       DigestTree.leaf(key: "K", region: "440310", deleted: false, bodies: two.reversed()), "the order contributions are named in does not count")
        XCTAssertNotEqual(DigestTree.leaf(key: "K", region: "440310", deleted: false, bodies: two),
                          DigestTree.leaf(key: "K", region: "440310", deleted: false, bodies: [two[0]]), "a lost contribution does")
    }

    func testOneDifferingRecordShowsInOneBranchAndOneBucket() {
        var a = DigestTree(), b = DigestTree()
        for n in 0..<5000 {
            a.add(key: "K\(n)", leaf: leaf("K\(n)"))
            b.add(key: "K\(n)", leaf: leaf("K\(n)", n == 1234 ? "changed" : "v"))
        }
        XCTAssertNotEqual(a.root, b.root)
        let branches = zip(a.branchHashes, b.branchHashes).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        let bucket = DigestTree.bucket(of: "K1234")
        XCTAssertEqual(branches, [bucket / DigestTree.bucketsPerBranch])
        let buckets = zip(a.bucketHashes, b.bucketHashes).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        XCTAssertEqual(buckets, [bucket])
    }

    func testHostileDigestRequestsAreRefusedWithTheReason() {
        func refusal(_ json: String) -> String? {
            do { _ = try DigestRequest.decode(Array(json.utf8)); return nil } catch { return error.message }
        }
        XCTAssertNil(refusal(#"{"op":"roots","roots":{"d":"1:00"}}"#))
        XCTAssertNotNil(refusal(#"{"op":"steal"}"#))
        XCTAssertNotNil(refusal("not json"))
        XCTAssertEqual(refusal(#"{"op":"buckets","dataset":"d","branches":[256]}"#)?.contains("at most 256 numbers from 0 to 255"), true)
        XCTAssertNotNil(refusal(#"{"op":"buckets","dataset":"d","branches":[-1]}"#))
        XCTAssertNotNil(refusal(#"{"op":"leaves","dataset":"d","buckets":[65536],"leaves":{}}"#))
        XCTAssertNotNil(refusal(#"{"op":"leaves","dataset":"d","buckets":[1],"leaves":{"k":"xyz"}}"#))
        let keys = (0...DigestRequest.Limits.keys).map { "\"k\($0)\"" }.joined(separator: ",")
        XCTAssertEqual(refusal(#"{"op":"entries","dataset":"d","keys":[\#(keys)]}"#)?.contains("at most 5000"), true)
        XCTAssertNotNil(refusal(#"{"op":"entries","keys":["a"]}"#), "no dataset")
    }
}

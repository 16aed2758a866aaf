import SyncCore
import XCTest

/// The one change codec: canonical bytes out, strict reading in.
final class ChangeCodecTests: XCTestCase {
    let region = try! RegionCode("440310")

    var sample: Change {
        Change(dataset: "ps-enterprise", key: "91440310MA5F0001", region: region, items: [
            "name": ItemWrite(value: .string("坪山\"科技\"\n"), stamp: Stamp(hlc: 7 << 16, origin: "sz-pingshan")),
            "capital": ItemWrite(value: .int(500), stamp: Stamp(hlc: 7 << 16, origin: "sz-pingshan")),
            "lat": ItemWrite(value: .double(22.70123), stamp: Stamp(hlc: 7 << 16, origin: "sz-pingshan")),
            "open": ItemWrite(value: .bool(true), stamp: Stamp(hlc: 7 << 16, origin: "sz-pingshan")),
            "closed": ItemWrite(value: .null, stamp: Stamp(hlc: 7 << 16, origin: "sz-pingshan")),
        ], tombstone: Stamp(hlc: 3, origin: "sz-pingshan"), origin: "sz-pingshan")
    }

    func decode(_ text: String) throws -> EncodedChange { try ChangeCodec.decode(Array(text.utf8)) }

    func testRoundTripKeepsEveryValueAndTheBytes() throws {
        let bytes = ChangeCodec.encode(sample)
        let decoded = try ChangeCodec.decode(bytes)
        XCTAssertEqual(decoded.change, sample)
        XCTAssertEqual(decoded.bytes, bytes, "canonical input is kept as it came")
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).hasPrefix(#"{"dataset":"ps-enterprise","items":{"capital":"#))
        let delete = Change.delete(dataset: "d", key: "k", region: region, origin: "sz", hlc: 9)
        XCTAssertEqual(try ChangeCodec.decode(ChangeCodec.encode(delete)).change, delete)
    }

    func testNonCanonicalInputIsStoredCanonically() throws {
        let loose = #"{ "region":"440310", "origin":"o", "key":"k", "items":{"b":{"v":"\u0041","o":"o","h":1}, "a":{"h":2,"o":"o","v":1.50}}, "dataset":"d" }"#
        let decoded = try decode(loose)
        XCTAssertEqual(decoded.change.items["b"]?.value, .string("A"))
        XCTAssertEqual(decoded.bytes, ChangeCodec.encode(decoded.change))
        XCTAssertEqual(String(decoding: decoded.bytes, as: UTF8.self),
                       #"{"dataset":"d","items":{"a":{"h":2,"o":"o","v":1.5},"b":{"h":1,"o":"o","v":"A"}},"key":"k","origin":"o","region":"440310"}"#)
    }

    func testStrictRefusals() {
        let cases: [(String, String)] = [
            (#"{"dataset":"d","dataset":"e","items":{},"key":"k","origin":"o","region":"440310"}"#, "member 'dataset' twice"),
            (#"{"dataset":"d","items":{},"key":"k","origin":"o","region":"440310","extra":1}"#, "no member 'extra'"),
            (#"{"dataset":"d","items":{},"key":"k","origin":"o","region":"440310","tombstone":null}"#, "omit it when there is none"),
            (#"{"dataset":"d","key":"k","origin":"o","region":"440310"}"#, "needs \"items\""),
            (#"{"dataset":"d","items":{"a":{"h":1,"o":"o","v":[1]}},"key":"k","origin":"o","region":"440310"}"#, "must be text, a number"),
            (#"{"dataset":"d","items":{"a":{"h":1,"o":"o","v":1,"x":2}},"key":"k","origin":"o","region":"440310"}"#, "unknown or repeated member 'x'"),
            (#"{"dataset":"d","items":{"a":{"h":1,"h":2,"o":"o","v":1}},"key":"k","origin":"o","region":"440310"}"#, "unknown or repeated member 'h'"),
            (#"{"dataset":"d","items":{"a":{"h":-1,"o":"o","v":1}},"key":"k","origin":"o","region":"440310"}"#, "clock reading"),
            (#"{"dataset":"d","items":{"a":{"h":9223372036854775807,"o":"o","v":1}},"key":"k","origin":"o","region":"440310"}"#, "clock reading"),
            (#"{"dataset":"d","items":{},"key":"","origin":"o","region":"440310"}"#, "empty key"),
            (#"{"dataset":"d","items":{},"key":"k","origin":"o","region":"990000"}"#, "province code"),
            (#"{"dataset":"d","items":{},"key":"k","origin":"o","region":440310}"#, "'region' must be a string"),
            (#"{"dataset":"d","items":{},"key":"k","origin":"o","region":"440310"}x"#, "unexpected text"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try decode(text), text) { XCTAssertTrue("\($0)".contains(expected), "\(text): \($0)") }
        }
        let many = (0...ChangeCodec.maxItems).map { #""i\#($0)":{"h":1,"o":"o","v":1}"# }.joined(separator: ",")
        XCTAssertThrowsError(try decode(#"{"dataset":"d","items":{\#(many)},"key":"k","origin":"o","region":"440310"}"#))
        let longKey = String(repeating: "k", count: ChangeCodec.maxKeyBytes + 1)
        XCTAssertThrowsError(try decode(#"{"dataset":"d","items":{},"key":"\#(longKey)","origin":"o","region":"440310"}"#))
    }

    func testAUniformlyStampedWriteTakesTheCompactFormAndTheLongOneIsReadAndReencoded() throws {
        let write = Change.write(dataset: "d", key: "k", region: region, values: ["a": .int(1), "b": .string("乙")], origin: "o", hlc: 5)
        let compact = #"{"dataset":"d","items":{"a":1,"b":"乙"},"key":"k","origin":"o","region":"440310","stamp":{"h":5,"o":"o"}}"#
        XCTAssertEqual(String(decoding: ChangeCodec.encode(write), as: UTF8.self), compact)
        XCTAssertEqual(try decode(compact).change, write)
        XCTAssertEqual(try decode(compact).bytes, Array(compact.utf8), "kept as it came")
        let long = try decode(#"{"dataset":"d","items":{"a":{"h":5,"o":"o","v":1},"b":{"h":5,"o":"o","v":"乙"}},"key":"k","origin":"o","region":"440310"}"#)
        XCTAssertEqual(long.change, write)
        XCTAssertEqual(long.bytes, Array(compact.utf8), "the long form of a uniform write is stored compact")
        for (text, expected) in [
            (#"{"dataset":"d","items":{"a":1,"b":{"h":5,"o":"o","v":1}},"key":"k","origin":"o","region":"440310","stamp":{"h":5,"o":"o"}}"#, "all carry a stamp or none"),
            (#"{"dataset":"d","items":{"a":1},"key":"k","origin":"o","region":"440310"}"#, "need the change's \"stamp\""),
            (#"{"dataset":"d","items":{},"key":"k","origin":"o","region":"440310","stamp":{"h":5,"o":"o"}}"#, "goes with items"),
            (#"{"dataset":"d","items":{"a":1},"key":"k","origin":"o","region":"440310","stamp":5}"#, "must be a stamp object"),
        ] {
            XCTAssertThrowsError(try decode(text), text) { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
        }
    }
}

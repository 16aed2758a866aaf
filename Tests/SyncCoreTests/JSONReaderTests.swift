import SyncCore
import XCTest

/// The strict reader every peer's, file's and source system's JSON goes through.
final class JSONReaderTests: XCTestCase {
    func parse(_ text: String) throws -> JSONNode { try JSONNode.parse(Array(text.utf8)) }

    func canonical(_ text: String) throws -> Bool {
        var reader = JSONReader(bytes: Array(text.utf8))
        _ = try reader.value(depth: 0)
        try reader.end()
        return reader.canonical
    }

    func testNumbersFollowTheGrammar() throws {
        XCTAssertEqual(try parse("0"), .int(0))
        XCTAssertEqual(try parse("-12"), .int(-12))
        XCTAssertEqual(try parse("9223372036854775807"), .int(.max))
        XCTAssertEqual(try parse("-9223372036854775808"), .int(.min))
        XCTAssertEqual(try parse("9223372036854775808"), .double(9223372036854775808), "beyond 64 bits: a double")
        XCTAssertEqual(try parse("1.5e3"), .double(1500))
        for bad in ["01", "-", "1.", "1e", "1e+", ".5", "+1", "1.2.3", "0x10", "1e999", "NaN", "Infinity", "--1"] {
            XCTAssertThrowsError(try parse(bad), bad)
        }
    }

    func testStringsMustBeValidUTF8WithoutRawControls() throws {
        XCTAssertEqual(try parse(#""坪山\n\u00e9\ud83d\ude00""#), .string("坪山\né😀"))
        XCTAssertThrowsError(try JSONNode.parse([0x22, 0xff, 0xfe, 0x22]), "invalid UTF-8")
        XCTAssertThrowsError(try JSONNode.parse([0x22, 0xe5, 0x9d, 0x22]), "a cut character")
        XCTAssertThrowsError(try parse("\"a\u{01}b\""), "a raw control character")
        XCTAssertThrowsError(try parse(#""\ud800""#), "an unpaired surrogate")
        XCTAssertThrowsError(try parse(#""\x""#), "an unknown escape")
        XCTAssertThrowsError(try parse(#""abc"#), "unterminated")
    }

    func testDuplicateMembersDepthAndTrailingTextAreRefused() throws {
        XCTAssertThrowsError(try parse(#"{"a":1,"a":2}"#)) { XCTAssertTrue("\($0)".contains("duplicate member 'a'"), "\($0)") }
        XCTAssertThrowsError(try parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100))) {
            XCTAssertTrue("\($0)".contains("nested too deeply"), "\($0)")
        }
        XCTAssertThrowsError(try parse(#"{"a":1} x"#))
        XCTAssertThrowsError(try parse(#"{"a":1,}"#))
        XCTAssertThrowsError(try parse("[1 2]"))
        XCTAssertEqual(try parse(#" { "a" : [ true , null ] } "#), .object([("a", .array([.bool(true), .null]))]))
    }

    func testCanonicalFormIsRecognised() throws {
        XCTAssertTrue(try canonical(#"{"a":1,"b":[1.5,"x\n"]}"#))
        XCTAssertFalse(try canonical(#"{"b":1,"a":2}"#), "members out of order")
        XCTAssertFalse(try canonical(#"{"a": 1}"#), "whitespace")
        XCTAssertFalse(try canonical(#""\/""#), "an escape the writer never writes")
        XCTAssertFalse(try canonical(#""\u0041""#))
        XCTAssertTrue(try canonical(#""\u0001""#), "control characters are escaped as u00xx")
        XCTAssertFalse(try canonical("1.50"), "a longer number than needed")
        XCTAssertFalse(try canonical("-0"))
    }

    func testTheWriterWritesWhatTheReaderCallsCanonical() throws {
        var w = JSONWriter()
        w.node(.object([("a", .string("\"\\\u{01}\t坪")), ("b", .double(0.1)), ("c", .int(-5)), ("d", .array([.null, .bool(false)]))]))
        var reader = JSONReader(bytes: w.bytes)
        let node = try reader.value(depth: 0)
        XCTAssertTrue(reader.canonical, String(decoding: w.bytes, as: UTF8.self))
        XCTAssertEqual(node["a"], .string("\"\\\u{01}\t坪"))
        XCTAssertEqual(node["b"], .double(0.1))
        XCTAssertTrue(JSONWriter.precedes("a", "b") && JSONWriter.precedes("Z", "a") && !JSONWriter.precedes("b", "b"))
    }
}

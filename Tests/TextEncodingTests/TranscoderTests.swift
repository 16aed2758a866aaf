import TextEncoding
import XCTest

/// GB18030 to UTF-8, chunk by chunk.
final class TranscoderTests: XCTestCase {
    // "坪山区" in GB18030.
    let gb: [UInt8] = [0xC6, 0xBA, 0xC9, 0xBD, 0xC7, 0xF8]

    func testACharacterSplitAcrossChunksIsCarriedOver() throws {
        for split in 0...gb.count {
            let t = try Transcoder(from: "GB18030")
            let out = try t.convert(Array(gb[..<split]), final: false) + t.convert(Array(gb[split...]), final: true)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), "坪山区", "split at \(split)")
        }
    }

    func testInvalidBytesAndATruncatedEndAreErrorsThatSayWhere() throws {
        XCTAssertThrowsError(try Transcoder(from: "GB18030").convert([0x41, 0xFF, 0xFF], final: true)) {
            XCTAssertTrue("\($0)".contains("byte 1"), "\($0)")
        }
        XCTAssertThrowsError(try Transcoder(from: "GB18030").convert(Array(gb.prefix(5)), final: true)) {
            XCTAssertTrue("\($0)".contains("ends inside"), "\($0)")
        }
        XCTAssertThrowsError(try Transcoder(from: "NO-SUCH-ENCODING"))
    }
}

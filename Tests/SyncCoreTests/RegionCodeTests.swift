import SyncCore
import XCTest

final class RegionCodeTests: XCTestCase {
    func testValidCodesAndLevels() throws {
        XCTAssertEqual(try RegionCode("440000").level, .province)
        XCTAssertEqual(try RegionCode("440300").level, .city)
        XCTAssertEqual(try RegionCode("440310").level, .district)
    }

    func testInvalidCodesSayWhy() {
        for (code, reason) in [("44031", "6 digits"), ("4403100", "6 digits"), ("44a310", "6 digits"),
                               ("990000", "province code"), ("", "6 digits"), ("４４０３１０", "6 digits")] {
            XCTAssertThrowsError(try RegionCode(code), code) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(code): \(error)")
            }
        }
    }

    func testContainmentAtEachLevel() throws {
        let guangdong = try RegionCode("440000")
        let shenzhen = try RegionCode("440300")
        let pingshan = try RegionCode("440310")
        let chengqu = try RegionCode("441502")
        let beijing = try RegionCode("110101")
        XCTAssertTrue(guangdong.contains(pingshan))
        XCTAssertTrue(guangdong.contains(chengqu))
        XCTAssertFalse(guangdong.contains(beijing))
        XCTAssertTrue(shenzhen.contains(pingshan))
        XCTAssertFalse(shenzhen.contains(chengqu))
        XCTAssertTrue(pingshan.contains(pingshan))
        XCTAssertFalse(pingshan.contains(try RegionCode("440304")))
        XCTAssertFalse(pingshan.contains(shenzhen), "a district does not contain its city")
        // Containment at an explicit level: a city node with a city code covers its districts.
        XCTAssertTrue(shenzhen.contains(pingshan, at: .city))
        XCTAssertFalse(shenzhen.contains(pingshan, at: .district))
    }

    func testDecodingValidates() {
        XCTAssertThrowsError(try JSONDecoder().decode([RegionCode].self, from: Data(#"["12345x"]"#.utf8)))
        XCTAssertEqual(try JSONDecoder().decode([RegionCode].self, from: Data(#"["440310"]"#.utf8)).first?.code, "440310")
    }
}

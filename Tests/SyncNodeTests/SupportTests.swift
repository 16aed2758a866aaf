import Foundation
@testable import SyncNode
import XCTest

/// Operators' tables and the import's UTF-8 handling.
final class SupportTests: XCTestCase {
    func testTableAlignsChineseText() {
        var t = Table(["ID", "NAME", "X"])
        t.add(["sz", "深圳市", "1"])
        t.add(["sz-pingshan", "坪山区", "2"])
        let lines = t.render().split(separator: "\n")
        // "深圳市" is 6 columns wide, like "坪山区"; the X column starts at the same column on every line.
        let columns = lines.map { line in Table.width(String(line.dropLast())) }
        XCTAssertEqual(Set(columns).count, 1, t.render())
    }

    func testCompleteUTF8Prefix() {
        let text = Array("a坪山".utf8)   // 1 + 3 + 3 bytes
        XCTAssertEqual(RowSource.completeUTF8Prefix(text), 7)
        XCTAssertEqual(RowSource.completeUTF8Prefix(Array(text.prefix(6))), 4, "a character cut at the end is left for the next chunk")
        XCTAssertEqual(RowSource.completeUTF8Prefix(Array(text.prefix(5))), 4)
        XCTAssertEqual(RowSource.completeUTF8Prefix(Array(text.prefix(4))), 4)
    }
}

@testable import SyncNode
import XCTest

final class ArgumentsTests: XCTestCase {
    let flags = [Flag("node", value: "ID", help: ""), Flag("json", help: ""), Flag("host", value: "H", help: "", repeatable: true)]

    func testParsesValuesSwitchesAndPositionals() throws {
        let a = try Arguments(["--node", "sz", "--json", "--host=a", "--host", "b", "file.csv"], flags: flags, command: "t")
        XCTAssertEqual(a.value("node"), "sz")
        XCTAssertTrue(a.has("json"))
        XCTAssertEqual(a.all("host"), ["a", "b"])
        XCTAssertEqual(a.positionals, ["file.csv"])
    }

    func testUnknownFlagAndMissingValueAreNamed() {
        XCTAssertThrowsError(try Arguments(["--nod", "sz"], flags: flags, command: "t")) { XCTAssertTrue("\($0)".contains("--nod")) }
        XCTAssertThrowsError(try Arguments(["--node"], flags: flags, command: "t")) { XCTAssertTrue("\($0)".contains("needs a value")) }
        XCTAssertThrowsError(try Arguments(["--node", "a", "--node", "b"], flags: flags, command: "t"))
    }

    func testTableAlignsChineseText() {
        var t = Table(["ID", "NAME", "X"])
        t.add(["sz", "深圳市", "1"])
        t.add(["sz-pingshan", "坪山区", "2"])
        let lines = t.render().split(separator: "\n")
        // "深圳市" is 6 columns wide, like "坪山区"; the X column starts at the same column on every line.
        let columns = lines.map { line in Table.width(String(line.dropLast())) }
        XCTAssertEqual(Set(columns).count, 1, t.render())
    }
}

extension ArgumentsTests {
    func testCompleteUTF8Prefix() {
        let text = Array("a坪山".utf8)   // 1 + 3 + 3 bytes
        XCTAssertEqual(RowSource.completeUTF8Prefix(text), 7)
        XCTAssertEqual(RowSource.completeUTF8Prefix(Array(text.prefix(6))), 4, "a character cut at the end is left for the next chunk")
        XCTAssertEqual(RowSource.completeUTF8Prefix(Array(text.prefix(5))), 4)
        XCTAssertEqual(RowSource.completeUTF8Prefix(Array(text.prefix(4))), 4)
    }
}

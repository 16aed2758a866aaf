@testable import syncnode
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
}

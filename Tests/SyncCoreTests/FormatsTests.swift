import Foundation
import SyncCore
import XCTest

final class CSVReaderTests: XCTestCase {
    func read(_ text: String, chunk: Int) throws -> [[String]] {
        var reader = CSVReader()
        var rows: [[String]] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            rows += reader.feed(bytes[i..<min(bytes.count, i + chunk)]).map(\.fields)
            i += chunk
        }
        if let last = try reader.finish() { rows.append(last.fields) }
        return rows
    }

    func testQuotesCommasNewlinesAndCRLFInAnySplit() throws {
        let text = "a,b,c\r\n1,\"x, \"\"y\"\"\",\"多\n行\"\r\n2,,末尾"
        for chunk in [1, 2, 3, 5, 100] {
            XCTAssertEqual(try read(text, chunk: chunk), [["a", "b", "c"], ["1", "x, \"y\"", "多\n行"], ["2", "", "末尾"]], "chunk \(chunk)")
        }
    }

    func testUnclosedQuoteIsAnError() {
        XCTAssertThrowsError(try read("a\n\"open", chunk: 4)) { XCTAssertTrue("\($0)".contains("never closed")) }
    }

    func testEscape() {
        XCTAssertEqual(CSVReader.escape("plain"), "plain")
        XCTAssertEqual(CSVReader.escape("a,\"b\""), "\"a,\"\"b\"\"\"")
    }
}

/// Update-frequency monitoring with a controlled clock.
final class FrequencyStatusTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func status(_ frequency: String, hoursAgo: Double?) -> FrequencyStatus? {
        FrequencyStatus.assess(lastWrite: hoursAgo.map { now.addingTimeInterval(-$0 * 3600) }, frequency: frequency, now: now)
    }

    func testDailyDataset() {
        XCTAssertEqual(status("day", hoursAgo: 2), .onTime)
        XCTAssertEqual(status("day", hoursAgo: 25), .dueSoon)
        XCTAssertEqual(status("day", hoursAgo: 31), .overdue)
        XCTAssertEqual(status("day", hoursAgo: nil), .noData)
    }

    func testOtherFrequencies() {
        XCTAssertEqual(status("realtime", hoursAgo: 0.5), .onTime)
        XCTAssertEqual(status("realtime", hoursAgo: 2), .overdue)
        XCTAssertEqual(status("month", hoursAgo: 24 * 20), .onTime)
        XCTAssertEqual(status("month", hoursAgo: 24 * 40), .overdue)
        XCTAssertEqual(status("year", hoursAgo: 24 * 300), .dueSoon)
        XCTAssertNil(status("fortnightly", hoursAgo: 1))
    }
}

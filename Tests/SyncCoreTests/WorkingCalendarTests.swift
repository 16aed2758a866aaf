import Foundation
import SyncCore
import SyncTesting
import XCTest

/// Working days across the 2026 National Day week (国庆): 10-01…10-07 off
/// (10-03 and 10-04 are the weekend), Mid-Autumn on Friday 09-25, and the
/// make-up working days Sunday 09-20 and Saturday 10-10 — as the demo
/// topology's policy lists them.
final class WorkingCalendarTests: XCTestCase {
    let policy = Policy(holidays: ["2026-09-25", "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"],
                        workdays: ["2026-09-20", "2026-10-10"])
    var calendar: WorkingCalendar { WorkingCalendar(policy: policy) }

    func day(_ text: String) -> CivilDate { CivilDate(text)! }

    func testDeadlinesAcrossTheNationalDayWeek() {
        let table: [(start: String, days: Int, deadline: String, why: String)] = [
            ("2026-09-30", 5, "2026-10-13", "08 Thu, 09 Fri, 10 Sat (make-up), 12 Mon, 13 Tue"),
            ("2026-09-30", 1, "2026-10-08", "the whole holiday is skipped"),
            ("2026-10-01", 1, "2026-10-08", "a request that arrives on a holiday counts from the next working day"),
            ("2026-10-09", 1, "2026-10-10", "the make-up Saturday is a working day"),
            ("2026-10-10", 1, "2026-10-12", "Sunday 10-11 is not"),
            ("2026-09-18", 1, "2026-09-20", "the make-up Sunday before the holiday"),
            ("2026-09-24", 1, "2026-09-28", "Mid-Autumn Friday and the weekend skipped"),
            ("2026-09-28", 10, "2026-10-16", "长沙 §22's ten working days"),
            ("2026-10-12", 3, "2026-10-15", "an ordinary week: 坪山 §24's three days"),
            ("2026-10-16", 1, "2026-10-19", "Friday to Monday"),
            ("2026-10-16", 0, "2026-10-16", "no working days: the same day"),
        ]
        for row in table {
            XCTAssertEqual(calendar.deadline(from: day(row.start), workingDays: row.days).description, row.deadline,
                           "\(row.start) + \(row.days): \(row.why)")
        }
    }

    func testWorkingDaysAndDaysLeft() {
        XCTAssertFalse(calendar.isWorkingDay(day("2026-10-01")))
        XCTAssertFalse(calendar.isWorkingDay(day("2026-10-03")), "a weekend inside the holiday")
        XCTAssertTrue(calendar.isWorkingDay(day("2026-10-10")))
        XCTAssertTrue(calendar.isWorkingDay(day("2026-09-20")))
        XCTAssertFalse(calendar.isWorkingDay(day("2026-10-11")))
        XCTAssertTrue(calendar.isWorkingDay(day("2026-10-08")))
        XCTAssertEqual(calendar.workingDays(after: day("2026-09-30"), through: day("2026-10-13")), 5)
        XCTAssertEqual(calendar.workingDays(after: day("2026-10-13"), through: day("2026-10-13")), 0)
        XCTAssertEqual(calendar.workingDays(after: day("2026-10-14"), through: day("2026-10-13")), 0, "past the deadline")
        // Counting back what `deadline` counted forward, for every start in two months.
        var start = day("2026-09-01")
        while start < day("2026-11-01") {
            for n in 1...12 {
                let end = calendar.deadline(from: start, workingDays: n)
                XCTAssertEqual(calendar.workingDays(after: start, through: end), n, "\(start) + \(n)")
                XCTAssertTrue(calendar.isWorkingDay(end), "\(start) + \(n) ends on a working day")
            }
            start = start.adding(days: 1)
        }
    }

    func testYearsThePolicyCovers() {
        XCTAssertTrue(calendar.covers(day("2026-03-01")))
        XCTAssertFalse(calendar.covers(day("2027-03-01")), "no 2027 holidays listed: deadlines there count weekends only")
        XCTAssertFalse(WorkingCalendar(policy: Policy()).covers(day("2026-03-01")))
    }

    func testCivilDates() {
        XCTAssertEqual(day("2026-10-01").weekday, 4, "a Thursday")
        XCTAssertEqual(day("1970-01-01").dayNumber, 0)
        XCTAssertEqual(day("2028-02-29").description, "2028-02-29")
        for bad in ["2026-02-29", "2026-9-01", "2026/09/01", "2026-13-01", "2026-00-10", "2026-09-31", "20260901", "2026-09-01 ", "-026-09-01"] {
            XCTAssertNil(CivilDate(bad), bad)
        }
        // Dates round-trip over four centuries of leap rules.
        var d = day("1900-01-01")
        while d < day("2300-01-01") {
            let (y, m, dd) = d.components
            XCTAssertEqual(CivilDate(year: y, month: m, day: dd), d)
            d = d.adding(days: 37)
        }
        // China's date: 16:30 UTC on 09-30 is 00:30 on 10-01 in Beijing.
        let instant = Date(timeIntervalSince1970: Double(day("2026-09-30").dayNumber * 86_400 + 16 * 3600 + 1800))
        XCTAssertEqual(CivilDate(instant: instant).description, "2026-10-01")
        XCTAssertEqual(CivilDate(instant: day("2026-10-13").endOfDay.addingTimeInterval(-1)), day("2026-10-13"))
        XCTAssertEqual(CivilDate(instant: day("2026-10-13").endOfDay), day("2026-10-14"))
    }

    func testTopologyValidationNamesBadCalendarEntries() throws {
        var bad = policy
        bad.holidays.append("2026-10-32")
        bad.workdays += ["2026-10-01", "2026-10-09"]
        bad.shareRequestDays = 0
        let problems = WorkingCalendar.problems(in: bad).map { "\($0.field): \($0.message)" }
        XCTAssertTrue(problems.contains { $0.hasPrefix("policy.holidays") && $0.contains("2026-10-32") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("2026-10-01 is listed as a holiday and as a working day") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("2026-10-09 is a weekday") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.hasPrefix("policy.shareRequestDays") }, "\(problems)")
        XCTAssertTrue(WorkingCalendar.problems(in: policy).isEmpty)
    }
}

/// Masks, the digest they hash with, and a ticket's way through the tree.
final class SharingRulesTests: XCTestCase {
    func testSHA256KnownAnswers() {
        XCTAssertEqual(SHA256Digest.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256Digest.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256Digest.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256Digest.hex(String(repeating: "a", count: 1000)).prefix(16), "41edece42d63e8d9")
    }

    func testMaskRules() throws {
        let cases: [(String, JSONValue, JSONValue?)] = [
            ("first:1", .string("张三丰"), .string("张**")),
            ("last:4", .string("13800001111"), .string("*******1111")),
            ("keep:3:4", .string("440301199001011234"), .string("440***********1234")),
            ("keep:3:4", .string("12345"), .string("*****")),
            ("first:2", .int(123456), .string("12****")),
            ("drop", .string("x"), nil),
            ("first:1", .null, .null),
        ]
        for (text, value, expected) in cases {
            let rule = try MaskRule(parsing: text)
            XCTAssertEqual(rule.description, text)
            XCTAssertEqual(rule.apply(value, salt: "s"), expected, text)
        }
        let hash = try MaskRule(parsing: "hash")
        XCTAssertEqual(hash.apply(.string("a"), salt: "s1"), hash.apply(.string("a"), salt: "s1"))
        XCTAssertNotEqual(hash.apply(.string("a"), salt: "s1"), hash.apply(.string("a"), salt: "s2"))
        for bad in ["", "first", "first:x", "first:-1", "keep:1", "hash:1", "mask", "first:999"] {
            XCTAssertThrowsError(try MaskRule(parsing: bad), bad)
        }
    }

    func testATicketsWayAndItsReleasingNode() throws {
        let topology = try FleetTopology(federation: "t", nodes: [
            .init(id: "gd", tier: "province", region: "440000", name: "省"),
            .init(id: "sz", tier: "city", region: "440300", parent: "gd", name: "深圳"),
            .init(id: "sz-a", tier: "district", region: "440310", parent: "sz", name: "a"),
            .init(id: "sz-b", tier: "district", region: "440304", parent: "sz", name: "b"),
            .init(id: "sw", tier: "city", region: "441500", parent: "gd", name: "汕尾"),
            .init(id: "sw-c", tier: "district", region: "441502", parent: "sw", name: "c"),
        ]).topology()
        XCTAssertEqual(topology.ticketRoute(filer: "sz-a", answerer: "sw-c"), ["sz-a", "sz", "gd", "sw", "sw-c"])
        XCTAssertEqual(topology.releasingNode(requester: "sz-a", source: "sw-c"), "gd")
        XCTAssertEqual(topology.ticketRoute(filer: "sz-a", answerer: "sz-b"), ["sz-a", "sz", "sz-b"])
        XCTAssertEqual(topology.releasingNode(requester: "sz-a", source: "sz-b"), "sz")
        XCTAssertEqual(topology.ticketRoute(filer: "sz-a", answerer: "sz"), ["sz-a", "sz", "gd"], "the source's own hub files it too")
        XCTAssertEqual(topology.releasingNode(requester: "sz-a", source: "sz"), "sz")
        XCTAssertEqual(topology.ticketRoute(filer: "sw", answerer: "sz-b"), ["sw", "gd", "sz", "sz-b"])
    }
}

import Foundation

/// A day of the civil calendar in China (UTC+8), with no time of day:
/// what deadlines counted in working days (工作日) are made of.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let dayNumber: Int

    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    /// The date of `year`-`month`-`day`, nil when there is no such day.
    public init?(year: Int, month: Int, day: Int) {
        guard (1900...9999).contains(year), (1...12).contains(month),
              (1...CivilDate.daysIn(month: month, year: year)).contains(day) else { return nil }
        // Days from civil (H. Hinnant's algorithm): exact for the proleptic Gregorian calendar.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        dayNumber = era * 146_097 + doe - 719_468
    }

    /// Parses `YYYY-MM-DD`; nil for anything else (other separators, missing zeros, no such day).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The date in China (UTC+8, no daylight saving) at `instant`.
    public init(instant: Date) {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + 8 * 3600
        dayNumber = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    }

    public var components: (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public var year: Int { components.year }

    /// 1 = Monday … 7 = Sunday (ISO 8601).
    public var weekday: Int {
        // 1970-01-01 was a Thursday.
        let r = (dayNumber + 3) % 7
        return (r < 0 ? r + 7 : r) + 1
    }

    public var isWeekend: Bool { weekday >= 6 }

    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = components
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    /// The end of this day in China (24:00, UTC+8), as an instant.
    public var endOfDay: Date { Date(timeIntervalSince1970: Double((dayNumber + 1) * 86_400 - 8 * 3600)) }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.dayNumber < b.dayNumber }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// The working days of a federation: Monday to Friday, less the public
/// holidays, plus the make-up working days (调休) on weekends, both listed per
/// year in the topology's policy (the State Council publishes them each
/// December). Deadlines "within N working days" (汕尾 §19, 长沙 §22, 坪山 §24)
/// are counted from the day after the one a request arrived (期间开始之日不计算在内),
/// and end at the close of the Nth working day.
public struct WorkingCalendar: Sendable {
    public let holidays: Set<CivilDate>
    public let workdays: Set<CivilDate>
    /// The years the policy lists holidays or make-up days for.
    public let coveredYears: Set<Int>

    /// A calendar from already checked dates.
    public init(holidays: Set<CivilDate>, workdays: Set<CivilDate>) {
        self.holidays = holidays
        self.workdays = workdays
        coveredYears = Set(holidays.map(\.year)).union(workdays.map(\.year))
    }

    /// The calendar a topology's policy sets. Dates it cannot read are left out here; topology
    /// validation (`problems(in:)`) refuses such a topology before a node runs with it.
    public init(policy: Policy) {
        self.init(holidays: Set(policy.holidays.compactMap(CivilDate.init)), workdays: Set(policy.workdays.compactMap(CivilDate.init)))
    }

    /// What is wrong with a policy's calendar, as (field, message) pairs.
    public static func problems(in policy: Policy) -> [(field: String, message: String)] {
        var problems: [(String, String)] = []
        for (field, list) in [("holidays", policy.holidays), ("workdays", policy.workdays)] {
            for text in list where CivilDate(text) == nil {
                problems.append(("policy.\(field)", "'\(text.prefix(40))' is not a date of the form YYYY-MM-DD"))
            }
        }
        let holidays = Set(policy.holidays.compactMap(CivilDate.init))
        for text in policy.workdays {
            guard let day = CivilDate(text) else { continue }
            if holidays.contains(day) { problems.append(("policy.workdays", "\(day) is listed as a holiday and as a working day")) }
            if !day.isWeekend { problems.append(("policy.workdays", "\(day) is a weekday: list only make-up working days that fall on a Saturday or Sunday")) }
        }
        for (field, days) in [("shareRequestDays", policy.shareRequestDays), ("correctionAcknowledgeDays", policy.correctionAcknowledgeDays),
                              ("correctionResolveDays", policy.correctionResolveDays), ("correctionExtensionDays", policy.correctionExtensionDays)]
            where !(1...365).contains(days) {
            problems.append(("policy.\(field)", "\(days) working days: must be 1 to 365"))
        }
        return problems
    }

    public func isWorkingDay(_ day: CivilDate) -> Bool {
        if workdays.contains(day) { return true }
        if holidays.contains(day) { return false }
        return !day.isWeekend
    }

    /// The last day of a period of `workingDays` working days that starts the day after `start`:
    /// a request that arrives on `start` with 5 working days to answer must be answered by the end
    /// of the returned day.
    public func deadline(from start: CivilDate, workingDays: Int) -> CivilDate {
        var day = start
        var left = max(workingDays, 0)
        while left > 0 {
            day = day.adding(days: 1)
            if isWorkingDay(day) { left -= 1 }
        }
        return day
    }

    /// Working days from the day after `from` up to and including `to` (0 when `to` is not after
    /// `from`): how many working days are left until a deadline.
    public func workingDays(after from: CivilDate, through to: CivilDate) -> Int {
        guard to > from else { return 0 }
        var count = 0
        var day = from.adding(days: 1)
        while day <= to {
            if isWorkingDay(day) { count += 1 }
            day = day.adding(days: 1)
        }
        return count
    }

    /// Whether deadlines counted from `day` can be trusted: false when the policy lists no
    /// holidays for its year (only weekends would count then).
    public func covers(_ day: CivilDate) -> Bool { coveredYears.contains(day.year) }
}

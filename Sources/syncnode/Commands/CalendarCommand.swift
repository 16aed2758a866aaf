import Foundation
import SyncCore
import SyncNode

/// `syncnode calendar`: the federation's working days and a deadline, as the
/// policy's holidays and make-up days (调休) make them, so an operator can
/// check the calendar before deadlines are counted with it.
enum CalendarCommand: Command {
    static let name = "calendar"
    static let summary = "show the federation's working days (工作日) and when a deadline in working days falls"
    static let details = """
        Counts from the day after --from (today in China by default), as the regulations count:
        a request that arrives on --from with --days working days to answer is due by the end
        of the printed day. Warns when the policy lists no holidays for that year.
        """
    static let flags = [
        Flag("config", value: "FILE", help: "a node's configuration file naming the topology (default: $SYNCNODE_CONFIG)"),
        Flag("topology", value: "FILE", help: "the federation's topology file (default: $SYNCNODE_TOPOLOGY)"),
        Flag("from", value: "YYYY-MM-DD", help: "the day the period starts after (default: today, UTC+8)"),
        Flag("days", value: "N", help: "working days of the period (default: the policy's shareRequestDays)"),
        Flag("json", help: "print {\"from\", \"workingDays\", \"deadline\", \"covered\", \"days\": [...]}"),
    ]

    struct Answer: Encodable {
        struct Day: Encodable {
            let date: String
            let working: Bool
        }
        let from: String
        let workingDays: Int
        let deadline: String
        let covered: Bool
        let days: [Day]
    }

    static func run(_ arguments: Arguments) throws -> Int32 {
        let topology = try Topology.load(path: NodeFlags.topologyPath(arguments, command: "syncnode calendar"))
        let calendar = WorkingCalendar(policy: topology.policy)
        let start: CivilDate
        if let text = arguments.value("from") {
            guard let day = CivilDate(text) else {
                throw SyncNodeError("run 'syncnode calendar'", "--from '\(text)' is not a date", hint: "write it as YYYY-MM-DD, e.g. 2026-09-30")
            }
            start = day
        } else {
            start = CivilDate(instant: Date())
        }
        let days = try arguments.int("days", default: topology.policy.shareRequestDays, command: "syncnode calendar")
        guard (0...365).contains(days) else {
            throw SyncNodeError("run 'syncnode calendar'", "--days \(days) is out of range", hint: "give 0 to 365 working days")
        }
        let deadline = calendar.deadline(from: start, workingDays: days)
        let covered = calendar.covers(start) && calendar.covers(deadline)
        let span = (0...(deadline.dayNumber - start.dayNumber)).map { start.adding(days: $0) }
        if arguments.has("json") {
            try Output.json(Answer(from: start.description, workingDays: days, deadline: deadline.description, covered: covered,
                                   days: span.map { .init(date: $0.description, working: calendar.isWorkingDay($0)) }))
            return 0
        }
        let weekdays = ["", "一", "二", "三", "四", "五", "六", "日"]
        var table = Table(["DATE", "星期", "WORKING 工作日", "COUNT"])
        var count = 0
        for day in span {
            let working = calendar.isWorkingDay(day)
            if day > start && working { count += 1 }
            let kind = working ? (day.isWeekend ? "yes (调休 make-up)" : "yes") : (day.isWeekend ? "no (weekend)" : "no (holiday 节假日)")
            table.add([day.description, weekdays[day.weekday], kind, day == start ? "start" : (working ? String(count) : "")])
        }
        Output.write(table.render())
        Output.line("\(days) working days from \(start): due by the end of \(deadline) (24:00 UTC+8)")
        if !covered {
            let years = Set([start.year, deadline.year]).filter { !calendar.coveredYears.contains($0) }.sorted()
            Output.warn("warning: the topology's policy lists no holidays for \(years.map(String.init).joined(separator: ", ")): "
                        + "only weekends were skipped; add that year's holidays and make-up days (policy.holidays, policy.workdays)")
        }
        return 0
    }
}

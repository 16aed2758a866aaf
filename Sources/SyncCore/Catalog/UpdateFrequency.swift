import Foundation

/// Whether a dataset is updated as often as its catalog entry promises (更新频率).
public enum FrequencyStatus: String, Codable, Sendable {
    case onTime = "on-time"
    case dueSoon = "due-soon"
    case overdue
    /// No authority write yet.
    case noData = "no-data"

    /// The longest a dataset of `frequency` may go without an authority write.
    public static func period(of frequency: String) -> TimeInterval? {
        let hour = 3600.0, day = 86_400.0
        return ["realtime": hour, "minute": 5 * 60, "hour": 2 * hour, "day": day + 6 * hour, "week": 7 * day + day,
                "month": 31 * day + day, "quarter": 92 * day + 2 * day, "half-year": 183 * day + 3 * day,
                "year": 366 * day + 5 * day][frequency]
    }

    /// The status at `now` of a dataset last written by its authority at `lastWrite`:
    /// overdue past its period, due soon in the last fifth of it.
    public static func assess(lastWrite: Date?, frequency: String, now: Date) -> FrequencyStatus? {
        guard let period = period(of: frequency) else { return nil }
        guard let lastWrite else { return .noData }
        let age = now.timeIntervalSince(lastWrite)
        if age > period { return .overdue }
        if age > period * 0.8 { return .dueSoon }
        return .onTime
    }

    /// 中文.
    public var chinese: String {
        switch self {
        case .onTime: "按时"
        case .dueSoon: "即将到期"
        case .overdue: "超期"
        case .noData: "无数据"
        }
    }
}

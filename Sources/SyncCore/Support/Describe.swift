import Foundation

/// A decoding error as one readable line, naming the JSON path.
public func describe(_ error: any Error) -> String {
    guard let decoding = error as? DecodingError else { return "\(error)" }
    func path(_ context: DecodingError.Context) -> String {
        let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return p.isEmpty ? "top level" : String(p.drop { $0 == "." })
    }
    switch decoding {
    case .keyNotFound(let key, let context): return "\(path(context)): missing key '\(key.stringValue)'"
    case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)): \(context.debugDescription)"
    case .dataCorrupted(let context):
        let underlying = (context.underlyingError as NSError?)?.userInfo["NSDebugDescription"] as? String
        return "\(path(context)): \(underlying ?? context.debugDescription)"
    @unknown default: return "\(error)"
    }
}

/// Milliseconds since the epoch and back, and the text forms operators read.
public enum Timestamp {
    /// Milliseconds since the Unix epoch.
    public static func millis(_ date: Date = Date()) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// The date for milliseconds since the Unix epoch.
    public static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    /// RFC 3339 / ISO 8601 in UTC with milliseconds.
    public static func iso(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    /// "12 s", "3.5 min", "2.0 h", "5.0 d".
    public static func span(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.0f s", seconds) }
        if seconds < 3600 { return String(format: "%.1f min", seconds / 60) }
        if seconds < 86_400 { return String(format: "%.1f h", seconds / 3600) }
        return String(format: "%.1f d", seconds / 86_400)
    }

    /// "12s ago", "3m ago", "2h ago", "5d ago".
    public static func ago(_ date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(min(now.timeIntervalSince(date), 1e12)))
        if seconds < 60 { return "\(seconds)s ago" }
        if seconds < 3600 { return "\(seconds / 60)m ago" }
        if seconds < 86_400 { return "\(seconds / 3600)h ago" }
        return "\(seconds / 86_400)d ago"
    }
}

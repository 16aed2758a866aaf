import Foundation
import SyncCore

/// Checks of what an operator types for tickets (purposes, bases, reasons, last days), one way everywhere.
enum OperatorInput {
    /// `value` trimmed; the error names the flag when it is empty or longer than 1,000 characters.
    static func text(_ value: String, _ what: String) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ReplicationError("\(what) is required") }
        guard trimmed.count <= 1000 else { throw ReplicationError("\(what) may be at most 1,000 characters") }
        return trimmed
    }

    /// A day (YYYY-MM-DD) not before `today`.
    static func day(_ text: String, notBefore today: CivilDate, what: String) throws -> CivilDate {
        guard let day = CivilDate(text) else { throw ReplicationError("\(what) '\(text.prefix(20))' is not a date (YYYY-MM-DD)") }
        guard day >= today else { throw ReplicationError("\(what) \(day) is in the past (today is \(today)): give today or a later day") }
        return day
    }
}

import CSQLite

/// An error from SQLite, with the result code, SQLite's message and, when known,
/// the statement and database file it concerns.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// SQLite's primary result code (`SQLITE_BUSY`, `SQLITE_NOTADB`, ...).
    public let code: Int32
    /// SQLite's own message for the failure.
    public let message: String
    /// The statement that failed, if any.
    public let sql: String?
    /// The database file.
    public let path: String

    public init(code: Int32, message: String, sql: String? = nil, path: String) {
        self.code = code
        self.message = message
        self.sql = sql
        self.path = path
    }

    /// True when the file exists but is not an SQLite database, or is damaged.
    public var isUnreadable: Bool {
        let primary = code & 0xff
        return primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT
    }

    public var description: String {
        var text = "SQLite error \(code) in \(path): \(message)"
        if let sql { text += " (while running: \(sql.prefix(120)))" }
        return text
    }
}

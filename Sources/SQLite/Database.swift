import CSQLite
import CSQLiteLog
import Foundation
import Synchronization

/// What this connection's commits left in the write-ahead log, kept by SQLite's WAL hook
/// (`Database.trackLog`): how many pages the log holds, and how many commits there were.
public final class LogTracker: Sendable {
    private let frames = Atomic<Int>(0)
    private let commits = Atomic<Int>(0)

    /// Pages in the log after the last commit (it starts again from 0 after a complete checkpoint).
    public var pages: Int { frames.load(ordering: .relaxed) }

    /// Commits since the last call.
    public func takeCommits() -> Int { commits.exchange(0, ordering: .relaxed) }

    fileprivate func committed(pages: Int) {
        frames.store(pages, ordering: .relaxed)
        commits.add(1, ordering: .relaxed)
    }
}

/// One SQLite connection. Owns its `sqlite3*` and closes it in `deinit`.
///
/// Not thread-safe by design: each connection belongs to one thread (or one
/// serial queue) at a time, the way GRDB's `SerializedDatabase` works.
public final class Database {
    let handle: OpaquePointer
    /// The database file.
    public let path: String
    private var cache: [String: Statement] = [:]
    private var logTracker: LogTracker?
    private var transactionDepth = 0

    /// The VFS every connection opens with: SQLite's own, with each connection's writes to the
    /// write-ahead log gathered into large ones (`CSQLiteLog`); nil (SQLite's default) if it
    /// could not be registered.
    private static let logVFS: String? = syncnode_log_vfs_register() == SQLITE_OK ? String(cString: syncnode_log_vfs_name()) : nil

    /// Whether connections open with the VFS that gathers writes to the write-ahead log.
    public static var gathersLogWrites: Bool { logVFS != nil }

    /// Opens (creating if needed) the database at `path`.
    /// - Parameter readOnly: open without write access and without creating the file.
    public init(path: String, readOnly: Bool = false) throws {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        let rc = if let vfs = Database.logVFS { sqlite3_open_v2(path, &db, flags, vfs) } else { sqlite3_open_v2(path, &db, flags, nil) }
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message, path: path)
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        setBusyTimeout(milliseconds: 10_000)
    }

    /// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
    ///
    /// SQLite's own handler (`sqlite3_busy_timeout`) sleeps 1, 2, 5, 10 … 100 ms between tries, so a
    /// writer that meets another process's transaction for a moment (`syncnode write` beside
    /// `serve`) can sleep 100 ms and more after the lock is free: the tail of single-change
    /// latency. This handler retries every 0.1 ms for the first 2 ms, every 0.5 ms up to 22 ms,
    /// then every 2 ms until the timeout.
    public func setBusyTimeout(milliseconds: Int) {
        guard milliseconds > 0, let limit = UnsafeMutableRawPointer(bitPattern: milliseconds) else {
            sqlite3_busy_handler(handle, nil, nil)
            return
        }
        sqlite3_busy_handler(handle, { context, tries in
            let limit = Double(Int(bitPattern: context))
            let n = Double(tries)
            let waited = n < 20 ? n * 0.1 : n < 60 ? 2 + (n - 20) * 0.5 : 22 + (n - 60) * 2
            guard waited < limit else { return 0 }
            usleep(tries < 20 ? 100 : tries < 60 ? 500 : 2_000)
            return 1
        }, limit)
    }

    /// Counts this connection's commits and the log's pages after each (SQLite's WAL hook). It
    /// replaces the automatic checkpoints (`wal_autocheckpoint`) on this connection: call it after
    /// turning those off, and checkpoint from elsewhere.
    public func trackLog() -> LogTracker {
        let tracker = LogTracker()
        logTracker = tracker   // kept alive as long as the hook may call it
        sqlite3_wal_hook(handle, { context, _, _, pages in
            if let context { Unmanaged<LogTracker>.fromOpaque(context).takeUnretainedValue().committed(pages: Int(pages)) }
            return SQLITE_OK
        }, Unmanaged.passUnretained(tracker).toOpaque())
        return tracker
    }

    deinit {
        sqlite3_wal_hook(handle, nil, nil)
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql, path: path)
    }

    /// Runs one or more statements that take no parameters.
    public func execute(_ sql: String) throws {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(errmsg)
            throw SQLiteError(code: rc, message: message, sql: sql, path: path)
        }
    }

    /// A prepared statement for `sql`, cached for reuse on this connection.
    public func statement(_ sql: String) throws -> Statement {
        if let cached = cache[sql] { return cached }
        let stmt = try Statement(database: self, sql: sql)
        cache[sql] = stmt
        return stmt
    }

    /// Runs a statement with parameters and returns the number of rows it changed.
    @discardableResult
    public func run(_ sql: String, _ values: any SQLConvertible...) throws -> Int {
        try run(sql, values)
    }

    /// Runs a statement with an array of parameters and returns the number of rows it changed.
    @discardableResult
    public func run(_ sql: String, _ values: [any SQLConvertible]) throws -> Int {
        let stmt = try statement(sql)
        try stmt.bind(values)
        while try stmt.step() {}
        stmt.reset()
        return Int(sqlite3_changes(handle))
    }

    /// Runs a query and calls `body` for each row.
    public func forEach(_ sql: String, _ values: any SQLConvertible..., body: (Row) throws -> Void) throws {
        try forEach(sql, values, body: body)
    }

    /// Runs a query with an array of parameters and calls `body` for each row.
    public func forEach(_ sql: String, _ values: [any SQLConvertible], body: (Row) throws -> Void) throws {
        let stmt = try statement(sql)
        try stmt.bind(values)
        defer { stmt.reset() }
        while try stmt.step() { try body(stmt.row) }
    }

    /// Maps every row of a query.
    public func rows<T>(_ sql: String, _ values: any SQLConvertible..., map: (Row) throws -> T) throws -> [T] {
        try rows(sql, values, map: map)
    }

    /// Maps every row of a query with an array of parameters.
    public func rows<T>(_ sql: String, _ values: [any SQLConvertible], map: (Row) throws -> T) throws -> [T] {
        var result: [T] = []
        try forEach(sql, values) { result.append(try map($0)) }
        return result
    }

    /// The first row of a query, mapped, or nil when it returns none.
    public func first<T>(_ sql: String, _ values: any SQLConvertible..., map: (Row) throws -> T) throws -> T? {
        let stmt = try statement(sql)
        try stmt.bind(values)
        defer { stmt.reset() }
        return try stmt.step() ? map(stmt.row) : nil
    }

    /// The rowid of the last inserted row.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` inside an immediate transaction (a savepoint when nested):
    /// committed if it returns, rolled back if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        let outer = transactionDepth == 0
        try execute(outer ? "BEGIN IMMEDIATE" : "SAVEPOINT nested")
        transactionDepth += 1
        do {
            let result = try body()
            transactionDepth -= 1
            try execute(outer ? "COMMIT" : "RELEASE nested")
            return result
        } catch {
            transactionDepth -= 1
            try? execute(outer ? "ROLLBACK" : "ROLLBACK TO nested; RELEASE nested")
            throw error
        }
    }

    /// Whether another connection has committed since the last call on this
    /// connection (`PRAGMA data_version`): a cheap way to notice outside writes.
    public func dataVersion() throws -> Int64 {
        try first("PRAGMA data_version") { $0.int64(0) } ?? 0
    }
}

import CSQLite
import Foundation

/// A prepared statement. Owns its `sqlite3_stmt` and finalizes it in `deinit`.
/// Like its `Database`, it is used from one thread at a time.
public final class Statement {
    let handle: OpaquePointer
    /// The SQL text it was prepared from.
    public let sql: String
    unowned let database: Database

    init(database: Database, sql: String) throws {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw database.error(rc, sql: sql)
        }
        self.handle = stmt
        self.sql = sql
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to its parameters, in order.
    public func bind(_ values: [any SQLConvertible]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value.sqlValue {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .real(let v): rc = sqlite3_bind_double(handle, index, v)
            case .text(let v): rc = shim_sqlite3_bind_text_transient(handle, index, v, -1)
            case .bytes(let v):
                rc = v.withUnsafeBytes { shim_sqlite3_bind_blob_transient(handle, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32($0.count)) }
            case .blob(let v):
                rc = v.withUnsafeBytes { raw in
                    shim_sqlite3_bind_blob_transient(handle, index, raw.baseAddress, Int32(raw.count))
                }
            }
            guard rc == SQLITE_OK else { throw database.error(rc, sql: sql) }
        }
    }

    /// Binds one integer to parameter `index` (1-based), for hot paths that bind without boxing.
    public func bind(_ index: Int32, _ value: Int64) throws {
        let rc = sqlite3_bind_int64(handle, index, value)
        guard rc == SQLITE_OK else { throw database.error(rc, sql: sql) }
    }

    /// Binds text to parameter `index` (1-based).
    public func bind(_ index: Int32, text value: String) throws {
        var copy = value
        let rc = copy.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { chars in
                shim_sqlite3_bind_text_transient(handle, index, chars.baseAddress ?? UnsafePointer(bitPattern: 1)!, Int32(chars.count))
            }
        }
        guard rc == SQLITE_OK else { throw database.error(rc, sql: sql) }
    }

    /// Binds bytes as a blob to parameter `index` (1-based).
    public func bind(_ index: Int32, bytes value: [UInt8]) throws {
        let rc = value.withUnsafeBytes { shim_sqlite3_bind_blob_transient(handle, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32($0.count)) }
        guard rc == SQLITE_OK else { throw database.error(rc, sql: sql) }
    }

    /// Binds NULL to parameter `index` (1-based).
    public func bindNull(_ index: Int32) throws {
        let rc = sqlite3_bind_null(handle, index)
        guard rc == SQLITE_OK else { throw database.error(rc, sql: sql) }
    }

    /// Runs a statement bound with the typed `bind` calls to completion and
    /// resets it; returns the rows it changed.
    @discardableResult
    public func execute() throws -> Int {
        defer { sqlite3_reset(handle) }
        while try step() {}
        return Int(sqlite3_changes(database.handle))
    }

    /// Clears earlier bindings before typed `bind` calls.
    public func clear() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Advances to the next row. Returns false when the statement is done.
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let err = database.error(rc, sql: sql)
            sqlite3_reset(handle)
            throw err
        }
    }

    /// Releases the statement's read snapshot so the next use starts afresh.
    public func reset() { sqlite3_reset(handle) }

    /// The current row.
    public var row: Row { Row(statement: self) }
}

/// Read access to the current row of a statement, by column index.
public struct Row {
    let statement: Statement

    /// Number of columns in the result.
    public var count: Int { Int(sqlite3_column_count(statement.handle)) }

    public func isNull(_ i: Int) -> Bool { sqlite3_column_type(statement.handle, Int32(i)) == SQLITE_NULL }
    public func int64(_ i: Int) -> Int64 { sqlite3_column_int64(statement.handle, Int32(i)) }
    public func int(_ i: Int) -> Int { Int(sqlite3_column_int64(statement.handle, Int32(i))) }
    public func double(_ i: Int) -> Double { sqlite3_column_double(statement.handle, Int32(i)) }

    public func text(_ i: Int) -> String {
        guard let p = sqlite3_column_text(statement.handle, Int32(i)) else { return "" }
        let n = Int(sqlite3_column_bytes(statement.handle, Int32(i)))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    public func optionalText(_ i: Int) -> String? { isNull(i) ? nil : text(i) }
    public func optionalInt64(_ i: Int) -> Int64? { isNull(i) ? nil : int64(i) }

    /// A blob (or text) column's bytes.
    public func bytes(_ i: Int) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(statement.handle, Int32(i)))
        guard n > 0, let p = sqlite3_column_blob(statement.handle, Int32(i)) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }

    public func blob(_ i: Int) -> Data {
        let n = Int(sqlite3_column_bytes(statement.handle, Int32(i)))
        guard n > 0, let p = sqlite3_column_blob(statement.handle, Int32(i)) else { return Data() }
        return Data(bytes: p, count: n)
    }
}

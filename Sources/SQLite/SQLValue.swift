import Foundation

/// A value bound to or read from an SQLite statement.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case bytes([UInt8])
}

/// A Swift value that can be bound to a statement parameter.
public protocol SQLConvertible {
    /// The value as SQLite stores it.
    var sqlValue: SQLValue { get }
}

extension SQLValue: SQLConvertible { public var sqlValue: SQLValue { self } }
extension Int: SQLConvertible { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLConvertible { public var sqlValue: SQLValue { .integer(self) } }
extension UInt64: SQLConvertible { public var sqlValue: SQLValue { .integer(Int64(bitPattern: self)) } }
extension Int32: SQLConvertible { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Double: SQLConvertible { public var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLConvertible { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension String: SQLConvertible { public var sqlValue: SQLValue { .text(self) } }
extension Substring: SQLConvertible { public var sqlValue: SQLValue { .text(String(self)) } }
extension Data: SQLConvertible { public var sqlValue: SQLValue { .blob(self) } }
extension Array: SQLConvertible where Element == UInt8 { public var sqlValue: SQLValue { .bytes(self) } }
extension Optional: SQLConvertible where Wrapped: SQLConvertible {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

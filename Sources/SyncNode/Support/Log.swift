import Foundation
import SyncCore

/// Severity of a log event.
public enum LogLevel: Int, Comparable, Sendable {
    case debug, info, warning, error

    public var name: String { ["debug", "info", "warning", "error"][rawValue] }

    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warning", "warn": self = .warning
        case "error": self = .error
        default: return nil
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Structured logs: one line per event, `key=value` pairs, to standard error.
/// Values with spaces or quotes are quoted. Never pass secrets (keys, tokens) as fields.
public final class Log: @unchecked Sendable {   // writes to `sink` happen under `lock`; the rest is immutable
    private let node: String
    private let minimum: LogLevel
    private let lock = NSLock()
    private let sink: FileHandle

    public init(node: String, level: LogLevel = .info, sink: FileHandle = .standardError) {
        self.node = node
        self.minimum = level
        self.sink = sink
    }

    public func debug(_ event: String, _ fields: KeyValuePairs<String, any CustomStringConvertible> = [:]) { write(.debug, event, fields) }
    public func info(_ event: String, _ fields: KeyValuePairs<String, any CustomStringConvertible> = [:]) { write(.info, event, fields) }
    public func warning(_ event: String, _ fields: KeyValuePairs<String, any CustomStringConvertible> = [:]) { write(.warning, event, fields) }
    public func error(_ event: String, _ fields: KeyValuePairs<String, any CustomStringConvertible> = [:]) { write(.error, event, fields) }

    private func write(_ level: LogLevel, _ event: String, _ fields: KeyValuePairs<String, any CustomStringConvertible>) {
        guard level >= minimum else { return }
        var line = "ts=\(Timestamp.iso(Date())) level=\(level.name) node=\(node) event=\(event)"
        for (key, value) in fields { line += " \(key)=\(Log.quote(value.description))" }
        line += "\n"
        lock.lock()
        sink.write(Data(line.utf8))
        lock.unlock()
    }

    static func quote(_ value: String) -> String {
        let needs = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\n" || $0 == "\t" }
        guard needs else { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }
}

import Foundation

/// A flag a command accepts.
public struct Flag: Sendable {
    public let name: String
    /// Placeholder for the value, e.g. "FILE"; nil for a switch.
    public let value: String?
    public let help: String
    public let repeatable: Bool

    public init(_ name: String, value: String? = nil, help: String, repeatable: Bool = false) {
        self.name = name
        self.value = value
        self.help = help
        self.repeatable = repeatable
    }
}

/// Parsed command-line arguments: `--flag VALUE`, `--flag=VALUE`, switches and positionals.
public struct Arguments: Sendable {
    public private(set) var values: [String: [String]] = [:]
    public private(set) var switches: Set<String> = []
    public private(set) var positionals: [String] = []

    /// Parses `words` against `flags`; an unknown flag or a missing value is an error that names it.
    public init(_ words: [String], flags: [Flag], command: String) throws {
        let byName = Dictionary(flags.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var i = 0
        while i < words.count {
            let word = words[i]
            i += 1
            guard word.hasPrefix("--"), word.count > 2 else { positionals.append(word); continue }
            var name = String(word.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let flag = byName[name] else {
                throw SyncNodeError("run '\(command)'", "unknown flag --\(name)", hint: "see '\(command) --help'")
            }
            if flag.value == nil {
                switches.insert(name)
                continue
            }
            let value: String
            if let inline { value = inline } else {
                guard i < words.count else {
                    throw SyncNodeError("run '\(command)'", "--\(name) needs a value (\(flag.value!))", hint: "see '\(command) --help'")
                }
                value = words[i]
                i += 1
            }
            if !flag.repeatable && values[name] != nil {
                throw SyncNodeError("run '\(command)'", "--\(name) was given twice")
            }
            values[name, default: []].append(value)
        }
    }

    public func value(_ name: String) -> String? { values[name]?.last }
    public func all(_ name: String) -> [String] { values[name] ?? [] }
    public func has(_ name: String) -> Bool { switches.contains(name) }

    /// The value of a required flag.
    public func required(_ name: String, command: String) throws -> String {
        guard let v = value(name), !v.isEmpty else {
            throw SyncNodeError("run '\(command)'", "--\(name) is required", hint: "see '\(command) --help'")
        }
        return v
    }

    /// The first positional argument, e.g. a file or an id.
    public func positional(_ what: String, command: String, example: String) throws -> String {
        guard let value = positionals.first else {
            throw SyncNodeError("run '\(command)'", "give \(what)", hint: example)
        }
        return value
    }

    /// An integer flag.
    public func int(_ name: String, default fallback: Int, command: String) throws -> Int {
        guard let text = value(name) else { return fallback }
        guard let v = Int(text) else { throw SyncNodeError("run '\(command)'", "--\(name) must be a whole number, not '\(text)'") }
        return v
    }
}

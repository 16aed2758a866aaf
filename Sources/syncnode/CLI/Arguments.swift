import Foundation
import SyncNode

/// A flag a command accepts.
struct Flag: Sendable {
    let name: String
    /// Placeholder for the value, e.g. "FILE"; nil for a switch.
    let value: String?
    let help: String
    let repeatable: Bool

    init(_ name: String, value: String? = nil, help: String, repeatable: Bool = false) {
        self.name = name
        self.value = value
        self.help = help
        self.repeatable = repeatable
    }
}

/// Parsed command-line arguments: `--flag VALUE`, `--flag=VALUE`, switches and positionals.
struct Arguments: Sendable {
    private(set) var values: [String: [String]] = [:]
    private(set) var switches: Set<String> = []
    private(set) var positionals: [String] = []

    /// Parses `words` against `flags`; an unknown flag or a missing value is an error that names it.
    init(_ words: [String], flags: [Flag], command: String) throws {
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

    /// Takes the settings of a configuration file for the flags the command has
    /// and the command line did not give.
    mutating func fill(from settings: [String: String], flags: [Flag]) {
        for flag in flags {
            guard let value = settings[flag.name], values[flag.name] == nil, !switches.contains(flag.name) else { continue }
            if flag.value == nil {
                if value == "true" { switches.insert(flag.name) }
            } else {
                values[flag.name] = [value]
            }
        }
    }

    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { switches.contains(name) }

    /// The value of a required flag.
    func required(_ name: String, command: String) throws -> String {
        guard let v = value(name), !v.isEmpty else {
            throw SyncNodeError("run '\(command)'", "--\(name) is required", hint: "see '\(command) --help'")
        }
        return v
    }

    /// The first positional argument, e.g. a file or an id.
    func positional(_ what: String, command: String, example: String) throws -> String {
        guard let value = positionals.first else {
            throw SyncNodeError("run '\(command)'", "give \(what)", hint: example)
        }
        return value
    }

    /// An integer flag.
    func int(_ name: String, default fallback: Int, command: String) throws -> Int {
        guard let text = value(name) else { return fallback }
        guard let v = Int(text) else { throw SyncNodeError("run '\(command)'", "--\(name) must be a whole number, not '\(text)'") }
        return v
    }
}

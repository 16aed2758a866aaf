import Foundation

/// Data quality rules of one data item, in its catalog entry (坪山 §4(3), §14,
/// §16; 长沙 §18; 新昌 四(二); 普陀 §13): checked where data enters the
/// federation — `write`, `import`, the ingestion API — at the source.
/// `action` says what a violation does: `refuse` (the default) refuses the row
/// naming the row, the item and the rule; `flag` accepts it and counts it in the
/// dataset's quality figures.
public struct QualityRules: Codable, Sendable, Equatable {
    public var required: Bool?
    public var minLength: Int?
    public var maxLength: Int?
    /// A regular expression the whole text must match.
    public var pattern: String?
    public var `enum`: [String]?
    public var min: Double?
    public var max: Double?
    /// "uscc" (统一社会信用代码, GB 32100) or "id-card" (公民身份号码, GB 11643): the check digit is verified.
    public var check: String?
    /// "refuse" (default) or "flag".
    public var action: String?

    public init(required: Bool? = nil, minLength: Int? = nil, maxLength: Int? = nil, pattern: String? = nil, enum values: [String]? = nil,
                min: Double? = nil, max: Double? = nil, check: String? = nil, action: String? = nil) {
        self.required = required
        self.minLength = minLength
        self.maxLength = maxLength
        self.pattern = pattern
        self.enum = values
        self.min = min
        self.max = max
        self.check = check
        self.action = action
    }

    public static let checks = ["uscc", "id-card"]

    /// Whether a violation is only counted.
    public var flags: Bool { action == "flag" }

    /// What is wrong with the rules themselves (for catalog validation).
    public func problems() -> [String] {
        var problems: [String] = []
        if let action, action != "refuse" && action != "flag" { problems.append("action '\(action.prefix(20))' is not refuse or flag") }
        if let check, !Self.checks.contains(check) { problems.append("check '\(check.prefix(20))' is not one of \(Self.checks.joined(separator: ", "))") }
        if let pattern {
            if pattern.utf8.count > 512 { problems.append("pattern is longer than 512 bytes") }
            else if (try? Regex(pattern)) == nil { problems.append("pattern '\(pattern.prefix(60))' is not a regular expression") }
        }
        if let a = minLength, let b = maxLength, a > b { problems.append("minLength is above maxLength") }
        if let a = min, let b = max, a > b { problems.append("min is above max") }
        return problems
    }
}

/// A dataset's rules made ready to check many rows (patterns compiled once).
public struct QualityCheck {
    private let rules: [(name: String, rules: QualityRules, pattern: Regex<AnyRegexOutput>?)]

    public init(_ definition: DatasetDefinition) {
        rules = definition.items.compactMap { item in
            item.rules.map { (item.name, $0, $0.pattern.flatMap { try? Regex($0) }) }
        }
    }

    /// Whether the dataset has any rule.
    public var isEmpty: Bool { rules.isEmpty }

    /// A rule one row breaks.
    public struct Violation: Sendable, CustomStringConvertible {
        public let item: String
        public let rule: String
        public let flagOnly: Bool
        public var description: String { "item '\(item)' breaks its rule \(rule)" }
    }

    /// The rules `values` break (a row as written: items left out are missing).
    public func violations(_ values: [String: JSONValue]) -> [Violation] {
        var found: [Violation] = []
        for (name, rules, pattern) in rules {
            func fail(_ rule: String) { found.append(Violation(item: name, rule: rule, flagOnly: rules.flags)) }
            let value = values[name]
            let text: String? = switch value {
            case nil, .null?: nil
            case let v?: v.description
            }
            guard let text, !text.isEmpty else {
                if rules.required == true { fail("required") }
                continue
            }
            let length = text.count
            if let n = rules.minLength, length < n { fail("minLength \(n) (it has \(length))") }
            if let n = rules.maxLength, length > n { fail("maxLength \(n) (it has \(length))") }
            if let pattern, let source = rules.pattern, text.utf8.count <= 4096, (try? pattern.wholeMatch(in: text)) == nil { fail("pattern \(source)") }
            if let allowed = rules.enum, !allowed.contains(text) { fail("enum (\(allowed.prefix(8).joined(separator: ", "))\(allowed.count > 8 ? ", …" : ""))") }
            if rules.min != nil || rules.max != nil {
                let number: Double? = switch value {
                case .int(let i)?: Double(i)
                case .double(let d)?: d
                default: Double(text)
                }
                if let number {
                    if let min = rules.min, number < min { fail("min \(JSONWriter.doubleText(min))") }
                    if let max = rules.max, number > max { fail("max \(JSONWriter.doubleText(max))") }
                } else {
                    fail("min/max (not a number)")
                }
            }
            switch rules.check {
            case "uscc"?: if !Identifiers.isValidUSCC(text) { fail("check uscc (统一社会信用代码 check character)") }
            case "id-card"?: if !Identifiers.isValidIDCard(text) { fail("check id-card (公民身份号码 check digit or birth date)") }
            default: break
            }
        }
        return found
    }
}

/// Checks a value against its item's declared type.
public enum ValueCheck {
    public static func problem(_ value: JSONValue, for item: ItemDefinition) -> String? {
        switch (item.type, value) {
        case (_, .null): return nil
        case (.string, .string), (.integer, .int), (.number, .int), (.number, .double), (.boolean, .bool): return nil
        case (.date, .string(let s)):
            return isDate(s) ? nil : "'\(s)' is not a date (YYYY-MM-DD)"
        case (.datetime, .string(let s)):
            return isDate(String(s.prefix(10))) && s.count >= 19 ? nil : "'\(s)' is not a date-time (YYYY-MM-DDThh:mm:ss)"
        default:
            return "'\(value)' is not of type \(item.type.rawValue)"
        }
    }

    public static func isDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-")
        guard s.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return false }
        let days = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...12).contains(m) && d >= 1 && d <= days[m - 1]
    }

    /// Parses command-line text as a value of the item's type.
    public static func parse(_ text: String, for item: ItemDefinition) -> JSONValue? {
        switch item.type {
        case .string, .date, .datetime: return .string(text)
        case .integer: return Int64(text).map(JSONValue.int)
        case .number: return Int64(text).map(JSONValue.int) ?? Double(text).map(JSONValue.double)
        case .boolean: return ["true": true, "false": false, "1": true, "0": false][text.lowercased()].map(JSONValue.bool)
        }
    }
}

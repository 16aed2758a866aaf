/// A 6-digit administrative division code (行政区划代码, GB/T 2260):
/// 2 digits of province, 2 of city (地级), 2 of district or county (县级).
/// 440000 is Guangdong, 440300 Shenzhen, 440310 Pingshan.
public struct RegionCode: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The six digits.
    public let code: String

    /// The province codes GB/T 2260 assigns (11 Beijing ... 82 Macao).
    static let provinces: Set<String> = [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
        "71", "81", "82",
    ]

    /// Validates `code`: six ASCII digits with a known province prefix.
    public init(_ code: String) throws(RegionCodeError) {
        guard code.utf8.count == 6, code.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw RegionCodeError(code: code, reason: "must be exactly 6 digits")
        }
        guard RegionCode.provinces.contains(String(code.prefix(2))) else {
            throw RegionCodeError(code: code, reason: "'\(code.prefix(2))' is not a province code of GB/T 2260")
        }
        self.code = code
    }

    /// The most specific level this code names: a province (XX0000), a city (XXYY00) or a district.
    public var level: RegionLevel {
        if code.hasSuffix("0000") { return .province }
        if code.hasSuffix("00") { return .city }
        return .district
    }

    /// The code's prefix that identifies it at `level`: 2, 4 or 6 digits.
    public func prefix(at level: RegionLevel) -> Substring { code.prefix(level.digits) }

    /// Whether `other` lies within this region taken at `level`: their codes agree
    /// on the digits that level uses (2 for a province, 4 for a city, 6 for a district).
    public func contains(_ other: RegionCode, at level: RegionLevel) -> Bool {
        other.code.prefix(level.digits) == code.prefix(level.digits)
    }

    /// Whether `other` lies within this region at this code's own level.
    public func contains(_ other: RegionCode) -> Bool { contains(other, at: level) }

    public static func < (lhs: RegionCode, rhs: RegionCode) -> Bool { lhs.code < rhs.code }

    public var description: String { code }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try RegionCode(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}

/// The level of an administrative division.
public enum RegionLevel: Int, Sendable, Comparable {
    case province = 2, city = 4, district = 6

    /// How many leading digits of a code identify a region at this level.
    public var digits: Int { rawValue }

    public static func < (lhs: RegionLevel, rhs: RegionLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A region code that is not valid, and why.
public struct RegionCodeError: Error, Sendable, CustomStringConvertible {
    public let code: String
    public let reason: String
    public var description: String { "invalid region code '\(code)': \(reason)" }
}

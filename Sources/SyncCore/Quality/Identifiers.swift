/// Check digits of China's two identifiers most data carries.
public enum Identifiers {
    /// 统一社会信用代码 (GB 32100-2015): 18 characters from 0-9 and A-Y less I, O, S, V, Z; the
    /// 18th is the check character of the first 17 (weights 3^i mod 31).
    public static func isValidUSCC(_ text: String) -> Bool {
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
        let characters = Array(text)
        guard characters.count == 18 else { return false }
        var sum = 0
        for (character, weight) in zip(characters.prefix(17), weights) {
            guard let value = alphabet.firstIndex(of: character) else { return false }
            sum += value * weight
        }
        return alphabet.firstIndex(of: characters[17]) == (31 - sum % 31) % 31
    }

    /// 公民身份号码 (GB 11643-1999): 17 digits (6 of region, 8 of birth date, 3 of sequence) and a
    /// check character (ISO 7064 MOD 11-2, X for 10); the birth date must be a real date.
    public static func isValidIDCard(_ text: String) -> Bool {
        let characters = Array(text.utf8)
        guard characters.count == 18, characters.prefix(17).allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
        let digits = characters.prefix(17).map { Int($0) - 48 }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        guard Array("10X98765432".utf8)[sum % 11] == characters[17] else { return false }
        let birth = String(decoding: characters[6..<14], as: UTF8.self)
        let text = "\(birth.prefix(4))-\(birth.dropFirst(4).prefix(2))-\(birth.suffix(2))"
        guard let day = CivilDate(text), day.year >= 1900 else { return false }
        return true
    }
}

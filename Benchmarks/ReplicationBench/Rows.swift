import Foundation

/// The rows every measurement writes, so the raw floor, the replication hops
/// and the import all move the same data. Two key orders:
/// - `sequential`: registration numbers in order (a district loading its register);
/// - `random`: UUID-formatted ids in random order, like the PostgreSQL peer
///   benchmark's rows (`../shared/peers`), for a like-for-like comparison.
struct Rows {
    enum KeyOrder: String { case sequential, random }

    let order: KeyOrder

    func key(_ n: Int) -> String {
        switch order {
        case .sequential: return "91440310MA5F\(String(format: "%07d", n))"
        case .random:
            let a = Rows.mix(UInt64(2 * n)), b = Rows.mix(UInt64(2 * n + 1))
            let hex = String(format: "%016llx%016llx", a, b)
            let c = Array(hex)
            return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20..<32]))"
        }
    }

    /// Item values of row `n` as JSON (~200 bytes).
    func json(_ n: Int) -> String {
        #"{"uscc":"\#(key(n))","region":"440310","name":"深圳市坪山区示例科技有限公司第\#(n)号","capital":\#(n % 100_000),"status":"存续","registered":"2024-05-17"}"#
    }

    /// The same row as CSV (header: `Rows.csvHeader`).
    func csv(_ n: Int) -> String {
        "\(key(n)),440310,深圳市坪山区示例科技有限公司第\(n)号,\(n % 100_000),存续,2024-05-17\n"
    }

    static let csvHeader = "uscc,region,name,capital,status,registered\n"

    /// The dataset the rows belong to, for a topology.
    static let dataset: [String: any Sendable] = [
        "id": "enterprise", "name": "法人基本信息", "sourceNode": "sz-pingshan", "shareType": "unconditional", "backflow": "region",
        "keyItem": "uscc", "regionItem": "region",
        "items": [["name": "uscc", "title": "统一社会信用代码", "type": "string"], ["name": "region", "title": "区划", "type": "string"],
                  ["name": "name", "title": "名称", "type": "string"], ["name": "capital", "title": "注册资本", "type": "integer"],
                  ["name": "status", "title": "状态", "type": "string"], ["name": "registered", "title": "成立日期", "type": "date"]] as [[String: String]],
    ]

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

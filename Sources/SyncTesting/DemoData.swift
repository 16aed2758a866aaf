import Foundation
import SyncCore

/// Sample records for the demo federation, drawn from the regulations' themes —
/// enterprise registration (法人), population (人口), electronic licences
/// (电子证照), market-regulation permits and standard place names (空间地理) —
/// generated deterministically: the same seed gives the same records everywhere.
public enum DemoData {
    /// How many records each demo dataset gets, and in which regions.
    public struct Plan: Sendable {
        public var dataset: String
        public var count: Int
        /// Region codes the records are spread over, in turn.
        public var regions: [String]
    }

    /// The demo's plan: tens of thousands of records in all.
    public static let plans: [Plan] = [
        Plan(dataset: "ps-enterprise", count: 6000, regions: ["440310"]),
        Plan(dataset: "ft-enterprise", count: 9000, regions: ["440304"]),
        Plan(dataset: "cq-population", count: 5000, regions: ["441502"]),
        // 宝安区 440306 has no node: its licences stay at the city and the province.
        Plan(dataset: "sz-elicence", count: 6000, regions: ["440310", "440304", "440306"]),
        // 天河区 440106 has no node either.
        Plan(dataset: "amr-licence", count: 6000, regions: ["440310", "440304", "441502", "440106"]),
        Plan(dataset: "gd-place", count: 4000, regions: ["440310", "440304", "441502", "440303"]),
    ]

    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤").map(String.init)
    static let givenNames = Array("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕晨阳欣怡子轩浩然梓涵宇航思远佳琪嘉怡俊杰文博").map(String.init)
    static let tradeWords = ["华信", "创新", "鹏程", "海岸", "金地", "星河", "粤海", "南山", "深蓝", "智联", "恒通", "汇丰", "嘉禾", "远景", "东方", "新城"]
    static let industries = ["科技", "电子", "贸易", "物流", "生物医药", "新材料", "餐饮管理", "建筑工程", "信息技术", "文化传媒", "新能源", "供应链管理"]
    static let suffixes = ["有限公司", "股份有限公司", "有限责任公司"]
    static let statuses = ["存续", "存续", "存续", "存续", "在业", "迁出", "注销"]
    static let licenceTypes = ["营业执照", "食品经营许可证", "道路运输经营许可证", "排污许可证", "建筑业企业资质证书", "医疗机构执业许可证"]
    static let permitCategories = ["食品经营", "药品零售", "特种设备使用登记", "工业产品生产许可", "计量器具型式批准"]
    static let placeKinds = ["社区", "街道", "公园", "学校", "医院", "地铁站", "广场", "道路"]
    static let districtNames = ["440310": "坪山区", "440304": "福田区", "441502": "城区", "440306": "宝安区", "440106": "天河区", "440303": "罗湖区"]
    static let cityNames = ["4403": "深圳市", "4415": "汕尾市", "4401": "广州市"]
    static let roads = ["深圳大道", "坪山大道", "深南大道", "红荔路", "二马路", "香洲路", "人民路", "中山路", "建设路", "新华路"]

    /// The records of one plan, as item values by name.
    public static func rows(_ plan: Plan, seed: UInt64 = 2026) -> [[String: JSONValue]] {
        var rng = SeededGenerator(seed: seed &+ UInt64(plan.dataset.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
        return (0..<plan.count).map { n in
            let region = plan.regions[n % plan.regions.count]
            return row(plan.dataset, n: n, region: region, rng: &rng)
        }
    }

    static func pick<T>(_ list: [T], _ rng: inout SeededGenerator) -> T { list[Int.random(in: 0..<list.count, using: &rng)] }

    static func person(_ rng: inout SeededGenerator) -> String {
        pick(surnames, &rng) + pick(givenNames, &rng) + (Bool.random(using: &rng) ? pick(givenNames, &rng) : "")
    }

    static func date(_ rng: inout SeededGenerator, from year: Int, to lastYear: Int) -> String {
        String(format: "%04d-%02d-%02d", Int.random(in: year...lastYear, using: &rng), Int.random(in: 1...12, using: &rng), Int.random(in: 1...28, using: &rng))
    }

    static func code(_ rng: inout SeededGenerator, _ length: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
    }

    /// The first 17 characters of a 统一社会信用代码 with their check character (GB 32100).
    static func uscc(_ first17: String) -> String {
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
        let sum = zip(first17, weights).reduce(0) { $0 + (alphabet.firstIndex(of: $1.0) ?? 0) * $1.1 }
        return first17 + String(alphabet[(31 - sum % 31) % 31])
    }

    static func company(_ region: String, _ rng: inout SeededGenerator) -> String {
        (cityNames[String(region.prefix(4))] ?? "广东") + pick(tradeWords, &rng) + pick(industries, &rng) + pick(suffixes, &rng)
    }

    static func row(_ dataset: String, n: Int, region: String, rng: inout SeededGenerator) -> [String: JSONValue] {
        switch dataset {
        case "ps-enterprise", "ft-enterprise":
            return ["uscc": .string(uscc("91\(region)\(code(&rng, 9))")), "region": .string(region),
                    "name": .string(company(region, &rng)), "legalPerson": .string(person(&rng)),
                    "capital": .int(Int64(Int.random(in: 10...50_000, using: &rng))),
                    "established": .string(date(&rng, from: 1995, to: 2026)), "status": .string(pick(statuses, &rng))]
        case "cq-population":
            return ["personId": .string("P\(region)\(String(format: "%07d", n))"), "region": .string(region),
                    "name": .string(person(&rng)), "gender": .string(Bool.random(using: &rng) ? "男" : "女"),
                    "birthDate": .string(date(&rng, from: 1940, to: 2024)),
                    "address": .string("汕尾市城区\(pick(roads, &rng))\(Int.random(in: 1...999, using: &rng))号")]
        case "sz-elicence":
            return ["licenceNo": .string("SZ\(region)-\(String(format: "%06d", n))"), "region": .string(region),
                    "holder": .string(company(region, &rng)), "type": .string(pick(licenceTypes, &rng)),
                    "issued": .string(date(&rng, from: 2019, to: 2026)), "validUntil": .string(date(&rng, from: 2027, to: 2031))]
        case "amr-licence":
            return ["permitNo": .string("粤市监\(region)\(String(format: "%06d", n))"), "region": .string(region),
                    "holder": .string(company(region, &rng)), "category": .string(pick(permitCategories, &rng)),
                    "issued": .string(date(&rng, from: 2018, to: 2026))]
        default: // gd-place
            return ["placeId": .string("GD-\(region)-\(String(format: "%05d", n))"), "region": .string(region),
                    "name": .string((districtNames[region] ?? "") + pick(tradeWords, &rng) + pick(placeKinds, &rng)),
                    "kind": .string(pick(placeKinds, &rng)),
                    "lon": .double((113.5 + Double(Int.random(in: 0...99_999, using: &rng)) / 100_000).rounded(toPlaces: 5)),
                    "lat": .double((22.4 + Double(Int.random(in: 0...99_999, using: &rng)) / 100_000).rounded(toPlaces: 5))]
        }
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let factor = pow(10, Double(places))
        return (self * factor).rounded() / factor
    }
}

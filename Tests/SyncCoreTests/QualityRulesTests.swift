import Foundation
import SyncCore
import XCTest

/// Check digits of 统一社会信用代码 and 公民身份号码, the quality rules, and the
/// catalog fields required when a source publishes.
final class QualityRulesTests: XCTestCase {
    func testUSCCCheckCharacters() {
        for valid in ["91350100M000100Y43", "91110000600037341L", "91440300192194195C", "914403001922038216"] {
            XCTAssertTrue(Identifiers.isValidUSCC(valid), valid)
        }
        for invalid in ["91350100M000100Y44", "91350100M000100Y4", "91350100M000100Y433", "91350100I000100Y43", "9135010OM000100Y43",
                        "91350100m000100Y43", "", "中文统一社会信用代码不行的啦"] {
            XCTAssertFalse(Identifiers.isValidUSCC(invalid), invalid)
        }
    }

    func testIDCardCheckDigitsAndBirthDates() {
        for valid in ["11010519491231002X", "440308199901101512"] {
            XCTAssertTrue(Identifiers.isValidIDCard(valid), valid)
        }
        for invalid in ["110105194912310021", "11010519491231002x1", "1101051949123100", "11010519491331002X", "A1010519491231002X",
                        "110105180001010018", ""] {
            XCTAssertFalse(Identifiers.isValidIDCard(invalid), invalid)
        }
    }

    func definition(_ rules: QualityRules, type: ItemType = .string) -> DatasetDefinition {
        DatasetDefinition(id: "d", name: "d", sourceNode: "n", shareType: .unconditional, backflow: .none, keyItem: "k", regionItem: "r",
                          items: [ItemDefinition(name: "k", title: "k", type: .string), ItemDefinition(name: "v", title: "v", type: type, rules: rules)])
    }

    func testRulesTable() {
        let cases: [(QualityRules, JSONValue?, String?)] = [
            (QualityRules(required: true), nil, "required"),
            (QualityRules(required: true), .string(""), "required"),
            (QualityRules(required: true), .string("x"), nil),
            (QualityRules(minLength: 2), .string("张"), "minLength 2"),
            (QualityRules(maxLength: 3), .string("张三丰丰"), "maxLength 3"),
            (QualityRules(maxLength: 3), .string("张三丰"), nil),
            (QualityRules(pattern: "1[3-9][0-9]{9}"), .string("13800001111"), nil),
            (QualityRules(pattern: "1[3-9][0-9]{9}"), .string("138000011112"), "pattern"),
            (QualityRules(enum: ["男", "女"]), .string("男"), nil),
            (QualityRules(enum: ["男", "女"]), .string("M"), "enum"),
            (QualityRules(min: 0, max: 100), .int(101), "max 100"),
            (QualityRules(min: 0, max: 100), .double(-0.5), "min 0"),
            (QualityRules(min: 0), .string("many"), "not a number"),
            (QualityRules(check: "uscc"), .string("91350100M000100Y43"), nil),
            (QualityRules(check: "uscc"), .string("91350100M000100Y44"), "check uscc"),
            (QualityRules(check: "id-card"), .string("110105194912310021"), "check id-card"),
            (QualityRules(minLength: 5), nil, nil),
        ]
        for (rules, value, expected) in cases {
            let found = QualityCheck(definition(rules)).violations(value.map { ["v": $0] } ?? [:])
            if let expected {
                XCTAssertEqual(found.count, 1, "\(rules) \(String(describing: value))")
                XCTAssertTrue(found.first?.rule.contains(expected) == true, "\(found) should name \(expected)")
            } else {
                XCTAssertTrue(found.isEmpty, "\(rules) \(String(describing: value)): \(found)")
            }
        }
        XCTAssertTrue(QualityCheck(definition(QualityRules(required: true, action: "flag"))).violations([:]).first?.flagOnly == true)
    }

    func testRulesThemselvesAreChecked() {
        XCTAssertTrue(QualityRules(pattern: "([").problems().first?.contains("not a regular expression") == true)
        XCTAssertTrue(QualityRules(check: "passport").problems().first?.contains("uscc, id-card") == true)
        XCTAssertTrue(QualityRules(action: "warn").problems().first?.contains("refuse or flag") == true)
        XCTAssertTrue(QualityRules(minLength: 5, maxLength: 2).problems().first?.contains("minLength") == true)
        XCTAssertEqual(QualityRules(required: true, pattern: "[0-9]+", check: "uscc", action: "flag").problems(), [])
    }

    func testPublishingRequiresTheNewFields() throws {
        let topology = try Topology.decode(Data("""
            {"federation": "t", "policy": {"allowedCRS": ["EPSG:4547"]}, "nodes": [
              {"id": "sz", "tier": "city", "region": "440300", "name": "深圳市", "url": "https://127.0.0.1:1"}]}
            """.utf8))
        var entry = CatalogEntryTests.valid()
        entry.sourceNode = "sz"
        func problems(_ change: (inout CatalogEntry) -> Void) -> [String] {
            var copy = entry
            change(&copy)
            do { try copy.validate(in: topology, publishing: true); return [] } catch { return error.problems.map(\.field) }
        }
        XCTAssertEqual(Set(problems { _ in }), ["usageConditions", "purpose"], "坪山 §17: 使用条件, 用途 (relatedSystem is set)")
        entry.usageConditions = "不得用于履职以外用途"
        entry.purpose = "共享"
        XCTAssertEqual(problems { _ in }, [])
        XCTAssertEqual(problems { $0.relatedSystem = nil }, ["relatedSystem"])
        XCTAssertEqual(problems { $0.classification.grade = "机密" }, ["classification.grade"])
        XCTAssertEqual(problems { $0.shareType = "conditional"; $0.shareConditions = "依申请" }, ["shareBasis"])
        XCTAssertEqual(problems { $0.classification.category = "空间地理" }, ["crs"], "spatial data declares its CRS")
        XCTAssertEqual(problems { $0.classification.category = "空间地理"; $0.crs = "EPSG:4326" }, ["crs"], "WGS 84 is refused")
        XCTAssertEqual(problems { $0.crs = "EPSG:4490" }, [])
        XCTAssertEqual(problems { $0.crs = "EPSG:4547" }, [], "the policy may allow another")
        XCTAssertNoThrow(try entry.validate(in: topology), "relayed entries are held to the rules of their version")
    }
}

import Foundation
import SyncCore
import XCTest

/// The catalog entry's rules, one by one: each error names the field.
final class CatalogEntryTests: XCTestCase {
    let topology = try! Topology.decode(Data("""
        {"federation": "t", "nodes": [
          {"id": "sz", "tier": "city", "region": "440300", "name": "深圳市", "url": "https://127.0.0.1:1"},
          {"id": "sz-pingshan", "tier": "district", "region": "440310", "parent": "sz", "name": "坪山区", "url": "https://127.0.0.1:2"}]}
        """.utf8))

    static func valid() -> CatalogEntry {
        CatalogEntry(id: "ps-enterprise", name: "坪山区法人基本信息", summary: "企业法人", provider: "坪山区市场监督管理局",
                     sourceNode: "sz-pingshan", format: "数据库表", relatedSystem: "商事登记系统",
                     classification: .init(category: "法人", grade: "一般"), shareType: "unconditional", shareConditions: nil,
                     legalBasis: nil, shareMethod: "api", openType: "conditional", updateFrequency: "day", usageConditions: nil,
                     purpose: nil, contact: .init(name: "陈工", phone: "0755-28300001"), backflow: "region", keyItem: "uscc",
                     regionItem: "region",
                     items: [ItemDefinition(name: "uscc", title: "统一社会信用代码", type: .string),
                             ItemDefinition(name: "region", title: "区划", type: .string),
                             ItemDefinition(name: "name", title: "名称", type: .string)],
                     status: "published", version: 1)
    }

    func assertProblem(_ change: (inout CatalogEntry) -> Void, field: String, _ text: String, line: UInt = #line) {
        var entry = Self.valid()
        change(&entry)
        let problems = entry.problems(in: topology)
        XCTAssertTrue(problems.contains { $0.field == field && $0.message.contains(text) }, "\(problems)", line: line)
    }

    func testAValidEntryPasses() {
        XCTAssertEqual(Self.valid().problems(in: topology), [])
        XCTAssertEqual(Self.valid().definition.shareType, .unconditional)
    }

    func testRequiredFields() {
        assertProblem({ $0.name = "" }, field: "name", "required")
        assertProblem({ $0.summary = " " }, field: "summary", "required")
        assertProblem({ $0.provider = "" }, field: "provider", "required")
        assertProblem({ $0.format = "" }, field: "format", "required")
        assertProblem({ $0.contact.phone = "" }, field: "contact.phone", "required")
        assertProblem({ $0.classification.grade = "" }, field: "classification.grade", "required")
        assertProblem({ $0.items = [] }, field: "items", "at least one")
        assertProblem({ $0.id = "Bad Id" }, field: "id", "lowercase")
    }

    func testConditionalNeedsConditionsAndNoneNeedsALegalBasis() {
        assertProblem({ $0.shareType = "conditional" }, field: "shareConditions", "required")
        assertProblem({ $0.shareType = "none" }, field: "legalBasis", "required")
        var ok = Self.valid()
        ok.shareType = "none"
        ok.legalBasis = "《个人信息保护法》第十三条"
        XCTAssertEqual(ok.problems(in: topology), [])
    }

    func testKeyAndRegionAreItems() {
        assertProblem({ $0.keyItem = "code" }, field: "keyItem", "not one of the items")
        assertProblem({ $0.regionItem = "area" }, field: "regionItem", "not one of the items")
    }

    func testAuthoritiesAndSourceAreNodes() {
        assertProblem({ $0.items[2].authority = "gd-amr" }, field: "items[2].authority", "not a node")
        assertProblem({ $0.sourceNode = "nowhere" }, field: "sourceNode", "not a node")
    }

    func testEnumeratedValuesAreChecked() {
        assertProblem({ $0.shareType = "open" }, field: "shareType", "not one of")
        assertProblem({ $0.shareMethod = "email" }, field: "shareMethod", "not one of")
        assertProblem({ $0.updateFrequency = "daily" }, field: "updateFrequency", "not one of")
        assertProblem({ $0.backflow = "city" }, field: "backflow", "not one of")
        assertProblem({ $0.openType = "yes" }, field: "openType", "not one of")
    }

    func testErrorListsEveryProblem() {
        var entry = Self.valid()
        entry.name = ""
        entry.keyItem = "x"
        XCTAssertThrowsError(try entry.validate(in: topology)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("2 problems") && text.contains("name:") && text.contains("keyItem:"), text)
        }
    }
}

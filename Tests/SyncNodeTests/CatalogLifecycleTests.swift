import Foundation
import SyncCore
@testable import SyncNode
import XCTest

/// Publishing, changing and withdrawing entries at a node; what that does to records.
final class CatalogLifecycleTests: XCTestCase {
    func makeReplica(_ node: String) throws -> Replica {
        let dir = try temporaryDirectory(self)
        let topology = try Topology.decode(Data("""
            {"federation": "t", "nodes": [
              {"id": "sz", "tier": "city", "region": "440300", "name": "深圳市", "url": "https://127.0.0.1:1"},
              {"id": "sz-pingshan", "tier": "district", "region": "440310", "parent": "sz", "name": "坪山区", "url": "https://127.0.0.1:2"}]}
            """.utf8))
        let context = try NodeContext(topology: topology, nodeID: node, dataDirectory: dir, certificateDirectory: dir)
        return try Replica(context: context, store: try Store(path: context.databasePath, nodeID: node, federation: "t"))
    }

    let record: [String: JSONValue] = ["uscc": .string("A1"), "region": .string("440310"), "name": .string("企业")]

    func testPublishChangeWithdraw() throws {
        let district = try makeReplica("sz-pingshan")
        XCTAssertThrowsError(try district.write(dataset: "ps-enterprise", values: record)) {
            XCTAssertTrue("\($0)".contains("no published catalog entry"), "\($0)")
        }
        var entry = sampleEntry()
        XCTAssertEqual(try district.publish(entry).version, 1)
        try district.write(dataset: "ps-enterprise", values: record)
        XCTAssertEqual(try district.outbox(for: "sz", after: 0, limit: 10).count, 2, "the entry, then the record, go up")
        entry.summary = "新摘要"
        let changed = try district.publish(entry)
        XCTAssertEqual(changed.version, 2)
        XCTAssertEqual(try district.catalogEntry("ps-enterprise")?.summary, "新摘要")
        let withdrawn = try district.withdraw("ps-enterprise")
        XCTAssertEqual(withdrawn.status, "withdrawn")
        XCTAssertEqual(withdrawn.version, 3)
        XCTAssertThrowsError(try district.write(dataset: "ps-enterprise", values: record)) {
            XCTAssertTrue("\($0)".contains("withdrawn"), "\($0)")
        }
        XCTAssertNotNil(try district.record(dataset: "ps-enterprise", key: "A1"), "existing copies are kept")
        XCTAssertEqual(try district.datasets().first?.withdrawn, true, "and marked")
        XCTAssertThrowsError(try district.withdraw("ps-enterprise"))
        XCTAssertEqual(try district.publish(entry).status, "published", "publishing again brings it back")
    }

    func testOnlyTheSourceMayPublishOrWithdraw() throws {
        let city = try makeReplica("sz")
        XCTAssertThrowsError(try city.publish(sampleEntry())) {
            XCTAssertTrue("\($0)".contains("only that node may publish"), "\($0)")
        }
    }

    func testInvalidEntriesAreRefusedNamingTheField() throws {
        var entry = sampleEntry()
        entry.shareType = "conditional"
        XCTAssertThrowsError(try makeReplica("sz-pingshan").publish(entry)) {
            XCTAssertTrue("\($0)".contains("shareConditions: is required"), "\($0)")
        }
    }

    func testACatalogChangeFromANonSourceIsRefused() throws {
        let city = try makeReplica("sz")
        let body = String(decoding: try JSON.encode(sampleEntry()) as Data, as: UTF8.self)
        let forged = Change(dataset: CatalogEntry.catalogDataset, key: "ps-enterprise", region: try RegionCode("440300"),
                            items: ["entry": ItemWrite(value: .string(body), stamp: Stamp(hlc: 5, origin: "sz"))], origin: "sz")
        XCTAssertThrowsError(try city.apply([forged], from: nil)) {
            XCTAssertTrue("\($0)".contains("was written by 'sz'"), "\($0)")
        }
        XCTAssertNil(try city.catalogEntry("ps-enterprise"))
    }

    func testDCATExport() throws {
        let district = try makeReplica("sz-pingshan")
        try district.publish(sampleEntry())
        let text = try DCAT.document(federation: "t", entries: try district.catalogEntries(), topology: district.context.topology)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(json["@type"] as? String, "dcat:Catalog")
        let dataset = try XCTUnwrap((json["dcat:dataset"] as? [[String: Any]])?.first)
        XCTAssertEqual(dataset["@type"] as? String, "dcat:Dataset")
        XCTAssertEqual(dataset["dct:title"] as? String, "坪山区法人基本信息")
        XCTAssertEqual((dataset["dct:accrualPeriodicity"] as? [String: Any])?["@id"] as? String,
                       "http://publications.europa.eu/resource/authority/frequency/DAILY")
        XCTAssertEqual((dataset["dcat:contactPoint"] as? [String: Any])?["vcard:fn"] as? String, "陈工")
    }
}

/// A valid entry for 坪山区's enterprises.
func sampleEntry() -> CatalogEntry {
    CatalogEntry(id: "ps-enterprise", name: "坪山区法人基本信息", summary: "企业法人", provider: "坪山区市场监督管理局",
                 sourceNode: "sz-pingshan", format: "数据库表", classification: .init(category: "法人", grade: "一般"),
                 shareType: "unconditional", shareMethod: "api", openType: "conditional", updateFrequency: "day",
                 contact: .init(name: "陈工", phone: "0755-28300001"), backflow: "region", keyItem: "uscc", regionItem: "region",
                 items: [ItemDefinition(name: "uscc", title: "统一社会信用代码", type: .string),
                         ItemDefinition(name: "region", title: "区划", type: .string),
                         ItemDefinition(name: "name", title: "名称", type: .string)])
}

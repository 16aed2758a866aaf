import Foundation
import SyncCore
import SyncEngine
import SyncTesting
import XCTest

/// Conflicts that close, and corrections with their deadlines, in one process.
final class TicketTests: XCTestCase {
    let record: [String: JSONValue] = ["uscc": .string("A1"), "region": .string("440310"), "name": .string("企业")]

    func testAConflictAcceptedOrRefusedClosesOnBothSides() throws {
        let f = try InProcessFederation(topology: try SampleCatalog.topology())
        let district = f.replica("sz-pingshan"), city = f.replica("sz")
        try CatalogService(replica: district).publish(SampleCatalog.entry())
        try LocalWriter(replica: district).write(dataset: "ps-enterprise", values: record)
        try LocalWriter(replica: district).write(dataset: "ps-enterprise", values: ["uscc": .string("A2"), "region": .string("440310"), "name": .string("二")])
        try f.settle()
        try LocalWriter(replica: city).write(dataset: "ps-enterprise", values: ["uscc": .string("A1"), "region": .string("440310"), "name": .string("企业（市改）")])
        try LocalWriter(replica: city).write(dataset: "ps-enterprise", values: ["uscc": .string("A2"), "region": .string("440310"), "name": .string("二（市改）")])
        try f.settle()
        let held = try district.store.read { try $0.conflicts() }.map(\.conflict)
        XCTAssertEqual(held.count, 2)
        let first = try XCTUnwrap(held.first { $0.key == "A1" }), second = try XCTUnwrap(held.first { $0.key == "A2" })
        XCTAssertThrowsError(try ConflictService(replica: city).accept(ConflictOutcome.id(of: first))) {
            XCTAssertTrue("\($0)".contains("answered by its authority sz-pingshan"), "\($0)")
        }
        try ConflictService(replica: district).accept(ConflictOutcome.id(of: first))
        try ConflictService(replica: district).refuse(ConflictOutcome.id(of: second), reason: "名称以营业执照为准")
        try f.settle()
        for node in ["sz-pingshan", "sz"] {
            XCTAssertEqual(try f.replica(node).store.read { try $0.conflicts() }.count, 0, "closed at \(node)")
            XCTAssertEqual(Set(try ConflictService(replica: f.replica(node)).outcomes().map(\.decision)), [.accepted, .refused], node)
        }
        for node in ["sz-pingshan", "sz", "gd"] {
            XCTAssertEqual(try f.records(node, "ps-enterprise")["A1"]?["name"], .string("企业（市改）"), "accepted: the authority's write, everywhere")
            XCTAssertEqual(try f.records(node, "ps-enterprise")["A2"]?["name"], .string("二"), "refused: the value stands")
        }
        // Proposing again is a new write: a new conflict, with its own id.
        try LocalWriter(replica: city).write(dataset: "ps-enterprise", values: ["uscc": .string("A2"), "region": .string("440310"), "name": .string("二（市改）")])
        try f.settle()
        let again = try district.store.read { try $0.conflicts() }.map(\.conflict)
        XCTAssertEqual(again.count, 1)
        XCTAssertNotEqual(again.first.map(ConflictOutcome.id(of:)), ConflictOutcome.id(of: second))
    }

    /// The two-city federation of the sharing tests, with an unconditional dataset at 城区 that flows to every node.
    func federation() throws -> InProcessFederation {
        let f = try SharingTests.federation()
        try CatalogService(replica: f.replica("sw-chengqu")).publish(SampleCatalog.entry("cq-enterprise", source: "sw-chengqu", backflow: "all"))
        try LocalWriter(replica: f.replica("sw-chengqu")).write(dataset: "cq-enterprise", values: [
            "uscc": .string("Q1"), "region": .string("441502"), "name": .string("城区老店"),
        ])
        try f.settle()
        return f
    }

    func testACorrectionsLifeAcrossTheTree() throws {
        let f = try federation()
        let filer = CorrectionService(replica: f.replica("sz-pingshan")), authority = CorrectionService(replica: f.replica("sw-chengqu"))
        XCTAssertThrowsError(try filer.file(dataset: "cq-enterprise", key: "nope", values: ["name": "x"], reason: "r"))
        XCTAssertThrowsError(try authority.file(dataset: "cq-enterprise", key: "Q1", values: ["name": "x"], reason: "r")) {
            XCTAssertTrue("\($0)".contains("write the value instead"), "\($0)")
        }
        let ticket = try filer.file(dataset: "cq-enterprise", key: "Q1", values: ["name": "城区新店"], reason: "已更名，见营业执照")
        XCTAssertEqual(ticket.request.acknowledgeBy, "2026-09-28", "1 working day")
        XCTAssertEqual(ticket.request.resolveBy, "2026-09-30", "3 working days")
        XCTAssertEqual(ticket.request.latestBy, "2026-10-20", "10 more working days, across the National Day week")
        try f.settle()
        XCTAssertEqual(authority.role(in: try authority.ticket(ticket.id)), .authority)
        XCTAssertEqual(CorrectionService(replica: f.replica("gd")).role(in: try CorrectionService(replica: f.replica("gd")).ticket(ticket.id)), .filed)
        XCTAssertThrowsError(try filer.acknowledge(ticket.id), "only the authority answers")
        try authority.acknowledge(ticket.id)
        XCTAssertThrowsError(try authority.extend(ticket.id, reason: "需核查", until: "2026-10-21"), "past the longest extension")
        try authority.extend(ticket.id, reason: "需现场核查", until: "2026-10-15")
        try f.settle()
        XCTAssertEqual(try filer.ticket(ticket.id).status, .extended)
        XCTAssertEqual(try filer.ticket(ticket.id).deadline, "2026-10-15")
        try authority.resolve(ticket.id, values: nil)
        try f.settle()
        XCTAssertEqual(try filer.ticket(ticket.id).status, .resolved)
        for node in ["sw-chengqu", "gd", "sz-pingshan"] {
            XCTAssertEqual(try f.records(node, "cq-enterprise")["Q1"]?["name"], .string("城区新店"), "the fixed value at \(node)")
        }
    }

    func testARefusedCorrectionAndAnOverdueOneEscalating() throws {
        let f = try federation()
        let filer = CorrectionService(replica: f.replica("sz-pingshan")), authority = CorrectionService(replica: f.replica("sw-chengqu"))
        let refused = try filer.file(dataset: "cq-enterprise", key: "Q1", values: ["name": "错误名称"], reason: "r")
        let late = try filer.file(dataset: "cq-enterprise", key: "Q1", values: ["name": "另一个"], reason: "r")
        try f.settle()
        try authority.refuse(refused.id, reason: "与登记信息不符")
        try f.settle()
        XCTAssertEqual(try filer.ticket(refused.id).status, .refused)
        XCTAssertEqual(try filer.ticket(refused.id).steps.last?.reason, "与登记信息不符")
        XCTAssertEqual(try f.records("sz-pingshan", "cq-enterprise")["Q1"]?["name"], .string("城区老店"))

        f.clock.advance(by: 5 * 86_400)
        XCTAssertTrue(try filer.ticket(late.id).isOverdue(on: filer.today))
        XCTAssertFalse(try filer.ticket(late.id).isEscalated(on: filer.today), "the extension's days are not over")
        f.clock.advance(by: 30 * 86_400)
        let hub = CorrectionService(replica: f.replica("gd"))
        XCTAssertEqual(hub.role(in: try hub.ticket(late.id)), .escalated, "the common hub sees it escalated")
        XCTAssertEqual(CorrectionService(replica: f.replica("sz")).role(in: try hub.ticket(late.id)), .filed)
        XCTAssertFalse(try filer.ticket(refused.id).isOverdue(on: filer.today), "a closed one is never overdue")
    }

    func testARectificationNoticeFromAHub() throws {
        let f = try federation()
        XCTAssertThrowsError(try CorrectionService(replica: f.replica("sz")).notify(dataset: "cq-enterprise", reason: "r"), "not above the source")
        let notice = try CorrectionService(replica: f.replica("gd")).notify(dataset: "cq-enterprise", reason: "法定代表人缺失率 12%")
        XCTAssertEqual(notice.request.resolveBy, "2026-09-30", "3 working days")
        XCTAssertNil(notice.request.acknowledgeBy)
        try f.settle()
        let source = CorrectionService(replica: f.replica("sw-chengqu"))
        XCTAssertEqual(try source.ticket(notice.id).request.kind, .notice)
        try source.resolve(notice.id, values: nil)
        try f.settle()
        XCTAssertEqual(try CorrectionService(replica: f.replica("gd")).ticket(notice.id).status, .resolved)
    }
}

import Foundation
import SyncCore
import SyncEngine
import SyncTesting
import XCTest

/// Conditional sharing in one process: a request filed on its way, overdue at
/// both ends, granted with masks (only the granted, masked items of the granted
/// region reach the grantee, and no one else), expiry and revocation, a
/// refusal, and datasets not shared aggregated but never sent down.
final class SharingTests: XCTestCase {
    static let dataset = "sw-population"

    static let nationalDay: [String: any Sendable] = [
        "holidays": ["2026-09-25", "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"],
        "workdays": ["2026-09-20", "2026-10-10"],
    ]

    static func federation(policy: [String: any Sendable] = nationalDay) throws -> InProcessFederation {
        let topology = try FleetTopology(federation: "t", nodes: [
            .init(id: "gd", tier: "province", region: "440000", name: "广东省"),
            .init(id: "sz", tier: "city", region: "440300", parent: "gd", name: "深圳市"),
            .init(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
            .init(id: "sw", tier: "city", region: "441500", parent: "gd", name: "汕尾市"),
            .init(id: "sw-chengqu", tier: "district", region: "441502", parent: "sw", name: "城区"),
        ], policy: policy).topology()
        // 2026-09-25, a Friday before the National Day week, 10:00 in China.
        return try InProcessFederation(topology: topology, clock: TestClock(Date(timeIntervalSince1970: 1_790_301_600)))
    }

    static func publish(_ f: InProcessFederation) throws {
        let entry = SampleCatalog.entry(Self.dataset, source: "sw", shareType: "conditional", backflow: "region",
                                        extra: [ItemDefinition(name: "phone", title: "联系电话", type: .string)])
        try CatalogService(replica: f.replica("sw")).publish(entry)
        let writer = LocalWriter(replica: f.replica("sw"))
        for (key, region, name, phone) in [("P1", "441502", "张三丰", "13800001111"), ("P2", "441502", "李四", "13900002222"),
                                           ("P3", "441521", "王五", "13700003333")] {
            try writer.write(dataset: Self.dataset, values: ["uscc": .string(key), "region": .string(region), "name": .string(name), "phone": .string(phone)])
        }
        try f.settle()
    }

    func testARequestIsFiledGrantedMaskedAndEnds() throws {
        let f = try Self.federation()
        try Self.publish(f)
        XCTAssertEqual(try f.records("sz", Self.dataset).count, 0, "conditional data does not come down")
        XCTAssertEqual(try f.records("gd", Self.dataset).count, 3, "it goes up")

        let asker = ShareService(replica: f.replica("sz-pingshan"))
        XCTAssertThrowsError(try asker.request(dataset: Self.dataset, items: ["nope"], region: nil, purpose: "p", basis: "b", until: nil))
        XCTAssertThrowsError(try asker.request(dataset: Self.dataset, items: nil, region: nil, purpose: " ", basis: "b", until: nil))
        let ticket = try asker.request(dataset: Self.dataset, items: ["uscc", "region", "name", "phone"], region: "441502",
                                       purpose: "困难群众救助核对", basis: "《社会救助暂行办法》", until: "2026-12-31")
        XCTAssertEqual(ticket.request.deadline, "2026-10-09", "5 working days from the day after, across the National Day week")
        try f.settle()
        for (node, role) in [("sz-pingshan", ShareService.Role.requester), ("sz", .filed), ("gd", .filed), ("sw", .source)] {
            let service = ShareService(replica: f.replica(node))
            XCTAssertEqual(try service.ticket(ticket.id).status(on: service.today), .pending, node)
            XCTAssertEqual(service.role(in: try service.ticket(ticket.id)), role, node)
        }
        XCTAssertThrowsError(try ShareService(replica: f.replica("sw-chengqu")).ticket(ticket.id), "off the way: not filed there")

        f.clock.advance(by: 20 * 86_400)
        for node in ["sz-pingshan", "sw"] {
            let service = ShareService(replica: f.replica(node))
            XCTAssertTrue(try service.ticket(ticket.id).isOverdue(on: service.today), "overdue at \(node)")
        }
        XCTAssertThrowsError(try ShareService(replica: f.replica("gd")).grant(ticket.id, items: nil, masks: [:], until: nil)) {
            XCTAssertTrue("\($0)".contains("answered by its source sw"), "\($0)")
        }
        let source = ShareService(replica: f.replica("sw"))
        XCTAssertThrowsError(try source.grant(ticket.id, items: ["uscc", "region", "name"], masks: ["phone": .hash], until: nil), "a mask on an item not granted")
        try source.grant(ticket.id, items: ["uscc", "region", "name", "phone"], masks: ["name": .keep(first: 1, last: 0), "phone": .keep(first: 0, last: 4)],
                         until: "2026-11-30")
        try f.settle()
        let grant = ShareTicket.grantDataset(ticket.id)
        let copies = try f.records("sz-pingshan", grant)
        XCTAssertEqual(Set(copies.keys), ["P1", "P2"], "only the granted region")
        XCTAssertEqual(copies["P1"]?["name"], .string("张**"))
        XCTAssertEqual(copies["P1"]?["phone"], .string("*******1111"))
        XCTAssertEqual(copies["P2"]?["uscc"], .string("P2"))
        for node in ["sz", "gd", "sw", "sw-chengqu"] {
            XCTAssertEqual(try f.records(node, grant).count, 0, "no copies held at \(node)")
        }
        XCTAssertEqual(try f.records("sz", Self.dataset).count, 0)
        XCTAssertEqual(try f.records("sz-pingshan", Self.dataset).count, 0, "the grantee holds copies only under the grant")

        // Changes while the grant runs follow, masked; records outside it do not.
        let writer = LocalWriter(replica: f.replica("sw"))
        try writer.write(dataset: Self.dataset, values: ["uscc": .string("P2"), "region": .string("441502"), "name": .string("李四"), "phone": .string("13900009999")])
        try writer.write(dataset: Self.dataset, values: ["uscc": .string("P4"), "region": .string("441521"), "name": .string("赵六"), "phone": .string("1")])
        try f.settle()
        XCTAssertEqual(try f.records("sz-pingshan", grant)["P2"]?["phone"], .string("*******9999"))
        XCTAssertNil(try f.records("sz-pingshan", grant)["P4"])

        // Usage is reported back to the source.
        let granted = try asker.usableGrants(dataset: Self.dataset)
        XCTAssertEqual(granted.map(\.id), [ticket.id])
        try asker.recordUse(of: granted[0], reads: 2, exports: 1)
        try f.settle()
        XCTAssertEqual(try source.ticket(ticket.id).usage?.reads, 2)
        XCTAssertEqual(try source.ticket(ticket.id).usage?.exports, 1)

        // Past its last day the flow stops and the copies go.
        f.clock.advance(by: 70 * 86_400)
        XCTAssertEqual(try source.ticket(ticket.id).status(on: source.today), .expired)
        try writer.write(dataset: Self.dataset, values: ["uscc": .string("P5"), "region": .string("441502"), "name": .string("孙七"), "phone": .string("2")])
        try f.settle()
        XCTAssertNil(try f.records("sz-pingshan", grant)["P5"], "nothing flows after the grant ended")
        XCTAssertEqual(try asker.endGrants(), 2)
        XCTAssertEqual(try f.records("sz-pingshan", grant).count, 0)
        XCTAssertEqual(try asker.usableGrants(dataset: Self.dataset).count, 0)
    }

    func testARevocationStopsTheFlowAndRemovesTheCopies() throws {
        let f = try Self.federation()
        try Self.publish(f)
        let ticket = try ShareService(replica: f.replica("sz-pingshan"))
            .request(dataset: Self.dataset, items: nil, region: nil, purpose: "用途", basis: "依据", until: nil)
        try f.settle()
        let source = ShareService(replica: f.replica("sw"))
        try source.grant(ticket.id, items: nil, masks: ["phone": .hash, "name": .drop], until: nil)
        try f.settle()
        let copies = try f.records("sz-pingshan", ShareTicket.grantDataset(ticket.id))
        XCTAssertEqual(copies.count, 3)
        XCTAssertNil(copies["P1"]?["name"], "dropped")
        XCTAssertEqual(copies["P1"]?["phone"]?.text?.hasPrefix("sha256:"), true)
        XCTAssertNotEqual(copies["P1"]?["phone"], copies["P2"]?["phone"])
        try source.revoke(ticket.id, reason: "用途已完成")
        try f.settle()
        XCTAssertEqual(try f.records("sz-pingshan", ShareTicket.grantDataset(ticket.id)).count, 0, "the revocation removed the copies")
        let asker = ShareService(replica: f.replica("sz-pingshan"))
        XCTAssertEqual(try asker.ticket(ticket.id).status(on: asker.today), .revoked)
    }

    func testARefusalCarriesItsBasis() throws {
        let f = try Self.federation()
        try Self.publish(f)
        let ticket = try ShareService(replica: f.replica("sz-pingshan"))
            .request(dataset: Self.dataset, items: ["name"], region: nil, purpose: "用途", basis: "依据", until: nil)
        try f.settle()
        XCTAssertThrowsError(try ShareService(replica: f.replica("sw")).refuse(ticket.id, basis: ""))
        try ShareService(replica: f.replica("sw")).refuse(ticket.id, basis: "《个人信息保护法》第十三条")
        try f.settle()
        let asker = ShareService(replica: f.replica("sz-pingshan"))
        let answered = try asker.ticket(ticket.id)
        XCTAssertEqual(answered.status(on: asker.today), .refused)
        XCTAssertEqual(answered.answer?.basis, "《个人信息保护法》第十三条")
        XCTAssertEqual(try f.records("sz-pingshan", ShareTicket.grantDataset(ticket.id)).count, 0)
    }

    func testANotSharedDatasetIsAggregatedButNeverSentDown() throws {
        for (policy, atProvince) in [("aggregate", 1), ("keep-at-source", 0)] {
            let f = try Self.federation(policy: ["unsharedDatasets": policy])
            try CatalogService(replica: f.replica("sw-chengqu")).publish(SampleCatalog.entry("cq-secret", source: "sw-chengqu", shareType: "none", backflow: "all"))
            try LocalWriter(replica: f.replica("sw-chengqu")).write(dataset: "cq-secret", values: ["uscc": .string("S1"), "region": .string("441502"), "name": .string("x")])
            try f.settle()
            XCTAssertEqual(try f.records("gd", "cq-secret").count, atProvince, policy)
            XCTAssertEqual(try f.records("sw", "cq-secret").count, atProvince, policy)
            XCTAssertEqual(try f.records("sz", "cq-secret").count, 0, policy)
            XCTAssertEqual(try f.records("sz-pingshan", "cq-secret").count, 0, policy)
            XCTAssertThrowsError(try ShareService(replica: f.replica("sz-pingshan"))
                .request(dataset: "cq-secret", items: nil, region: nil, purpose: "p", basis: "b", until: nil)) {
                XCTAssertTrue("\($0)".contains("verify"), "\($0)")
            }
        }
    }
}

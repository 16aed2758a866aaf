import Foundation
import SyncCore
import SyncEngine
import SyncTesting
import XCTest

/// What a hostile neighbour might send about tickets and granted records: a
/// forged answer, a ticket sent off its way, a changed request, granted records
/// from the wrong node or beyond the grant, an outcome not by the authority, a
/// verification log from outside. Each is refused whole, naming what was wrong.
final class HostileTicketTests: XCTestCase {
    func federation() throws -> InProcessFederation {
        let f = try SharingTests.federation()
        try SharingTests.publish(f)
        return f
    }

    func entries(_ changes: [Change]) -> [BatchEntry] {
        changes.enumerated().map { BatchEntry(seq: Int64($0.offset + 1), change: EncodedChange($0.element)) }
    }

    func refused(_ replica: Replica, _ changes: [Change], from peer: String, _ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try replica.apply(entries(changes), from: peer, cursor: nil), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(text), "\(error) should say \(text)", file: file, line: line)
        }
    }

    func now(_ f: InProcessFederation) -> Int64 { HybridClock.reading(wallMillis: f.replica("gd").wallClock.millis()) }

    func node(_ f: InProcessFederation, _ id: String) -> NodeEntry { f.topology.node(id)! }

    func testForgedTicketsAreRefused() throws {
        let f = try federation()
        let ticket = try ShareService(replica: f.replica("sz-pingshan"))
            .request(dataset: SharingTests.dataset, items: nil, region: nil, purpose: "用途", basis: "依据", until: nil)
        try f.settle()
        let answer = ShareAnswer(decision: .granted, answeredAt: "now")

        // The province forges the source's answer: a change written by gd claiming the answer.
        let forged = try ShareTicket.change(id: ticket.id, item: ShareTicket.answerItem, value: answer, by: node(f, "gd"), hlc: now(f))
        refused(f.replica("sz"), [forged], from: "gd", "only sw may write its answer, not gd")

        // A ticket pushed to a node off its way.
        let request = try ShareTicket.change(id: "sw-chengqu-x1", item: ShareTicket.requestItem, value: ShareRequest(
            dataset: SharingTests.dataset, requester: "sw-chengqu", source: "sw", items: nil, region: nil, purpose: "p", basis: "b",
            until: nil, requestedOn: "2026-09-25", requestedAt: "x", deadline: "2026-10-09"), by: node(f, "sw-chengqu"), hlc: now(f))
        refused(f.replica("sz"), [request], from: "gd", "sz is not on the way between sw-chengqu and sw")

        // A request changed after it was made.
        var changed = ticket.request
        changed.items = ["phone"]
        let rewrite = try ShareTicket.change(id: ticket.id, item: ShareTicket.requestItem, value: changed, by: node(f, "sz-pingshan"), hlc: now(f))
        refused(f.replica("sz"), [rewrite], from: "sz-pingshan", "is not changed once made")

        // An id that does not start with the filer's.
        let stolen = try ShareTicket.change(id: "sz-other-1", item: ShareTicket.requestItem, value: ticket.request, by: node(f, "sz-pingshan"), hlc: now(f))
        refused(f.replica("sz"), [stolen], from: "sz-pingshan", "its id start with the filer's")

        // A request item that is not JSON, or too large.
        var garbage = stolen
        garbage.key = "sz-pingshan-2"
        garbage.items[ShareTicket.requestItem]!.value = .string("{not json")
        refused(f.replica("sz"), [garbage], from: "sz-pingshan", "not valid JSON")
        garbage.items[ShareTicket.requestItem]!.value = .string(String(repeating: "x", count: 70_000))
        refused(f.replica("sz"), [garbage], from: "sz-pingshan", "at most 64 KiB")
    }

    func testGrantedRecordsOnlyFromTheReleasingNodeAndWithinTheGrant() throws {
        let f = try federation()
        let ticket = try ShareService(replica: f.replica("sz-pingshan"))
            .request(dataset: SharingTests.dataset, items: ["uscc", "region", "name"], region: "441502", purpose: "用途", basis: "依据", until: nil)
        try f.settle()
        try ShareService(replica: f.replica("sw")).grant(ticket.id, items: nil, masks: [:], until: nil)
        try f.settle()
        let grant = ShareTicket.grantDataset(ticket.id)
        // The source's city invents a granted record and it is relayed down: only gd releases this grant.
        let invented = Change(dataset: grant, key: "X1", region: try RegionCode("441502"),
                              items: ["name": ItemWrite(value: .string("假"), stamp: Stamp(hlc: now(f), origin: "sw"))], origin: "sw")
        refused(f.replica("sz-pingshan"), [invented], from: "sz", "sw does not release this grant")
        // The releasing node sends an item the grant does not cover, or a region outside it.
        let gdStamp = Stamp(hlc: now(f), origin: "gd")
        let phone = Change(dataset: grant, key: "P1", region: try RegionCode("441502"),
                           items: ["phone": ItemWrite(value: .string("1"), stamp: gdStamp)], origin: "gd")
        refused(f.replica("sz"), [phone], from: "gd", "items or a region the grant does not cover")
        let outside = Change(dataset: grant, key: "P3", region: try RegionCode("441521"),
                             items: ["name": ItemWrite(value: .string("x"), stamp: gdStamp)], origin: "gd")
        refused(f.replica("sz"), [outside], from: "gd", "items or a region the grant does not cover")
        // Granted records of a ticket the node never saw.
        let unknown = Change(dataset: ShareTicket.grantDataset("sz-pingshan-nope"), key: "P1", region: try RegionCode("441502"),
                             items: ["name": ItemWrite(value: .string("x"), stamp: gdStamp)], origin: "gd")
        refused(f.replica("sz"), [unknown], from: "gd", "there is no such share ticket at sz")
    }

    func testOutcomesAndLogsOnlyFromWhoMayWriteThem() throws {
        let f = try InProcessFederation(topology: try SampleCatalog.topology())
        try CatalogService(replica: f.replica("sz-pingshan")).publish(SampleCatalog.entry())
        try f.settle()
        try LocalWriter(replica: f.replica("sz-pingshan")).write(dataset: "ps-enterprise", values: [
            "uscc": .string("A1"), "region": .string("440310"), "name": .string("企业")])
        try LocalWriter(replica: f.replica("sz")).write(dataset: "ps-enterprise", values: [
            "uscc": .string("A1"), "region": .string("440310"), "name": .string("市改")])
        try f.settle()
        let conflict = try XCTUnwrap(try f.replica("sz").store.read { try $0.conflicts() }.first?.conflict)
        let hlc = HybridClock.reading(wallMillis: f.replica("gd").wallClock.millis())
        // The province answers a conflict it is not the authority of, to close it at the city.
        let outcome = ConflictOutcome(conflict: conflict, decision: .refused, reason: "x", at: "now")
        let forged = try TicketJSON.change(dataset: ConflictOutcome.dataset, id: outcome.id, item: ConflictOutcome.item, value: outcome,
                                           by: f.topology.node("gd")!, hlc: hlc)
        refused(f.replica("sz"), [forged], from: "gd", "only the authority sz-pingshan answers it, not gd")
        XCTAssertEqual(try f.replica("sz").store.read { try $0.conflicts() }.count, 1, "still open")
        // A verification log entry never comes from a neighbour.
        let log = Change.write(dataset: VerificationService.logDataset, key: "gd-1", region: try RegionCode("440000"),
                               values: ["result": .string("match")], origin: "gd", hlc: hlc)
        refused(f.replica("sz"), [log], from: "gd", "kept where it is written")
    }
}

import SyncCore
import XCTest

/// Every protocol message: round trips, and the bounds a peer's numbers must keep.
final class MessageTests: XCTestCase {
    let change = Change.write(dataset: "d", key: "k", region: try! RegionCode("440310"), values: ["a": .int(1)], origin: "o", hlc: 5)

    func testBatchRoundTripWithStoredBytes() throws {
        let entries = (1...3).map { LogEntry(seq: Int64($0 * 10), body: ChangeCodec.encode(change)) }
        let batch = try Batch.decode(Batch.encode(entries, last: 30))
        XCTAssertEqual(batch.entries.map(\.seq), [10, 20, 30])
        XCTAssertEqual(batch.entries.map(\.change.bytes), entries.map(\.body))
        XCTAssertEqual(batch.last, 30)
        XCTAssertNil(batch.resync)
        let page = try Batch.decode(Batch.encode([LogEntry(seq: 0, body: ChangeCodec.encode(change))], resync: .next(ResyncPosition(reserved: false, seq: 42))))
        XCTAssertEqual(page.resync, .next(ResyncPosition(reserved: false, seq: 42)))
        XCTAssertEqual(try Batch.decode(Batch.encode([], resync: .complete)).resync, .complete)
    }

    func testBatchRulesAreEnforced() throws {
        let body = String(decoding: ChangeCodec.encode(change), as: UTF8.self)
        let cases: [(String, String)] = [
            (#"{"changes":[{"change":\#(body),"seq":2},{"change":\#(body),"seq":2}]}"#, "sequence numbers rise"),
            (#"{"changes":[{"change":\#(body),"seq":1}],"resync":"complete"}"#, "a resync page carries seq 0"),
            (#"{"changes":[{"change":\#(body),"seq":-1}]}"#, "0 or more"),
            (#"{"changes":[{"change":\#(body)}]}"#, "needs \"seq\" and \"change\""),
            (#"{"changes":[],"more":1}"#, "no member 'more'"),
            (#"{"changes":[],"changes":[]}"#, "twice"),
            (#"{"last":1}"#, "needs \"changes\""),
            (#"{"changes":[],"resync":"records.x"}"#, "resync position"),
            (#"{"changes":[{"change":\#(body),"seq":1,"seq":2}]}"#, "repeated member 'seq'"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try Batch.decode(Array(text.utf8)), text) { XCTAssertTrue("\($0)".contains(expected), "\(text): \($0)") }
        }
        let many = Batch.encode((1...6).map { LogEntry(seq: Int64($0), body: ChangeCodec.encode(change)) })
        XCTAssertThrowsError(try Batch.decode(many, maxEntries: 5))
    }

    func testHealthMessagesRoundTripAndBoundTheirNumbers() throws {
        let report = NodeSummary(id: "sz", name: "深圳市", tier: "city", region: "440300", state: "ok", problems: ["x"], outbox: 3,
                                 lagSeconds: 4, conflicts: 0, records: 10, certificateDaysLeft: 700, ageSeconds: 2)
        let message = HealthMessage(node: "sz", time: 1_800_000_000_000, version: "0.2.0", reports: [report])
        XCTAssertEqual(try HealthMessage.decode(message.encoded()), message)
        var old = report
        old.ageSeconds = Int.max
        let poisoned = HealthMessage(node: "sz", time: 1, version: "v", reports: [old])
        XCTAssertThrowsError(try HealthMessage.decode(poisoned.encoded())) { XCTAssertTrue("\($0)".contains("'ageSeconds'"), "\($0)") }
        XCTAssertEqual(report.aged(by: .max).ageSeconds, Int(NodeSummary.maxAgeSeconds), "ageing saturates")
        XCTAssertThrowsError(try HealthMessage.decode(Array(#"{"node":"sz","time":-5,"version":"v"}"#.utf8)))
        XCTAssertEqual(try HealthMessage.decode(Array(#"{"node":"sz","time":5,"version":"v","future":1}"#.utf8)).node, "sz",
                       "a newer node's extra members are ignored")
    }

    func testAPullAsksForRecoveryExplicitly() throws {
        let request = PullRequest(after: 7, limit: 10, wait: 0, recover: true)
        XCTAssertTrue(request.path.hasSuffix("&recover=1"), request.path)
        let query = Dictionary(uniqueKeysWithValues: request.path.split(separator: "?")[1].split(separator: "&").map {
            let pair = $0.split(separator: "=", maxSplits: 1).map(String.init)
            return (pair[0], pair[1])
        })
        XCTAssertEqual(try PullRequest(query: query), request)
        XCTAssertFalse(try PullRequest(query: ["after": "1"]).recover)
        XCTAssertThrowsError(try PullRequest(query: ["recover": "yes"]))
    }

    func testPullRequestsAndPushAnswers() throws {
        let request = PullRequest(after: 12, limit: 2000, wait: 20, resync: .next(ResyncPosition(reserved: true, seq: 7)))
        XCTAssertEqual(request.path, "/v1/pull?after=12&limit=2000&wait=20.0&resync=reserved.7")
        XCTAssertEqual(try PullRequest(query: ["after": "12", "limit": "2000", "wait": "20.0", "resync": "reserved.7"]), request)
        for bad in [["after": "-1"], ["limit": "0"], ["limit": "9999999"], ["wait": "31"], ["wait": "nan"], ["resync": "reserved.-2"], ["after": "1e3"]] {
            XCTAssertThrowsError(try PullRequest(query: bad), "\(bad)")
        }
        XCTAssertEqual(try PushAnswer.decode(PushAnswer(received: 99).encoded()), PushAnswer(received: 99))
        XCTAssertThrowsError(try PushAnswer.decode(Array(#"{"received":-1}"#.utf8)))
        XCTAssertEqual(ResyncMark(token: "complete"), .complete)
        XCTAssertNil(ResyncMark(token: "records.99999999999999999999"))
    }
}

import Foundation
import SyncCore
import XCTest

/// The audit log's hash chain finds a changed byte, a removed entry and a moved one, and names the entry.
final class AuditChainTests: XCTestCase {
    func chain(_ count: Int) -> [AuditEntry] {
        var entries: [AuditEntry] = []
        var previous = AuditChain.genesis
        for n in 1...count {
            let entry = AuditEntry(seq: Int64(n), at: Int64(n) * 1000, by: "张三", action: "export", subject: "ps-enterprise",
                                   detail: "\(n) records; purpose: 统计", previous: previous)
            entries.append(entry)
            previous = entry.hash
        }
        return entries
    }

    func testAnIntactChainHasNoProblems() {
        XCTAssertEqual(AuditChain.problems(chain(5)), [])
        XCTAssertEqual(AuditChain.problems(Array(chain(5).dropFirst(2)), previous: chain(5)[1].hash, firstSeq: 3), [], "checked from the middle")
    }

    func testAChangedByteIsFound() {
        var entries = chain(5)
        entries[2].detail = "3 records; purpose: 统汁"
        XCTAssertEqual(AuditChain.problems(entries), ["entry 3 was changed after it was written (its content does not match its hash)"])
        var operatorChanged = chain(5)
        operatorChanged[0].by = "李四"
        XCTAssertEqual(AuditChain.problems(operatorChanged).first, "entry 1 was changed after it was written (its content does not match its hash)")
    }

    func testARemovedEntryIsFound() {
        var entries = chain(5)
        entries.remove(at: 2)
        let problems = AuditChain.problems(entries)
        XCTAssertTrue(problems.contains("entries 3…3 are missing (removed from the log)"), "\(problems)")
        XCTAssertTrue(problems.contains { $0.hasPrefix("entry 4 does not link") }, "\(problems)")
    }

    func testAMovedEntryIsFound() {
        var entries = chain(5)
        entries.swapAt(1, 3)
        let problems = AuditChain.problems(entries)
        XCTAssertTrue(problems.contains { $0.hasPrefix("entry 4") }, "\(problems)")
        XCTAssertFalse(problems.isEmpty)
        // Renumbering the swapped entries to hide the move breaks their hashes.
        var renumbered = chain(5)
        renumbered.swapAt(1, 3)
        renumbered[1].seq = 2
        renumbered[3].seq = 4
        XCTAssertTrue(AuditChain.problems(renumbered).contains("entry 2 was changed after it was written (its content does not match its hash)"))
    }

    func testFieldsCannotPassForEachOther() {
        let a = AuditChain.hash(seq: 1, at: 1, by: "a|b", action: "c", subject: "", detail: "", previous: AuditChain.genesis)
        let b = AuditChain.hash(seq: 1, at: 1, by: "a", action: "b|c", subject: "", detail: "", previous: AuditChain.genesis)
        XCTAssertNotEqual(a, b)
    }
}

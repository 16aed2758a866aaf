import Foundation
import SyncCore
import SyncEngine
import SyncNode
import SyncTesting
import XCTest

/// An import's rows read, checked and stamped on a thread of their own: in file order, errors in
/// their place, a bounded distance ahead, and stopped cleanly when the writer gives up.
final class RowReadAheadTests: XCTestCase {
    func district() throws -> Replica {
        let topology = try FleetTopology(federation: "t", nodes: [
            .init(id: "sz", tier: "city", region: "440300", name: "深圳市"),
            .init(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
        ], datasets: [FleetTopology.dataset("enterprise", source: "sz-pingshan", key: "uscc", items: [FleetTopology.item("name")])]).topology()
        return try Replica(topology: topology, nodeID: "sz-pingshan", store: try SQLiteStoreFactory.memory("sz-pingshan"))
    }

    func file(_ lines: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("read-ahead-\(UUID().uuidString).csv").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func source(_ path: String, _ replica: Replica) throws -> RowSource {
        RowSource(path: path, format: .csv, encoding: "auto", dataset: try XCTUnwrap(replica.dataset("enterprise")).definition)
    }

    func testRowsComeInFileOrderWithTheirErrorsInPlaceAndTheLastWriteOfAKeyWins() throws {
        let replica = try district()
        var lines = ["uscc,region,name"]
        for i in 0..<1_000 { lines.append("K\(i % 400),440310,第\(i)号") }   // each key written two or three times
        lines[501] = "K100,110101,北京"                                       // line 502: outside the district
        lines[700] = "K299,440310"                                             // line 701: a field short
        let ahead = RowReadAhead(source: try source(try file(lines), replica), replica: replica, batchSize: 7, depth: 2)
        defer { ahead.close() }
        var lineNumbers: [Int] = [], errors: [RowError] = [], bytes = 0
        try LocalWriter(replica: replica).bulkWrite(dataset: "enterprise") { writer in
            while let batch = try ahead.next() {
                XCTAssertLessThanOrEqual(batch.items.count, 7)
                XCTAssertGreaterThanOrEqual(batch.bytesRead, bytes)
                bytes = batch.bytesRead
                for item in batch.items {
                    switch item {
                    case .row(let line, let row):
                        lineNumbers.append(line)
                        try writer.writePrepared(row)
                    case .failed(let error):
                        lineNumbers.append(error.row)
                        errors.append(error)
                    }
                }
            }
        }
        XCTAssertEqual(lineNumbers, Array(2...1_001), "every row once, in file order")
        XCTAssertEqual(errors.map(\.row), [502, 701])
        XCTAssertTrue(errors[0].message.contains("outside this node's area"), errors[0].message)
        XCTAssertTrue(errors[1].message.contains("has 2 fields"), errors[1].message)
        XCTAssertEqual(bytes, try XCTUnwrap(FileManager.default.attributesOfItem(atPath: try file(lines))[.size] as? Int))
        // The rows were stamped on the reading thread: the last write of each key is its value.
        let names = try replica.store.read { tx in try (0..<400).map { try tx.record(dataset: "enterprise", key: "K\($0)")?.state.values["name"] } }
        for key in 0..<400 {
            let last = Array(stride(from: key, to: 1_000, by: 400)).last { $0 != 699 }!   // the row on line 701 was refused
            XCTAssertEqual(names[key], .string("第\(last)号"), "K\(key)")
        }
    }

    func testClosingStopsAReaderWaitingForRoom() throws {
        let replica = try district()
        let lines = ["uscc,region,name"] + (0..<5_000).map { "K\($0),440310,n" }
        let ahead = RowReadAhead(source: try source(try file(lines), replica), replica: replica, batchSize: 10, depth: 1)
        XCTAssertEqual(try ahead.next()?.items.count, 10)
        let closed = expectation(description: "close returns")
        DispatchQueue.global().async { ahead.close(); closed.fulfill() }
        wait(for: [closed], timeout: 10)   // the reader was blocked with 4,980 rows to go: it must give up, not hang
    }

    func testAFileThatCannotBeReadIsReportedByNext() throws {
        let replica = try district()
        let ahead = RowReadAhead(source: try source("/nonexistent/rows.csv", replica), replica: replica)
        defer { ahead.close() }
        XCTAssertThrowsError(try ahead.next()) { XCTAssertTrue("\($0)".contains("cannot be read"), "\($0)") }
    }
}

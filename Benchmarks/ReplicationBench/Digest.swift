import Foundation
import Posix
import SQLite
import SyncCore
import SyncEngine
import SyncStore
import SyncTesting

/// What comparing two copies costs (anti-entropy): a district and its city holding
/// the same records, in one process on real SQLite files with real keys, compared
/// over a loopback channel (the protocol's bytes, no TLS). Measured: a first
/// comparison (both trees computed: the cost after a start), a second one of copies
/// that have not changed (the idle cost), and a comparison after the city lost
/// `differences` records (found, repaired through signed changes, proven equal).
/// Times and CPU are both sides' together: one process does the work of both.
enum DigestBench {
    static func run(records: Int, differences: Int, directory: String, report: Report) throws {
        let rows = Rows(order: .sequential)
        let (fleet, district, city) = try OneHop.open(directory: directory)
        report.say("syncnode digest — \(records) records in common between a district and its city, then \(differences) lost at the city")

        let start = Date()
        let writer = LocalWriter(replica: district)
        for first in stride(from: 0, to: records, by: 4000) {
            let values = (first..<min(records, first + 4000)).map { OneHop.values(rows, $0) }
            _ = try writer.write(dataset: "enterprise", rows: values)
        }
        var after: Int64 = 0
        while true {
            let entries = try district.store.read { try $0.outbox(peer: "sz", after: after, limit: 4000) }
            guard let last = entries.last?.seq else { break }
            try city.apply(try Batch.decode(Batch.encode(entries)).entries, from: "sz-pingshan", cursor: ("received", last))
            try district.store.write { _ = try $0.acknowledge(peer: "sz", upTo: last) }
            after = last
        }
        for store in [district.store, city.store].compactMap({ $0 as? SQLiteStore }) { _ = try store.checkpoint() }
        report.say(String(format: "  loaded and replicated in %.0f s", Date().timeIntervalSince(start)))

        let channel = LoopbackChannel(parent: city, child: "sz-pingshan")
        let check = AntiEntropyCheck(replica: district, parent: "sz")
        func measured(_ name: String, _ body: () throws -> AntiEntropyCheck.Outcome) throws -> AntiEntropyCheck.Outcome {
            let clock = Date(), cpu = processCPUSeconds()
            let outcome = try body()
            let seconds = Date().timeIntervalSince(clock), used = processCPUSeconds() - cpu
            let found = outcome.found.values.reduce(0, +), left = outcome.remaining.values.reduce(0, +)
            report.say("  " + name.padding(toLength: 44, withPad: " ", startingAt: 0)
                       + String(format: "%8.3f s  CPU %7.3f s  %10d bytes  found %d, repaired %d changes, left %d, equal: %@",
                                seconds, used, outcome.bytes, found, outcome.repaired, left, outcome.equal.joined(separator: ",")))
            return outcome
        }
        _ = try measured("first comparison (both trees computed)") { try check.run(over: channel) }
        _ = try measured("again, nothing changed (idle)") { try check.run(over: channel) }

        // The city loses records behind its engine's back (as a restore, a lost page or a hand edit would).
        var generator = SeededGenerator(seed: 33)
        var lost = Set<Int>()
        while lost.count < min(differences, records) { lost.insert(Int.random(in: 0..<records, using: &generator)) }
        let database = try Database(path: "\(fleet.data("sz"))/node.db")
        for n in lost { _ = try database.run("DELETE FROM record_state WHERE dataset = 'enterprise' AND key = ?", rows.key(n)) }
        district.digests.forget()
        city.digests.forget()
        let repaired = try measured("after \(lost.count) records lost at the city") { try check.run(over: channel) }
        let held = try city.store.read { try $0.datasetStats()["enterprise"]?.records ?? 0 }
        let rowsNow = try database.first("SELECT COUNT(*) FROM record_state WHERE dataset = 'enterprise'") { $0.int(0) } ?? 0
        report.say("  the city holds \(rowsNow) records again (statistics: \(held)); \(repaired.repaired) changes moved for \(lost.count) lost")
        let full = try district.store.read { r in
            var bytes = 0
            try r.forEachDigestRow(dataset: "enterprise", regionPrefix: "") { row in bytes += row.bodies.reduce(0) { $0 + $1.count } }
            return bytes
        }
        report.say(String(format: "  for scale: the dataset's changes are %.1f MB; the repair exchanged %.2f MB", Double(full) / 1e6, Double(repaired.bytes) / 1e6))
    }
}

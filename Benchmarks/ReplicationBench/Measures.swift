import Foundation
import SQLite
import SyncCore
import SyncEngine
import SyncStore
import SyncTesting

/// The raw SQLite insert of the same rows: one table, one transaction, WAL, synchronous=FULL.
enum RawFloor {
    /// - Parameter copying: SQLite's default, its commit copies the log into the database (a large
    ///   transaction's whole log); false leaves the log uncopied, as an import does while a node serves.
    static func measure(rows: Rows, count: Int, path: String, copying: Bool = true) throws -> Double {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let db = try Database(path: path)
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE raw(key TEXT PRIMARY KEY, body TEXT NOT NULL, n INTEGER) WITHOUT ROWID")
        if !copying { _ = try db.first("PRAGMA wal_autocheckpoint = 0") { $0.int(0) } }
        let start = Date()
        _ = try db.transaction {
            for n in 0..<count { try db.run("INSERT INTO raw(key, body, n) VALUES (?, ?, ?)", rows.key(n), rows.json(n), n) }
        }
        return Double(count) / Date().timeIntervalSince(start)
    }
}

/// Watches a node's `received` cursor through the store port, read-only
/// (each record is one change in a fresh log, so the cursor counts records).
final class Progress {
    private let fleet: Fleet
    private var stores: [String: SQLiteStore] = [:]

    init(fleet: Fleet) throws { self.fleet = fleet }

    func received(_ id: String, from child: String) -> Int {
        if stores[id] == nil { stores[id] = try? SQLiteStore(readingOnly: "\(fleet.data(id))/node.db") }
        return Int((try? stores[id]?.read { try $0.cursor(peer: child, name: "received") }) ?? 0)
    }

    /// Records per second at `id` from the first record's arrival until `expected` are there, counting
    /// only what arrived after the clock started (it is read every 20 ms); nil when the hop took less
    /// than a tenth of a second, too short to time.
    func rate(_ id: String, from child: String, reaching expected: Int, report: Report) throws -> (rate: Double?, seconds: Double) {
        let begin = Date()
        while received(id, from: child) == 0 {
            Thread.sleep(forTimeInterval: 0.02)
            if let dead = fleet.exited().first { throw SyncNodeBenchError("node \(dead.id) exited with \(dead.status); see \(fleet.logPath(dead.id))") }
        }
        if Date().timeIntervalSince(begin) > 1 {
            report.say(String(format: "  (first record reached %@ after %.1f s: the child's reconnect backoff)", id, Date().timeIntervalSince(begin)))
        }
        let start = Date()
        let before = received(id, from: child)
        var lastReport = Date()
        while received(id, from: child) < expected {
            Thread.sleep(forTimeInterval: 0.05)
            if Date().timeIntervalSince(lastReport) > 5 {
                report.say("  … \(id): \(received(id, from: child))/\(expected) after \(Int(Date().timeIntervalSince(start)))s")
                lastReport = Date()
            }
        }
        let seconds = Date().timeIntervalSince(start)
        return (seconds < 0.1 ? nil : Double(expected - before) / seconds, seconds)
    }
}

struct SyncNodeBenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `syncnode import` of one CSV file of the rows, with its peak memory.
enum ImportRun {
    /// Twice, each against the raw insert that does the same with its log: with no node serving (the
    /// import copies its log into the database in its commit, as SQLite's default insert does), and
    /// with the district's node serving (the node copies it in the background; the insert without
    /// its copy).
    static func measure(fleet: Fleet, rows: Rows, count: Int, rawRate: Double, rawUncopied: Double, report: Report) throws {
        // New keys: the district already holds rows 0..<count, and 2 * count..< for the two hops.
        let run = try importCSV(fleet: fleet, rows: rows, range: count..<(2 * count), name: "import.csv")
        report.say(String(format: "  (before the import: %.1f s until the earlier phases' writes were on disk and the machine idle)", run.settled))
        report.say(String(format: "import of a %.0f MB CSV:     %9.0f rows/s (%.1f s, %.0f%% of raw), peak memory %.0f MB; no node serving",
                          Double(run.bytes) / 1e6, Double(count) / run.seconds, run.seconds, 100 * Double(count) / run.seconds / rawRate, run.peakMB))
        try fleet.startListening("sz-pingshan", extra: ["--log-level", "warning"])   // its parent stays down: it only serves the store
        defer { fleet.stopAll() }
        let served = try importCSV(fleet: fleet, rows: rows, range: (3 * count)..<(4 * count), name: "import-served.csv")
        report.say(String(format: "import, the node serving:     %9.0f rows/s (%.1f s, %.0f%% of raw without its copy), peak memory %.0f MB",
                          Double(count) / served.seconds, served.seconds, 100 * Double(count) / served.seconds / rawUncopied, served.peakMB))
    }

    /// Writes rows `range` as a CSV file and imports it at the district; the seconds the import took, its size and peak memory,
    /// the seconds it waited for the disk and the CPUs to be quiet first, and when the import started (after that wait). The raw insert the import is compared with ran
    /// on a quiet machine; just after the nodes stop, the kernel is still writing back and reclaiming what they left.
    @discardableResult
    static func importCSV(fleet: Fleet, rows: Rows, range: Range<Int>, name: String) throws -> (seconds: Double, bytes: Int, peakMB: Double, settled: Double, started: Date) {
        let csvPath = "\(fleet.directory)/\(name)"
        _ = FileManager.default.createFile(atPath: csvPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: csvPath))
        out.write(Data(Rows.csvHeader.utf8))
        var chunk = ""
        for n in range {
            chunk += rows.csv(n)
            if chunk.utf8.count > 1 << 20 { out.write(Data(chunk.utf8)); chunk = "" }
        }
        out.write(Data(chunk.utf8))
        try out.close()
        let size = (try FileManager.default.attributesOfItem(atPath: csvPath)[.size] as? Int) ?? 0
        let settled = try NodeUsage.untilQuiet()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: fleet.binary)
        p.arguments = ["import"] + fleet.nodeArguments("sz-pingshan") + ["--operator", Fleet.operatorName, "--dataset", "enterprise", csvPath]
        p.standardOutput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        var peak = 0.0
        while p.isRunning {
            peak = max(peak, NodeUsage.residentMB(p.processIdentifier) ?? 0)
            Thread.sleep(forTimeInterval: 0.05)
        }
        let seconds = Date().timeIntervalSince(start)
        guard p.terminationStatus == 0 else { throw SyncNodeBenchError("syncnode import exited \(p.terminationStatus)") }
        return (seconds, size, peak, settled, start)
    }
}

/// The median cost of reading 1000 outbox entries for one district at a city
/// holding `others` records of another district.
enum PullCost {
    static func measure(directory: String, others: Int) throws -> Double {
        let layout = try FleetTopology(federation: "bench", nodes: [
            .init(id: "sz", tier: "city", region: "440300", name: "深圳市"),
            .init(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
            .init(id: "sz-futian", tier: "district", region: "440304", parent: "sz", name: "福田区"),
        ], datasets: [FleetTopology.dataset("housing", source: "sz", key: "id", items: [])], policy: ["maxOutboxEntries": 100_000_000])
        let store = try SQLiteStore(path: "\(directory)/node.db", nodeID: "sz", federation: "bench")
        let city = try Replica(topology: try layout.topology(), nodeID: "sz", store: store)
        let writer = LocalWriter(replica: city)
        for first in stride(from: 0, to: others, by: 100_000) {
            try writer.write(dataset: "housing", rows: (first..<min(others, first + 100_000)).map { ["id": .string("F\($0)"), "region": .string("440304")] })
        }
        try writer.write(dataset: "housing", rows: (0..<1000).map { ["id": .string("P\($0)"), "region": .string("440310")] })
        var times: [Double] = []
        for _ in 0..<30 {
            let start = Date()
            let entries = try store.read { try $0.outbox(peer: "sz-pingshan", after: 0, limit: 1000) }
            times.append(Date().timeIntervalSince(start) * 1000)
            precondition(entries.count == 1000)
        }
        return times.sorted()[times.count / 2]
    }
}

extension LocalWriter {
    /// Reads this node's key now (it is read at the first signature): a running node has it loaded,
    /// so a timed write must not pay for it.
    func loadKey() throws {
        _ = try replica.signer?.sign(leaves: [UInt8](repeating: 0, count: 32))
    }
}

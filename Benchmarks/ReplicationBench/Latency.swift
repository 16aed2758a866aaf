import Foundation
import SQLite
import SyncCore
import SyncEngine
import SyncStore
import SyncTesting

/// Single changes from the district to the province with every node up and idle, each
/// timed in its parts, so a slow sample says where it was slow: the district's own
/// commit, the way to the city, or the way on to the province (the log's `logged_at`
/// at each node, on the same machine's clock).
enum LatencyRun {
    static let chain = ["sz-pingshan", "sz", "gd"]

    /// One sample: the whole, and its parts in ms.
    struct Sample {
        let key: String
        let total: Double
        /// The district's `write`: its transaction, signature and commit.
        let write: Double
        /// From the district's log entry to the city's, and from the city's to the province's.
        var hops: (Double, Double)?
    }

    /// Waits until the bulk phases' aftermath is over: the nodes' write-ahead logs copied into
    /// their databases (a checkpoint from a connection of the bench's own, which waits for the
    /// nodes' commits like any other), the kernel's dirty pages written (sync(1)), and every node
    /// below 5 % of a core (at most a minute). Returns the seconds it took.
    ///
    /// The checkpoint restarts each log without truncating it, as a node's own checkpoints leave it:
    /// the next commits overwrite the file's first pages. A truncated log (what this did until the
    /// seventh session) is extended by every commit after it, and on ext4 an `fdatasync` that
    /// extends a file also commits the file system's journal: 0.23–0.25 ms p50 and 0.4–1.0 ms p99
    /// against 0.11–0.15 / 0.2–0.3 ms for an overwrite (8 KiB writes, this machine), three of
    /// them per sample — the samples measured a state a running node is not in.
    static func settle(fleet: Fleet) throws -> Double {
        let settled = Date()
        for id in chain {
            let db = try Database(path: "\(fleet.data(id))/node.db")
            db.setBusyTimeout(milliseconds: 10_000)
            _ = try db.first("PRAGMA wal_checkpoint(RESTART)") { $0.int(0) }
        }
        _ = try NodeUsage.writeBack()
        while Date().timeIntervalSince(settled) < 60,
              NodeUsage.idleCPU(fleet: fleet, ids: chain, seconds: 1).values.contains(where: { $0 > 0.05 }) {}
        return Date().timeIntervalSince(settled)
    }

    /// Seconds between single changes unless `--pause` says otherwise.
    static let defaultPause = 0.02

    /// Writes `samples` single changes at the district, `pause` seconds apart,
    /// each awaited at the province. A pause over 30 s measures changes that come after a node's
    /// connections would have been closed as idle.
    static func measure(fleet: Fleet, samples: Int, pause: Double = defaultPause, report: Report) throws -> Spread {
        let writer = LocalWriter(replica: try fleet.replica("sz-pingshan"))
        try writer.loadKey()
        let province = try SQLiteStore(readingOnly: "\(fleet.data("gd"))/node.db")
        let run = String(UInt32(Date().timeIntervalSince1970) % 1_000_000)   // a rerun on a kept directory writes new records
        var measured: [Sample] = []
        for i in 0..<samples {
            let key = "LAT\(run)-\(i)"
            let start = Date()
            try writer.write(dataset: "enterprise", values: ["uscc": .string(key), "region": .string("440310"), "name": .string("延迟测试\(i)")])
            let written = Date()
            while try province.read({ try $0.record(dataset: "enterprise", key: key) }) == nil { Thread.sleep(forTimeInterval: 0.0002) }
            let now = Date()
            measured.append(Sample(key: key, total: now.timeIntervalSince(start) * 1000, write: written.timeIntervalSince(start) * 1000))
            if i < samples - 1 { Thread.sleep(forTimeInterval: pause) }
        }
        let spread = Spread(measured.map(\.total))
        report.say(String(format: "latency district → province: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d single changes%@)",
                          spread.p50, spread.p99, spread.max, samples, pause > defaultPause ? String(format: ", %.0f s apart", pause) : ""))
        let slow = measured.sorted { $0.total > $1.total }.prefix(3).filter { $0.total > 2 * spread.p50 + 5 }
        guard !slow.isEmpty else { return spread }
        let logged = try loggedAt(fleet: fleet, keys: slow.map(\.key))
        for sample in slow {
            var parts = String(format: "the district's write %.1f ms", sample.write)
            if let times = logged[sample.key], times.count == 3 {
                parts += String(format: ", district → city %d ms, city → province %d ms (logged_at)", times[1] - times[0], times[2] - times[1])
            }
            report.say(String(format: "  slow: %@ %.1f ms: %@", sample.key, sample.total, parts))
        }
        return spread
    }

    /// Each key's `logged_at` (ms) at the district, the city and the province.
    private static func loggedAt(fleet: Fleet, keys: [String]) throws -> [String: [Int64]] {
        var result: [String: [Int64]] = [:]
        for id in chain {
            let db = try Database(path: "\(fleet.data(id))/node.db", readOnly: true)
            for key in keys {
                let at = try db.first("""
                    SELECT l.logged_at FROM record_state r JOIN log l ON l.seq = r.seq WHERE r.dataset = 'enterprise' AND r.key = ?
                    """, key) { $0.int64(0) }
                if let at { result[key, default: []].append(at) }
            }
        }
        return result
    }

    /// `syncnode-bench latency --dir DIR`: the three nodes of a replication run kept with `--dir`
    /// (its data as the run left it), started again and measured alone.
    static func rerun(directory: String, samples: Int, pause: Double, report: Report) throws {
        let topology = "\(directory)/topology.json"
        guard FileManager.default.fileExists(atPath: topology) else {
            throw SyncNodeBenchError("\(directory) holds no replication run: run `syncnode-bench --dir \(directory)` first (any --records)")
        }
        let fleet = try Fleet(directory: directory, topologyPath: topology, binary: Fleet.executable(named: "syncnode"))
        fleet.healthInterval = 5
        defer { fleet.stopAll() }
        for id in chain.reversed() { try fleet.startListening(id, extra: ["--log-level", "warning"]) }
        report.say(String(format: "  (nodes idle %.0f s after starting)", try settle(fleet: fleet)))
        _ = try measure(fleet: fleet, samples: samples, pause: pause, report: report)
    }
}

// Replication benchmark: records district → city → province over mutual TLS,
// between real `syncnode serve` processes (SyncTesting's Fleet), beside the raw
// SQLite insert rate of the same rows measured in the same run.
//
//   swift build -c release && .build/release/syncnode-bench [--records N] [--samples N] [--keys sequential|random] [--dir DIR]
//
// Reports records/s per hop, the local write and import rates, single-change
// latency district → province (p50/p99) with long-poll, each node's peak
// memory, and what one district's pull costs whatever the city holds of others.
import Foundation
import SQLite
import SyncCore
import SyncEngine
import SyncNode
import SyncStore
import SyncTesting

func benchmark() throws {
    let arguments = CommandLine.arguments
    func option(_ name: String) -> String? { arguments.firstIndex(of: "--\(name)").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
    let total = option("records").flatMap(Int.init) ?? 1_000_000
    let samples = option("samples").flatMap(Int.init) ?? 200
    let rows = Rows(order: Rows.KeyOrder(rawValue: option("keys") ?? "sequential") ?? .sequential)
    let directory = option("dir") ?? NSTemporaryDirectory() + "syncnode-bench-" + UUID().uuidString
    let report = Report()
    report.say("syncnode replication benchmark — \(total) records, \(rows.order.rawValue) keys, directory \(directory)")

    // 1. The floor: raw SQLite inserts of the same rows, one transaction, WAL, synchronous=FULL.
    let rawRate = try RawFloor.measure(rows: rows, count: total, path: "\(directory)/raw.db")
    report.say(String(format: "raw SQLite insert:           %9.0f rows/s (one table, one transaction)", rawRate))

    // 2. A federation of three real processes.
    let layout = try FleetTopology(federation: "bench", nodes: [
        .init(id: "gd", tier: "province", region: "440000", name: "广东省"),
        .init(id: "sz", tier: "city", region: "440300", parent: "gd", name: "深圳市"),
        .init(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
    ], datasets: [Rows.dataset], policy: [:])
    let fleet = try Fleet(directory: directory, topologyPath: "\(directory)/topology.json", binary: Fleet.executable(named: "syncnode"))
    fleet.healthInterval = 5
    defer { fleet.stopAll() }
    try layout.write(to: fleet.topologyPath)
    try fleet.issueCertificates(caName: "bench CA")

    // 2a. Local writes at the district while no node runs (JSON lines, 100,000 per command).
    let chunk = 100_000
    let ingestStart = Date()
    for first in stride(from: 0, to: total, by: chunk) {
        let file = "\(directory)/chunk.jsonl"
        try (first..<min(total, first + chunk)).map(rows.json).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        try fleet.run(["write"] + fleet.nodeArguments("sz-pingshan") + ["--dataset", "enterprise", "--jsonl", file]).check()
    }
    let ingestRate = Double(total) / Date().timeIntervalSince(ingestStart)
    report.say(String(format: "local write at the district: %9.0f records/s (%.0f%% of raw; JSON parsing and a process start per %d rows)",
                      ingestRate, 100 * ingestRate / rawRate, chunk))

    // 2b. Hop 1: district → city; 2c. hop 2: city → province.
    let watch = try Progress(fleet: fleet)
    try fleet.start("sz", extra: ["--log-level", "warning"])
    try fleet.start("sz-pingshan", extra: ["--log-level", "warning"])
    let hop1 = try watch.time("sz", from: "sz-pingshan", reaching: total, report: report)
    report.say(String(format: "hop district → city:         %9.0f records/s (%.1f s, %.0f%% of raw)", Double(total) / hop1, hop1, 100 * Double(total) / hop1 / rawRate))
    try fleet.start("gd", extra: ["--log-level", "warning"])
    let hop2 = try watch.time("gd", from: "sz", reaching: total, report: report)
    report.say(String(format: "hop city → province:         %9.0f records/s (%.1f s, %.0f%% of raw)", Double(total) / hop2, hop2, 100 * Double(total) / hop2 / rawRate))

    // 3. Single-change latency district → province with every node up and idle.
    Thread.sleep(forTimeInterval: 1)
    let writer = LocalWriter(replica: try fleet.replica("sz-pingshan"))
    let province = try SQLiteStore(readingOnly: "\(fleet.data("gd"))/node.db")
    var latencies: [Double] = []
    for i in 0..<samples {
        let key = "LAT\(i)"
        let start = Date()
        try writer.write(dataset: "enterprise", values: ["uscc": .string(key), "region": .string("440310"), "name": .string("延迟测试\(i)")])
        while try province.read({ try $0.record(dataset: "enterprise", key: key) }) == nil { Thread.sleep(forTimeInterval: 0.0005) }
        latencies.append(Date().timeIntervalSince(start) * 1000)
        Thread.sleep(forTimeInterval: 0.02)
    }
    latencies.sort()
    func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
    report.say(String(format: "latency district → province: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d single changes)",
                      percentile(0.5), percentile(0.99), latencies.last ?? 0, samples))
    report.say(String(format: "peak memory (VmHWM):         district %.0f MB, city %.0f MB, province %.0f MB",
                      fleet.peakMemoryMB("sz-pingshan") ?? -1, fleet.peakMemoryMB("sz") ?? -1, fleet.peakMemoryMB("gd") ?? -1))
    fleet.stopAll()

    // 4. Import: one CSV file of the rows through `syncnode import` (one process, one transaction).
    try ImportRun.measure(fleet: fleet, rows: rows, count: total, rawRate: rawRate, report: report)

    // 5. Routing scales: a district's pull costs the same whether the city holds ten
    //    thousand or a million records of other districts (per-peer outbox, an index range).
    let small = try PullCost.measure(directory: "\(directory)/routing-small", others: 10_000)
    let large = try PullCost.measure(directory: "\(directory)/routing-large", others: total)
    report.say(String(format: "pull of 1000 changes for one district: %.2f ms with 10,000 records of other districts, %.2f ms with %d (ratio %.2f)",
                      small, large, total, large / small))
    if option("dir") == nil { try? FileManager.default.removeItem(atPath: directory) }
}

/// Prints as it goes, unbuffered.
final class Report: Sendable {
    func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
}

do { try benchmark() } catch {
    FileHandle.standardError.write(Data("benchmark failed: \(error)\n".utf8))
    exit(1)
}

// syncnode-bench: what replication costs, between real `syncnode serve`
// processes over mutual TLS, beside the raw SQLite insert of the same rows and,
// with --peers, PostgreSQL logical replication measured in the same run.
// The modes and their options: `usage` below (`syncnode-bench --help`).
import Foundation
import SQLite
import SyncCore
import SyncEngine
import SyncNode
import SyncStore
import SyncTesting

let arguments = CommandLine.arguments
func option(_ name: String) -> String? { arguments.firstIndex(of: "--\(name)").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
func number(_ name: String, _ fallback: Int) -> Int { option(name).flatMap(Int.init) ?? fallback }

func replication(report: Report, directory: String) throws {
    let total = number("records", 1_000_000)
    let samples = number("samples", 200)
    let peersDirectory = option("peers")
    // With the peers, the rows are theirs: random UUID ids of about 200 bytes.
    let rows = Rows(order: Rows.KeyOrder(rawValue: option("keys") ?? (peersDirectory == nil ? "sequential" : "random")) ?? .sequential)
    report.say("syncnode replication benchmark — \(total) records, \(rows.order.rawValue) keys, directory \(directory)")

    // 1. The floor: raw SQLite inserts of the same rows, one transaction, WAL.
    let rawRate = try RawFloor.measure(rows: rows, count: total, path: "\(directory)/raw.db")
    let rawUncopied = try RawFloor.measure(rows: rows, count: total, path: "\(directory)/raw-uncopied.db", copying: false)
    report.say(String(format: "raw SQLite insert:           %9.0f rows/s (one table, one transaction, synchronous=FULL); %.0f without copying its log into the database at the commit",
                          rawRate, rawUncopied))

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
        try (first..<min(total, first + chunk)).map(rows.json).joined(separator: "\n").write(toFile: file, atomically: false, encoding: .utf8)
        try fleet.run(["write"] + fleet.nodeArguments("sz-pingshan") + ["--dataset", "enterprise", "--jsonl", file]).check()
    }
    let ingestRate = Double(total) / Date().timeIntervalSince(ingestStart)
    report.say(String(format: "local write at the district: %9.0f records/s (%.0f%% of raw; JSON parsing and a process start per %d rows)",
                      ingestRate, 100 * ingestRate / rawRate, chunk))

    // 2b. Hop 1: district → city (catch-up of everything the district holds); 2c. hop 2: city → province.
    let watch = try Progress(fleet: fleet)
    try fleet.start("sz", extra: ["--log-level", "warning"])
    try fleet.start("sz-pingshan", extra: ["--log-level", "warning"])
    func say(_ hop: String, _ measured: (rate: Double?, seconds: Double)) {
        guard let rate = measured.rate else {
            return report.say("\(hop)  done in under 0.1 s: too few records to time (use --records 100000 or more)")
        }
        report.say(String(format: "%@ %9.0f records/s (%.1f s, %.0f%% of raw)", hop, rate, measured.seconds, 100 * rate / rawRate))
    }
    let hop1 = try watch.rate("sz", from: "sz-pingshan", reaching: total, report: report)
    say("hop district → city:        ", hop1)
    try fleet.start("gd", extra: ["--log-level", "warning"])
    let hop2 = try watch.rate("gd", from: "sz", reaching: total, report: report)
    say("hop city → province:        ", hop2)

    // 3. Single-change latency district → province with every node up and idle: after the bulk
    // hops the nodes still trim outboxes and checkpoint their WAL for a while, and the kernel
    // still writes back the bulk phases' dirty pages; wait for all of that first.
    report.say(String(format: "  (nodes idle %.0f s after the hops)", try LatencyRun.settle(fleet: fleet)))
    let latency = try LatencyRun.measure(fleet: fleet, samples: samples, report: report)
    let province = try SQLiteStore(readingOnly: "\(fleet.data("gd"))/node.db")

    // 4. Two hops end to end: a CSV imported at the district until every row is at the province.
    let endToEnd = min(total, 200_000)
    let before = try province.read { try $0.datasetStats()["enterprise"]?.records ?? 0 }
    // The clock starts with the import process (not while the file is written or the machine settles).
    let atCity = watch.received("sz", from: "sz-pingshan"), atProvince = watch.received("gd", from: "sz")
    let imported = try ImportRun.importCSV(fleet: fleet, rows: rows, range: 2 * total..<(2 * total + endToEnd), name: "end-to-end.csv")
    var cityFirst: Date?, cityAll: Date?, provinceFirst: Date?
    while try province.read({ try $0.datasetStats()["enterprise"]?.records ?? 0 }) < before + endToEnd {
        let city = watch.received("sz", from: "sz-pingshan")
        if cityFirst == nil && city > atCity { cityFirst = Date() }
        if cityAll == nil && city >= atCity + endToEnd { cityAll = Date() }
        if provinceFirst == nil && watch.received("gd", from: "sz") > atProvince { provinceFirst = Date() }
        Thread.sleep(forTimeInterval: 0.01)
    }
    let e2e = Date().timeIntervalSince(imported.started)
    report.say(String(format: "two hops end to end:         %9.0f records/s (%d rows imported at the district until all are at the province, %.1f s; %.2f× raw)",
                      Double(endToEnd) / e2e, endToEnd, e2e, Double(endToEnd) / e2e / rawRate))
    func at(_ moment: Date?) -> String { moment.map { String(format: "%.1f s", $0.timeIntervalSince(imported.started)) } ?? "–" }
    // Looked at every 10 ms once the import process has ended (its one commit is just before).
    report.say("  (the import took \(String(format: "%.1f s", imported.seconds)); looked at from then on, the first row was at the city at "
               + "\(at(cityFirst)), all at \(at(cityAll)); the first at the province at \(at(provinceFirst)))")
    report.say(String(format: "peak memory (VmHWM):         district %.0f MB, city %.0f MB, province %.0f MB",
                      fleet.peakMemoryMB("sz-pingshan") ?? -1, fleet.peakMemoryMB("sz") ?? -1, fleet.peakMemoryMB("gd") ?? -1))
    fleet.stopAll()

    // 5. Import: one CSV file of new rows through `syncnode import` (one process, one transaction).
    try ImportRun.measure(fleet: fleet, rows: rows, count: total, rawRate: rawRate, rawUncopied: rawUncopied, report: report)

    // 6. Routing scales: a district's pull costs the same whether the city holds ten
    //    thousand or a million records of other districts (per-peer outbox, an index range).
    let small = try PullCost.measure(directory: "\(directory)/routing-small", others: 10_000)
    let large = try PullCost.measure(directory: "\(directory)/routing-large", others: total)
    report.say(String(format: "pull of 1000 changes for one district: %.2f ms with 10,000 records of other districts, %.2f ms with %d (ratio %.2f)",
                      small, large, total, large / small))

    // 7. The peers, in the same run.
    guard let peersDirectory else { return }
    let peers = Peers.measure(directory: peersDirectory, rows: total, report: report)
    func ratio(_ ours: Double?, _ theirs: Double?) -> String {
        guard let ours, let theirs else { return "n/a" }
        return String(format: "%.2f×", ours / theirs)
    }
    report.say(String(format: "PostgreSQL 15 one hop catch-up %.0f rows/s, streaming %.0f rows/s, two hops catch-up %.0f rows/s; 2-hop latency p50 %.1f ms p99 %.1f ms (sub-sync on)",
                      peers.catchUp ?? .nan, peers.streaming ?? .nan, peers.chainCatchUp ?? .nan, peers.chainLatencyP50 ?? .nan, peers.chainLatencyP99 ?? .nan))
    report.say("syncnode / PostgreSQL: hop 1 \(ratio(hop1.rate, peers.catchUp)), hop 2 \(ratio(hop2.rate, peers.catchUp)), "
               + "two hops \(ratio(Double(endToEnd) / e2e, peers.chainCatchUp)), latency p99 \(ratio(peers.chainLatencyP99 ?? .nan, latency.p99)) (PostgreSQL's / ours)")
    if let bulk = peers.sqliteRandom { report.say(String(format: "raw SQLite floor from the peers' C program (random ids, synchronous=NORMAL): %.0f rows/s", bulk)) }
}

/// Prints as it goes, unbuffered.
final class Report: Sendable {
    func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
}

let usage = """
    usage: syncnode-bench [replication] [--records N] [--samples N] [--keys sequential|random] [--peers DIR] [--dir DIR]
           syncnode-bench stages   [--records 200000] [--batch 4000] [--keys sequential|random] [--checkpoint-interval 1]
           syncnode-bench latency  --dir DIR [--samples 200] [--pause 0.02]   (the nodes of a run kept with --dir, again;
                                    --pause S between changes: over 30 s, after idle connections would close)
           syncnode-bench fan-in   [--children 100] [--records 3000]
           syncnode-bench province [--cities 21] [--districts 122] [--samples 50] [--anti-entropy 300] [--idle-after 0]
           syncnode-bench digest   [--records 1000000] [--differences 500]   (what comparing copies costs, anti-entropy)
    The default mode runs 1,000,000 records (about 3 minutes; 10–17 with --peers). See README.md, "Benchmark".
    """
if arguments.contains("--help") || arguments.contains("-h") || arguments.dropFirst().first == "help" {
    print(usage)
    exit(0)
}
let knownFlags: Set = ["records", "samples", "keys", "peers", "dir", "batch", "checkpoint-interval", "children", "cities", "districts", "pause",
                       "differences", "anti-entropy", "idle-after"]
if let unknown = arguments.dropFirst().first(where: { $0.hasPrefix("-") && !knownFlags.contains(String($0.drop { $0 == "-" })) }) {
    FileHandle.standardError.write(Data("syncnode-bench: unknown option '\(unknown)'\n\(usage)\n".utf8))
    exit(2)
}
for (name, whole) in [("records", true), ("samples", true), ("batch", true), ("children", true), ("cities", true),
                      ("districts", true), ("differences", true), ("anti-entropy", true), ("idle-after", false), ("checkpoint-interval", false), ("pause", false)] {
    guard let value = option(name), whole ? Int(value) == nil : Double(value) == nil else { continue }
    FileHandle.standardError.write(Data("syncnode-bench: --\(name) takes \(whole ? "a whole number" : "a number of seconds"), not '\(value)'\n\(usage)\n".utf8))
    exit(2)
}
let mode = arguments.count > 1 && !arguments[1].hasPrefix("--") ? arguments[1] : "replication"
let directory = option("dir") ?? NSTemporaryDirectory() + "syncnode-bench-" + UUID().uuidString
let report = Report()
do {
    switch mode {
    case "replication": try replication(report: report, directory: directory)
    case "stages": try Stages.run(records: number("records", 200_000), batch: number("batch", 4000),
                                  keys: Rows.KeyOrder(rawValue: option("keys") ?? "sequential") ?? .sequential,
                                  checkpointInterval: Double(option("checkpoint-interval") ?? "1") ?? 1, directory: directory, report: report)
    case "latency": try LatencyRun.rerun(directory: try option("dir") ?? { throw SyncNodeBenchError("latency needs --dir: the directory of a replication run kept with --dir") }(),
                                         samples: number("samples", 200), pause: option("pause").flatMap(Double.init) ?? LatencyRun.defaultPause, report: report)
    case "fan-in": try FanIn.run(children: number("children", 100), records: number("records", 3000), directory: directory, report: report)
    case "province": try Province.run(cities: number("cities", 21), districts: number("districts", 122), samples: number("samples", 50),
                                      antiEntropy: number("anti-entropy", 300), idleAfter: option("idle-after").flatMap(Double.init) ?? 0,
                                      directory: directory, report: report)
    case "digest": try DigestBench.run(records: number("records", 1_000_000), differences: number("differences", 500), directory: directory, report: report)
    default: throw SyncNodeBenchError("unknown mode '\(mode)': replication, stages, latency, fan-in, province or digest")
    }
    if option("dir") == nil { try? FileManager.default.removeItem(atPath: directory) }
} catch {
    FileHandle.standardError.write(Data("benchmark failed: \(error)\n".utf8))
    exit(1)
}

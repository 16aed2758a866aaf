// Replication benchmark: one million records district → city → province over
// mutual TLS, between real `syncnode serve` processes, beside the raw SQLite
// insert rate of the same rows measured in the same run.
//
//   swift build -c release && .build/release/syncnode-bench [--records N] [--samples N] [--dir DIR]
//
// Reports records/s per hop, local write (ingest) rate, single-change latency
// district → province (p50/p99) with long-poll, and each node's peak memory.
import Foundation
import SQLite
import SyncCore
import SyncNode
import TLS

func benchmark() throws {
    let arguments = CommandLine.arguments
    func option(_ name: String, _ fallback: Int) -> Int {
        arguments.firstIndex(of: "--\(name)").flatMap { Int(arguments[$0 + 1]) } ?? fallback
    }
    let total = option("records", 1_000_000)
    let samples = option("samples", 200)
    let directory = arguments.firstIndex(of: "--dir").map { arguments[$0 + 1] }
        ?? NSTemporaryDirectory() + "syncnode-bench-" + UUID().uuidString
    let binary = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0])
        .deletingLastPathComponent().appendingPathComponent("syncnode").path

    func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
    func elapsed(since start: Date) -> Double { Date().timeIntervalSince(start) }
    func freePort() throws -> Int { let l = try TCPListener(host: "127.0.0.1", port: 0); defer { l.close() }; return l.port }

    @discardableResult
    func syncnode(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw SyncNodeError("run syncnode \(args.prefix(2).joined(separator: " "))", "exit \(p.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// The row every measurement writes: ~170 bytes of item values.
    func row(_ n: Int) -> String {
        #"{"uscc":"91440310MA5F\#(String(format: "%07d", n))","region":"440310","name":"深圳市坪山区示例科技有限公司第\#(n)号","capital":\#(n % 100_000),"status":"存续","registered":"2024-05-17"}"#
    }

    try FileManager.default.createDirectory(atPath: "\(directory)/logs", withIntermediateDirectories: true)
    say("syncnode replication benchmark — \(total) records, directory \(directory)")

    var rawRate = 0.0
    // 1. The floor: raw SQLite inserts of the same rows, one transaction, WAL, prepared statement.
    do {
        let db = try Database(path: "\(directory)/raw.db")
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE raw(key TEXT PRIMARY KEY, body TEXT NOT NULL, n INTEGER) WITHOUT ROWID")
        let start = Date()
        _ = try db.transaction {
            for n in 0..<total { try db.run("INSERT INTO raw(key, body, n) VALUES (?, ?, ?)", "K\(n)", row(n), n) }
        }
        let rate = Double(total) / elapsed(since: start)
        say(String(format: "raw SQLite insert:          %9.0f rows/s", rate))
        rawRate = rate
    }

    // 2. A federation of three real processes.
    let ports = ["gd": try freePort(), "sz": try freePort(), "sz-pingshan": try freePort()]
    let topology: [String: Any] = [
        "federation": "bench",
        "nodes": [
            ["id": "gd", "tier": "province", "region": "440000", "name": "广东省", "url": "https://127.0.0.1:\(ports["gd"]!)"],
            ["id": "sz", "tier": "city", "region": "440300", "parent": "gd", "name": "深圳市", "url": "https://127.0.0.1:\(ports["sz"]!)"],
            ["id": "sz-pingshan", "tier": "district", "region": "440310", "parent": "sz", "name": "坪山区", "url": "https://127.0.0.1:\(ports["sz-pingshan"]!)"],
        ],
        "datasets": [[
            "id": "enterprise", "name": "法人基本信息", "sourceNode": "sz-pingshan", "shareType": "unconditional", "backflow": "region",
            "keyItem": "uscc", "regionItem": "region",
            "items": [["name": "uscc", "title": "统一社会信用代码", "type": "string"], ["name": "region", "title": "区划", "type": "string"],
                      ["name": "name", "title": "名称", "type": "string"], ["name": "capital", "title": "注册资本", "type": "integer"],
                      ["name": "status", "title": "状态", "type": "string"], ["name": "registered", "title": "成立日期", "type": "date"]],
        ]],
    ]
    let topologyPath = "\(directory)/topology.json"
    try JSONSerialization.data(withJSONObject: topology).write(to: URL(fileURLWithPath: topologyPath))
    try syncnode(["cert", "ca", "--out", "\(directory)/ca"])
    try syncnode(["cert", "issue", "--ca", "\(directory)/ca", "--topology", topologyPath, "--all", "--out", "\(directory)/certs"])

    func nodeArgs(_ id: String) -> [String] {
        ["--topology", topologyPath, "--node", id, "--data", "\(directory)/data/\(id)", "--certs", "\(directory)/certs/\(id)"]
    }

    var processes: [String: Process] = [:]
    func start(_ id: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["serve"] + nodeArgs(id) + ["--health-interval", "5", "--log-level", "warning"]
        _ = FileManager.default.createFile(atPath: "\(directory)/logs/\(id).log", contents: nil)
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/logs/\(id).log"))
        try p.run()
        processes[id] = p
    }
    func peakMemoryMB(_ id: String) -> Double {
        guard let p = processes[id], let status = try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
        return kb / 1024
    }
    func stopAll() { for p in processes.values where p.isRunning { p.terminate(); p.waitUntilExit() } }

    /// How many of the district's records `id` holds: the highest child seq it has applied
    /// (each record is one change in a fresh log), read from the cursor table with one
    /// connection per node, so that watching costs the nodes nothing.
    var readers: [String: Database] = [:]
    func count(_ id: String) -> Int {
        if readers[id] == nil { readers[id] = try? Database(path: "\(directory)/data/\(id)/node.db", readOnly: true) }
        let child = id == "gd" ? "sz" : "sz-pingshan"
        let value = try? readers[id]?.first("SELECT value FROM cursor WHERE peer = ? AND name = 'received'", child) { $0.int(0) }
        return (value ?? 0) ?? 0
    }
    /// Seconds from the first record's arrival at `id` until all `expected` are there.
    func waitFor(_ id: String, _ expected: Int, label: String) -> Double {
        let begin = Date()
        while count(id) == 0 { Thread.sleep(forTimeInterval: 0.02) }
        if elapsed(since: begin) > 1 {
            say(String(format: "  (first record reached %@ after %.1f s: the child's reconnect backoff)", id, elapsed(since: begin)))
        }
        let start = Date()
        var lastReport = Date()
        while count(id) < expected {
            Thread.sleep(forTimeInterval: 0.05)
            if Date().timeIntervalSince(lastReport) > 5 {
                say("  … \(label): \(count(id))/\(expected) after \(Int(elapsed(since: start)))s")
                lastReport = Date()
            }
        }
        return elapsed(since: start)
    }

    // 2a. Ingest at the district while no node runs: the local write rate.
    let chunk = 100_000
    let ingestStart = Date()
    for first in stride(from: 0, to: total, by: chunk) {
        let file = "\(directory)/chunk.jsonl"
        try (first..<min(total, first + chunk)).map(row).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        try syncnode(["write"] + nodeArgs("sz-pingshan") + ["--dataset", "enterprise", "--jsonl", file])
    }
    let ingestRate = Double(total) / elapsed(since: ingestStart)
    say(String(format: "local write at the district: %9.0f records/s (%.0f%% of raw insert; includes JSON parsing and process start per %d rows)",
               ingestRate, 100 * ingestRate / rawRate, chunk))

    defer { stopAll() }
    // 2b. Hop 1: district → city.
    try start("sz")
    try start("sz-pingshan")
    let hop1 = waitFor("sz", total, label: "district → city")
    say(String(format: "hop district → city:        %9.0f records/s (%.1f s, %.0f%% of raw insert)", Double(total) / hop1, hop1, 100 * Double(total) / hop1 / rawRate))
    // 2c. Hop 2: city → province.
    try start("gd")
    let hop2 = waitFor("gd", total, label: "city → province")
    say(String(format: "hop city → province:        %9.0f records/s (%.1f s, %.0f%% of raw insert)", Double(total) / hop2, hop2, 100 * Double(total) / hop2 / rawRate))

    // 3. Single-change latency district → province with every node up and idle.
    Thread.sleep(forTimeInterval: 1)
    let context = try NodeContext(topology: try Topology.load(path: topologyPath), nodeID: "sz-pingshan",
                                  dataDirectory: "\(directory)/data/sz-pingshan", certificateDirectory: "\(directory)/certs/sz-pingshan")
    let replica = try Replica(context: context, store: try Store(path: context.databasePath, nodeID: "sz-pingshan", federation: "bench"))
    let province = try Database(path: "\(directory)/data/gd/node.db", readOnly: true)
    var latencies: [Double] = []
    for i in 0..<samples {
        let key = "LAT\(i)"
        let start = Date()
        try replica.write(dataset: "enterprise", values: ["uscc": .string(key), "region": .string("440310"), "name": .string("延迟测试\(i)")])
        while try province.first("SELECT 1 FROM record WHERE dataset = 'enterprise' AND key = ?", key, map: { $0.int(0) }) == nil {
            Thread.sleep(forTimeInterval: 0.001)
        }
        latencies.append(elapsed(since: start) * 1000)
        Thread.sleep(forTimeInterval: 0.02)
    }
    latencies.sort()
    func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
    say(String(format: "latency district → province: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d single changes)",
               percentile(0.5), percentile(0.99), latencies.last ?? 0, samples))
    say(String(format: "peak memory (VmHWM):        district %.0f MB, city %.0f MB, province %.0f MB",
               peakMemoryMB("sz-pingshan"), peakMemoryMB("sz"), peakMemoryMB("gd")))
    stopAll()

    // 4. Import: one CSV file of all the rows through `syncnode import` (one process,
    //    one transaction), against the raw insert rate.
    do {
        let csvPath = "\(directory)/import.csv"
        FileManager.default.createFile(atPath: csvPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: csvPath))
        out.write(Data("uscc,region,name,capital,status,registered\n".utf8))
        var chunk = ""
        for n in 0..<total {
            chunk += "91440310MB\(String(format: "%08d", n)),440310,深圳市坪山区示例导入有限公司第\(n)号,\(n % 100_000),存续,2024-05-17\n"
            if chunk.utf8.count > 1 << 20 { out.write(Data(chunk.utf8)); chunk = "" }
        }
        out.write(Data(chunk.utf8))
        try out.close()
        let size = (try FileManager.default.attributesOfItem(atPath: csvPath)[.size] as? Int) ?? 0
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["import"] + nodeArgs("sz-pingshan") + ["--dataset", "enterprise", csvPath]
        p.standardOutput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        var peak = 0.0
        while p.isRunning {
            if let status = try? String(contentsOfFile: "/proc/\(p.processIdentifier)/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
               let kb = Double(line.split(separator: " ").dropFirst().first ?? "") { peak = max(peak, kb / 1024) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let seconds = elapsed(since: start)
        guard p.terminationStatus == 0 else { throw SyncNodeError("import the benchmark CSV", "syncnode import exited \(p.terminationStatus)") }
        say(String(format: "import of a %.0f MB CSV:    %9.0f rows/s (%.1f s, %.0f%% of raw insert), peak memory %.0f MB, exit %d",
                   Double(size) / 1e6, Double(total) / seconds, seconds, 100 * Double(total) / seconds / rawRate, peak, p.terminationStatus))
    }

    // 5. Routing scales: what a district pulls costs the same whether the city holds
    //    ten thousand or a million records of other districts (per-peer outbox, an index range).
    func pullCost(others: Int) throws -> Double {
        let dir = "\(directory)/routing-\(others)"
        let cityTopology = try Topology.load(path: topologyPath)
        let json: [String: Any] = [
            "federation": "bench",
            "nodes": cityTopology.nodes.map { n -> [String: Any] in
                var e: [String: Any] = ["id": n.id, "tier": n.tier.rawValue, "region": n.region.code, "name": n.name, "url": n.url]
                if let p = n.parent { e["parent"] = p }
                return e
            } + [["id": "sz-futian", "tier": "district", "region": "440304", "parent": "sz", "name": "福田区", "url": "https://127.0.0.1:1"]],
            "datasets": [["id": "housing", "name": "房屋", "sourceNode": "sz", "shareType": "unconditional", "backflow": "region",
                          "keyItem": "id", "regionItem": "region",
                          "items": [["name": "id", "title": "编号", "type": "string"], ["name": "region", "title": "区划", "type": "string"]]]],
        ]
        let topology = try Topology.decode(try JSONSerialization.data(withJSONObject: json))
        let context = try NodeContext(topology: topology, nodeID: "sz", dataDirectory: dir, certificateDirectory: dir)
        let city = try Replica(context: context, store: try Store(path: context.databasePath, nodeID: "sz", federation: "bench"))
        for first in stride(from: 0, to: others, by: 100_000) {
            try city.write(dataset: "housing", rows: (first..<min(others, first + 100_000)).map {
                ["id": .string("F\($0)"), "region": .string("440304")]
            })
        }
        try city.write(dataset: "housing", rows: (0..<1000).map { ["id": .string("P\($0)"), "region": .string("440310")] })
        var times: [Double] = []
        for _ in 0..<30 {
            let start = Date()
            let entries = try city.outbox(for: "sz-pingshan", after: 0, limit: 1000)
            times.append(elapsed(since: start) * 1000)
            precondition(entries.count == 1000)
        }
        return times.sorted()[times.count / 2]
    }
    let small = try pullCost(others: 10_000)
    let large = try pullCost(others: total)
    say(String(format: "pull of 1000 changes for one district: %.2f ms with 10,000 records of other districts, %.2f ms with %d (ratio %.2f)",
               small, large, total, large / small))
    if arguments.firstIndex(of: "--dir") == nil { try? FileManager.default.removeItem(atPath: directory) }

}

do { try benchmark() } catch {
    FileHandle.standardError.write(Data("benchmark failed: \(error)\n".utf8))
    exit(1)
}

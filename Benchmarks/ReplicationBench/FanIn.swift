import Foundation
import SyncCore
import SyncStore
import SyncTesting

/// Fan-in: many children pushing to one city at once, every child a real
/// process with its own database and certificate (99 districts, the most a
/// city's region codes allow, and a vertical system). Reports the city's
/// throughput, each child's completion time (slowest and median), stalls
/// (a child whose records stopped arriving for 10 s) and error lines.
enum FanIn {
    static func run(children count: Int, records: Int, directory: String, report: Report) throws {
        let districts = min(count, 99)
        var nodes: [FleetTopology.Node] = [.init(id: "sz", tier: "city", region: "440300", name: "深圳市")]
        for n in 1...districts { nodes.append(.init(id: id(n), tier: "district", region: String(format: "4403%02d", n), parent: "sz", name: "区\(n)")) }
        if count > districts { nodes.append(.init(id: "v-amr", tier: "vertical", region: "440300", parent: "sz", name: "市场监管系统")) }
        let children = nodes.dropFirst().map(\.id)
        let datasets = nodes.dropFirst().map { node in
            FleetTopology.dataset("ds-\(node.id)", source: node.id, key: "uscc", items: [FleetTopology.item("name"), FleetTopology.item("capital", "integer")])
        }
        let layout = try FleetTopology(federation: "fanin", nodes: nodes, datasets: datasets, policy: ["silentAfterSeconds": 60])
        let fleet = try Fleet(directory: directory, topologyPath: "\(directory)/topology.json", binary: Fleet.executable(named: "syncnode"))
        fleet.healthInterval = 5
        defer { fleet.stopAll() }
        try layout.write(to: fleet.topologyPath)
        try fleet.issueCertificates(caName: "fan-in CA")
        report.say("fan-in: \(children.count) children (\(districts) districts\(count > districts ? " and a vertical system" : "")), \(records) records each, into one city")

        // Each child's records, written while no node runs.
        let nodesByID = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) })
        for child in children {
            let region = nodesByID[child]!.region
            let file = "\(directory)/\(child).jsonl"
            try (0..<records).map { #"{"uscc":"\#(child)-\#($0)","region":"\#(region)","name":"企业\#($0)","capital":\#($0)}"# }
                .joined(separator: "\n").write(toFile: file, atomically: false, encoding: .utf8)
            try fleet.run(["write"] + fleet.nodeArguments(child) + ["--dataset", "ds-\(child)", "--jsonl", file]).check()
        }
        try fleet.startListening("sz", extra: ["--log-level", "warning"])
        let city = try SQLiteStore(readingOnly: "\(fleet.data("sz"))/node.db")
        let start = Date()
        for child in children { try fleet.start(child, extra: ["--log-level", "warning"]) }
        var done: [String: Double] = [:]
        var lastMove: [String: (count: Int64, at: Date)] = [:]
        var stalls = Set<String>()
        let expected = Int64(records)
        while done.count < children.count {
            Thread.sleep(forTimeInterval: 0.1)
            let cursors = try city.read { try $0.cursors() }
            let now = Date()
            for child in children where done[child] == nil {
                let received = cursors[child]?["received"] ?? 0
                if received >= expected { done[child] = now.timeIntervalSince(start); continue }
                if let last = lastMove[child], last.count == received {
                    if now.timeIntervalSince(last.at) > 10 { stalls.insert(child) }
                } else {
                    lastMove[child] = (received, now)
                }
            }
            if now.timeIntervalSince(start) > 600 { throw SyncNodeBenchError("fan-in did not finish in 10 minutes: \(done.count) of \(children.count) children done") }
            if let dead = fleet.exited().first { throw SyncNodeBenchError("node \(dead.id) exited with \(dead.status); see \(fleet.logPath(dead.id))") }
        }
        let total = Date().timeIntervalSince(start)
        let times = Spread(Array(done.values))
        let errors = ([("sz")] + children).reduce(0) { sum, id in
            sum + fleet.log(id).split(separator: "\n").filter { $0.contains("level=error") || $0.contains("level=warning") }.count
        }
        report.say(String(format: "fan-in city throughput:      %9.0f records/s (%d records from %d children in %.1f s)",
                          Double(records * children.count) / total, records * children.count, children.count, total))
        report.say(String(format: "fan-in child completion:     median %.1f s, slowest %.1f s; stalls %d; warning/error log lines %d; city peak memory %.0f MB",
                          times.p50, times.max, stalls.count, errors, fleet.peakMemoryMB("sz") ?? -1))
    }

    static func id(_ n: Int) -> String { String(format: "d%02d", n) }
}

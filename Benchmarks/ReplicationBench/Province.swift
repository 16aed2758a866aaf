import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SyncCore
import SyncEngine
import SyncStore
import SyncTesting

/// A province-sized federation on one machine: 1 province, 21 cities and 122
/// districts in Guangdong's shape (or smaller with --cities/--districts),
/// every node a real `syncnode serve` with its own database and certificate.
/// Reports per-node idle CPU and memory, a district's write reaching the
/// province, and a province write with backflow scope `all` reaching every district.
enum Province {
    /// Guangdong's 21 prefecture-level cities (GB/T 2260), Shenzhen third.
    static let cities = ["4401", "4402", "4403", "4404", "4405", "4406", "4407", "4408", "4409", "4412", "4413",
                         "4414", "4415", "4416", "4417", "4418", "4419", "4420", "4451", "4452", "4453"]

    /// - Parameter antiEntropy: seconds between comparisons of copies (the policy's `antiEntropySeconds`; 0: none).
    /// - Parameter idleAfter: seconds to wait once every node is linked before the idle window (0: at once,
    ///   so the window holds each node's first comparison of copies, 15 s after its start).
    static func run(cities cityCount: Int, districts districtCount: Int, samples: Int, antiEntropy: Int = 300, idleAfter: Double = 0,
                    directory: String, report: Report) throws {
        let cityCodes = Array(cities.prefix(max(1, min(cityCount, cities.count))))
        var nodes: [FleetTopology.Node] = [.init(id: "gd", tier: "province", region: "440000", name: "广东省")]
        for code in cityCodes { nodes.append(.init(id: "c\(code)", tier: "city", region: code + "00", parent: "gd", name: "市\(code)")) }
        var districts: [String] = []
        for n in 0..<districtCount {
            let city = cityCodes[n % cityCodes.count], number = n / cityCodes.count + 1
            let id = "d\(city)\(String(format: "%02d", number))"
            nodes.append(.init(id: id, tier: "district", region: city + String(format: "%02d", number), parent: "c\(city)", name: "区\(id)"))
            districts.append(id)
        }
        let layout = try FleetTopology(federation: "gd-sim", nodes: nodes, datasets: [
            FleetTopology.dataset("gd-notice", source: "gd", key: "id", items: [FleetTopology.item("text")], backflow: "all"),
        ] + districts.map { FleetTopology.dataset("report-\($0)", source: $0, key: "id", items: [FleetTopology.item("text")]) },
            policy: ["silentAfterSeconds": 120, "antiEntropySeconds": antiEntropy])
        let fleet = try Fleet(directory: directory, topologyPath: "\(directory)/topology.json", binary: Fleet.executable(named: "syncnode"))
        fleet.healthInterval = 5
        defer { fleet.stopAll() }
        try layout.write(to: fleet.topologyPath)
        let issued = Date()
        try fleet.issueCertificates(caName: "gd-sim CA")
        let ids = nodes.map(\.id)
        report.say(String(format: "province: %d nodes (1 province, %d cities, %d districts), certificates issued in %.1f s; copies compared every %d s",
                          ids.count, cityCodes.count, districts.count, Date().timeIntervalSince(issued), antiEntropy))
        let started = Date()
        for id in ids { try fleet.start(id, extra: ["--log-level", "warning"]) }
        // Every child heard by its parent.
        let stores = try Dictionary(uniqueKeysWithValues: ids.map { id in (id, try openWhenReady(fleet, id)) })
        let topology = try layout.topology()
        let connected = fleet.waitUntil(timeout: 120) {
            try ids.allSatisfy { id in
                let children = topology.children(of: id).map(\.id)
                let heard = try stores[id]!.read { try $0.peerHealth() }
                return children.allSatisfy { heard[$0]?.lastHeardAt != nil }
            }
        }
        guard connected else { throw SyncNodeBenchError("not every node was heard by its parent within 120 s") }
        report.say(String(format: "province: all %d processes up and linked in %.1f s", ids.count, Date().timeIntervalSince(started)))

        // Idle: 30 seconds of health exchanges and open long-polls.
        if idleAfter > 0 {
            report.say(String(format: "province: idle window starts %.0f s after every node is linked", idleAfter))
            Thread.sleep(forTimeInterval: idleAfter)
        }
        let cpu = NodeUsage.idleCPU(fleet: fleet, ids: ids, seconds: 30)
        let memory = ids.compactMap { fleet.pid($0).flatMap(NodeUsage.residentMB) }
        func byTier(_ prefix: String) -> Spread { Spread(cpu.filter { $0.key.hasPrefix(prefix) }.map { $0.value * 100 }) }
        report.say(String(format: "idle CPU per node (%% of one core): province %.2f, cities median %.2f (max %.2f), districts median %.2f (max %.2f); all nodes together %.1f%%",
                          (cpu["gd"] ?? 0) * 100, byTier("c").p50, byTier("c").max, byTier("d").p50, byTier("d").max, cpu.values.reduce(0, +) * 100))
        let rss = Spread(memory)
        report.say(String(format: "memory per node (RSS): median %.0f MB, max %.0f MB, all %d nodes %.1f GB",
                          rss.p50, rss.max, memory.count, memory.reduce(0, +) / 1024))

        // A district's write reaching the province (two hops), several districts in turn.
        var up: [Double] = []
        for i in 0..<samples {
            let district = districts[(i * 37) % districts.count]
            let dataset = "report-\(district)"
            let region = nodes.first { $0.id == district }!.region
            let key = "UP\(i)"
            let writer = LocalWriter(replica: try fleet.replica(district))
            try writer.loadKey()
            let start = Date()
            try writer.write(dataset: dataset, values: ["id": .string(key), "region": .string(region), "text": .string("上报\(i)")])
            while try stores["gd"]!.read({ try $0.record(dataset: dataset, key: key) }) == nil { Thread.sleep(forTimeInterval: 0.0005) }
            up.append(Date().timeIntervalSince(start) * 1000)
        }
        let upSpread = Spread(up)
        report.say(String(format: "district → province:          p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d writes from different districts)",
                          upSpread.p50, upSpread.p99, upSpread.max, samples))

        // A province write with backflow `all` reaching every district.
        let writer = LocalWriter(replica: try fleet.replica("gd"))
        try writer.loadKey()
        var down: [Double] = []
        for i in 0..<max(3, samples / 20) {
            let key = "ALL\(i)"
            let start = Date()
            try writer.write(dataset: "gd-notice", values: ["id": .string(key), "region": .string("440000"), "text": .string("全省通知\(i)")])
            var missing = Set(districts)
            while !missing.isEmpty {
                for district in missing where try stores[district]!.read({ try $0.record(dataset: "gd-notice", key: key) }) != nil { missing.remove(district) }
                if Date().timeIntervalSince(start) > 120 { throw SyncNodeBenchError("\(missing.count) districts never got \(key)") }
                if !missing.isEmpty { Thread.sleep(forTimeInterval: 0.001) }
            }
            down.append(Date().timeIntervalSince(start) * 1000)
        }
        let downSpread = Spread(down)
        report.say(String(format: "province → all %d districts: median %.0f ms, max %.0f ms (%d writes, backflow scope all)",
                          districts.count, downSpread.p50, downSpread.max, down.count))
        // The province's dashboard with every node below it reporting (the map folds healthy branches).
        if let port = layout.adminPorts["gd"] {
            var times: [Double] = []
            var size = 0
            for _ in 0..<20 {
                let start = Date()
                size = try httpGet(port: port, path: "/").count
                times.append(Date().timeIntervalSince(start) * 1000)
            }
            let page = Spread(times)
            report.say(String(format: "province dashboard (%d nodes below): median %.1f ms, p99 %.1f ms, %d KB per page (20 loads)",
                              ids.count - 1, page.p50, page.p99, size / 1024))
        }
        let errors = ids.reduce(0) { sum, id in sum + fleet.log(id).split(separator: "\n").filter { $0.contains("level=error") }.count }
        report.say("province: error log lines across all nodes: \(errors)")
    }

    /// The body of a GET from a node's loopback admin listener.
    static func httpGet(port: Int, path: String) throws -> Data {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.timeoutInterval = 30
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        URLSession.shared.dataTask(with: request) { data, _, error in
            box.data = data
            box.error = error
            done.signal()
        }.resume()
        done.wait()
        if let error = box.error { throw error }
        return box.data ?? Data()
    }

    final class Box: @unchecked Sendable {   // written by the URLSession callback before the semaphore is signalled
        var data: Data?
        var error: (any Error)?
    }

    /// A read-only view of a node's store, once the node has created it.
    static func openWhenReady(_ fleet: Fleet, _ id: String) throws -> SQLiteStore {
        let path = "\(fleet.data(id))/node.db"
        let deadline = Date().addingTimeInterval(60)
        while true {
            if FileManager.default.fileExists(atPath: path), let store = try? SQLiteStore(readingOnly: path),
               (try? store.read({ try $0.schemaVersion() })) ?? 0 > 0 { return store }
            if Date() > deadline { throw SyncNodeBenchError("\(id) did not create its store within 60 s; see \(fleet.logPath(id))") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }
}

import Foundation
import Glibc
import SyncCore
import SyncTesting
import XCTest

/// The kill loop: SIGKILL at random moments (a random node of a five-node
/// federation, at a random point in a stream of imports, deletions, catalog
/// changes, pushes and pulls, sometimes the importing command itself), each
/// node restarted; backups made while nodes serve, and nodes restored from them
/// later (their disk lost once what they wrote had reached their parent); then
/// every copy must equal what routing says, record by record and stamp by stamp,
/// and every link's comparison of copies must have proven them equal: nothing
/// lost, nothing applied twice, nothing differing.
///
/// The test command runs a quick variant (6 kills); `scripts/kill-loop.sh
/// [KILLS] [SEED]` runs the long one. The seed is printed so a failure replays.
final class KillLoopTests: XCTestCase {
    struct Source {
        let dataset: String
        let node: String
        let key: String
        let regions: [String]
    }

    static let sources = [
        Source(dataset: "ps-enterprise", node: "sz-pingshan", key: "uscc", regions: ["440310"]),
        Source(dataset: "ft-enterprise", node: "sz-futian", key: "uscc", regions: ["440304"]),
        Source(dataset: "sz-housing", node: "sz", key: "id", regions: ["440310", "440304"]),
        Source(dataset: "amr-licence", node: "gd-amr", key: "uscc", regions: ["440310", "440304", "440100"]),
    ]

    func topology(_ f: Federation) -> Topology { (try? Topology.load(path: f.topologyPath))! }

    func testKillLoop() throws {
        let environment = ProcessInfo.processInfo.environment
        let kills = Int(environment["SYNCNODE_KILLS"] ?? "") ?? 6
        let seed = UInt64(environment["SYNCNODE_SEED"] ?? "") ?? UInt64.random(in: 1...999_999)
        print("kill loop: seed \(seed), \(kills) kills; replay with scripts/kill-loop.sh \(kills) \(seed)")
        var random = SeededGenerator(seed: seed)
        let started = Date()

        let f = try Federation(self, nodes: FleetTopology.small().nodes + [
            .init(id: "gd-amr", tier: "vertical", region: "440000", parent: "gd", name: "省市场监管系统"),
        ], datasets: Self.sources.map { source in
            FleetTopology.dataset(source.dataset, source: source.node, key: source.key, items: [FleetTopology.item("name"), FleetTopology.item("step", "integer")])
        }, policy: ["silentAfterSeconds": 30, "antiEntropySeconds": 5])
        try f.issueCertificates()
        let ids = f.nodes.map(\.id)
        for id in ids { try f.start(id) }
        let backupKey = "\(f.directory)/backup.key"
        try f.run(["backup", "key", "--out", backupKey]).check()
        var backups: [String: String] = [:]
        var restores = 0

        // What each authority must hold: key → (name, step), nil once deleted. Batches whose command was
        // killed are all-or-nothing and checked apart.
        var model: [String: [String: (name: String, step: Int)?]] = [:]
        var unsure: [(dataset: String, keys: [String])] = []
        var catalogVersions: [String: Int] = [:]
        var nextKey = 0, step = 0, writes = 0

        func batch(_ source: Source, fresh: Bool) -> (lines: [String], rows: [String: (name: String, step: Int)]) {
            let count = Int.random(in: 20...150, using: &random)
            let existing = (model[source.dataset] ?? [:]).filter { $0.value != nil }.keys.sorted()
            var rows: [String: (name: String, step: Int)] = [:]
            var lines: [String] = []
            for _ in 0..<count {
                let key: String
                if !fresh, !existing.isEmpty, Int.random(in: 0..<10, using: &random) < 3 {
                    key = existing.randomElement(using: &random)!
                } else {
                    nextKey += 1
                    key = "K\(nextKey)"
                }
                // A key keeps the region it was first written with (a source does not move its records).
                let region = source.regions[Int(key.dropFirst())! % source.regions.count]
                let name = "第\(step)步\(key)"
                rows[key] = (name, step)
                lines.append(#"{"\#(source.key)": "\#(key)", "region": "\#(region)", "name": "\#(name)", "step": \#(step)}"#)
            }
            return (lines, rows)
        }

        func write(_ source: Source, killIt: Bool) throws {
            step += 1
            let (lines, rows) = batch(source, fresh: killIt)
            let file = "\(f.directory)/batch-\(step).jsonl"
            try lines.joined(separator: "\n").write(toFile: file, atomically: false, encoding: .utf8)
            let arguments = ["write"] + f.fleet.nodeArguments(source.node) + ["--dataset", source.dataset, "--jsonl", file]
            if killIt {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: f.fleet.binary)
                process.arguments = arguments
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.3, using: &random))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                if process.terminationReason == .exit && process.terminationStatus == 0 {
                    for (key, row) in rows { model[source.dataset, default: [:]][key] = row }
                } else {
                    unsure.append((source.dataset, Array(rows.keys)))
                    for key in rows.keys { model[source.dataset, default: [:]][key] = nil }
                }
            } else {
                try f.run(arguments).check()
                for (key, row) in rows { model[source.dataset, default: [:]][key] = row }
            }
            writes += 1
        }

        func delete(_ source: Source) throws {
            guard let key = (model[source.dataset] ?? [:]).filter({ $0.value != nil }).keys.sorted().randomElement(using: &random) else { return }
            try f.write(source.node, source.dataset, ["--delete", key]).check()
            model[source.dataset]![key] = .some(nil)
        }

        func publish(_ source: Source) throws {
            let id = "cat-\(source.node)"
            let version = (catalogVersions[id] ?? 0) + 1
            let file = "\(f.directory)/\(id).json"
            try CatalogTests.entryJSON(source: source.node, summary: "第\(version)版").replacingOccurrences(of: "\"ps-enterprise\"", with: "\"\(id)\"")
                .write(toFile: file, atomically: false, encoding: .utf8)
            try f.run(["catalog", "publish"] + f.fleet.nodeArguments(source.node) + [file]).check()
            catalogVersions[id] = version
        }

        for kill in 1...kills {
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let source = Self.sources.randomElement(using: &random)!
                switch Int.random(in: 0..<20, using: &random) {
                case 0..<2: try write(source, killIt: true)
                case 2..<4: try delete(source)
                case 4..<6: try publish(source)
                default: try write(source, killIt: false)
                }
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.6, using: &random))
            let victim = ids.randomElement(using: &random)!
            switch Int.random(in: 0..<8, using: &random) {
            case 0:
                // A backup while it serves.
                let file = "\(f.directory)/\(victim)-\(kill).snbk"
                try f.run(["backup"] + f.fleet.nodeArguments(victim) + ["--key", backupKey, "--out", file]).check()
                backups[victim] = file
            case 1 where !backups.isEmpty:
                // A node backed up before loses its disk once what it wrote has reached its parent (what had
                // not is lost with the disk, rightly: the model could not tell), and is restored from its last backup.
                let victim = backups.keys.sorted().randomElement(using: &random)!
                if let parent = topology(f).parent(of: victim)?.id {
                    _ = f.waitUntil(timeout: 30) { (try f.peerStatus(victim, parent)?["outbox"] as? Int) == 0 }
                }
                f.kill(victim)
                try FileManager.default.moveItem(atPath: f.data(victim), toPath: f.data(victim) + ".lost-\(kill)")
                try f.run(["restore"] + f.fleet.nodeArguments(victim) + ["--key", backupKey, "--in", backups[victim]!]).check()
                try f.start(victim)
                restores += 1
            default:
                f.kill(victim)
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.5, using: &random))
                try f.start(victim)
            }
            if kill % 10 == 0 { print("kill loop: \(kill) of \(kills) kills, \(restores) restores, \(writes) imports, \(Int(Date().timeIntervalSince(started))) s") }
        }

        // Converge, then compare every copy with what routing says it must hold.
        let topology = try Topology.load(path: f.topologyPath)
        let routing = Routing(topology: topology)
        var report = (records: 0, lost: 0, duplicated: 0, differing: 0)
        var problems: [String] = []
        func compare() throws -> Bool {
            report = (0, 0, 0, 0)
            problems = []
            for source in Self.sources {
                let definition = try XCTUnwrap(topology.dataset(source.dataset))
                let truth = try f.snapshot(source.node, source.dataset)
                report.records += truth.count
                for id in ids {
                    let held = id == source.node ? truth : try f.snapshot(id, source.dataset)
                    let expected = truth.filter { _, text in
                        let region = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["region"] as? String ?? ""
                        return (try? RegionCode(region)).map { routing.holders(dataset: definition, region: $0).contains(id) } ?? false
                    }
                    for (key, text) in expected where held[key] != text {
                        if held[key] == nil { report.lost += 1 } else { report.differing += 1 }
                        if problems.count < 5 { problems.append("\(id) \(source.dataset)/\(key): \(held[key] ?? "missing") ≠ \(text)") }
                    }
                    for key in held.keys where expected[key] == nil {
                        report.duplicated += 1
                        if problems.count < 5 { problems.append("\(id) \(source.dataset)/\(key): held but routing says not") }
                    }
                    // Counted once: a change applied twice would count its record twice.
                    let status = try f.status(id)
                    let counted = (status["datasets"] as? [[String: Any]])?.first { $0["id"] as? String == source.dataset }?["records"] as? Int ?? 0
                    if counted != held.count {
                        report.duplicated += abs(counted - held.count)
                        problems.append("\(id) counts \(counted) records of \(source.dataset) but holds \(held.count)")
                    }
                }
            }
            // Every link's last comparison of copies proved them equal, on both sides.
            for id in ids {
                for peer in try f.status(id)["peers"] as? [[String: Any]] ?? [] {
                    for copy in peer["copies"] as? [[String: Any]] ?? [] where (copy["differing"] as? Int ?? 0) > 0 {
                        report.differing += 1
                        if problems.count < 5 { problems.append("\(id) ↔ \(peer["id"] ?? "?"): \(copy["dataset"] ?? "?") diverged: \(copy["differing"] ?? "?") records") }
                    }
                }
            }
            return report.lost == 0 && report.duplicated == 0 && report.differing == 0
        }
        let converged = f.waitUntil(timeout: 180) { (try? compare()) ?? false }
        print("kill loop result: seed \(seed), kills \(kills), restores \(restores), imports \(writes), records \(report.records), lost \(report.lost), "
              + "duplicated \(report.duplicated), differing \(report.differing), \(Int(Date().timeIntervalSince(started))) s")
        XCTAssertTrue(converged, "seed \(seed): \(problems.joined(separator: "\n"))")

        // The authorities hold exactly what their acknowledged imports and deletions said.
        for source in Self.sources {
            let held = try f.records(source.node, source.dataset)
            for (key, row) in model[source.dataset] ?? [:] {
                if let row {
                    XCTAssertEqual(held[key]?["name"] as? String, row.name, "seed \(seed): \(source.dataset)/\(key) at its source")
                } else if !unsure.contains(where: { $0.dataset == source.dataset && $0.keys.contains(key) }) {
                    XCTAssertNil(held[key], "seed \(seed): \(source.dataset)/\(key) was deleted")
                }
            }
        }
        // A killed import is all or nothing.
        for batch in unsure {
            let held = try f.records(Self.sources.first { $0.dataset == batch.dataset }!.node, batch.dataset)
            let present = batch.keys.filter { held[$0] != nil }.count
            XCTAssertTrue(present == 0 || present == batch.keys.count, "seed \(seed): a killed import left \(present) of \(batch.keys.count) records")
        }
        // Every node holds every catalog entry at its last version.
        for id in ids {
            let entries = try f.run(["catalog", "list", "--json"] + f.fleet.nodeArguments(id)).check().stdout
            let list = try JSONSerialization.jsonObject(with: Data(entries.utf8)) as? [[String: Any]] ?? []
            for (entry, version) in catalogVersions {
                XCTAssertEqual(list.first { $0["id"] as? String == entry }?["version"] as? Int, version, "seed \(seed): \(entry) at \(id)")
            }
        }
    }
}

import Foundation
import Posix
import SyncTesting
import XCTest

/// Faults with real processes: a link that is cut, stalls, trickles or resets
/// mid-answer (through a TCP proxy), a full disk, clocks hours off, and
/// tombstones purged while a neighbour is away.
final class FaultTests: XCTestCase {
    func federation(policy: [String: any Sendable] = ["silentAfterSeconds": 5]) throws -> Federation {
        try Federation.withDistrictAndCityData(self, policy: policy)
    }

    func writeMany(_ f: Federation, _ id: String, _ dataset: String, _ lines: [String]) throws -> Federation.RunResult {
        try f.write(id, dataset, lines: lines)
    }

    func enterprises(_ range: Range<Int>, tag: String = "企业") -> [String] {
        range.map { #"{"uscc": "E\#($0)", "region": "440310", "name": "\#(tag)\#($0)"}"# }
    }

    func housing(_ range: Range<Int>) -> [String] { range.map { #"{"id": "H\#($0)", "region": "440310", "address": "坪山大道\#($0)号"}"# } }

    /// Runs a shell command; its exit status.
    func shell(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " 2>/dev/null"]
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func parentState(_ f: Federation) throws -> String { try f.peerStatus("sz-pingshan", "sz")?["state"] as? String ?? "?" }

    /// Starts the district with its parent reached through a fault proxy.
    func startBehindProxy(_ f: Federation) throws -> FaultProxy {
        let proxy = try FaultProxy(upstreamPort: f.ports["sz"]!)
        addTeardownBlock { proxy.stop() }
        let topology = "\(f.directory)/through-proxy.json"
        try f.layout.routing("sz", through: proxy.port).write(to: topology)
        try f.fleet.start("sz-pingshan", topology: topology, extra: ["--parent-timeout", "3", "--retry-max", "1"])
        return proxy
    }

    func testALinkThatIsCutStallsTricklesOrResetsHealsWithoutAnOperator() throws {
        let f = try federation()
        try f.start("sz")
        let proxy = try startBehindProxy(f)
        try writeMany(f, "sz-pingshan", "ps-enterprise", enterprises(0..<10)).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz", "ps-enterprise").count == 10 }, f.log("sz-pingshan"))

        // Cut: the child notices, says so, and catches up once the link is back.
        proxy.mode = .cut
        try writeMany(f, "sz-pingshan", "ps-enterprise", enterprises(10..<20)).check()
        XCTAssertTrue(f.waitUntil(timeout: 15) { try parentState(f) == "failing" }, "\((try? f.peerStatus("sz-pingshan", "sz")) ?? nil ?? [:])")
        proxy.mode = .pass
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz", "ps-enterprise").count == 20 && parentState(f) == "ok" }, f.log("sz-pingshan"))

        // Stall: the parent accepts and never answers. The child's deadline (3 s) notices it.
        proxy.mode = .stall
        let stalledAt = Date()
        try writeMany(f, "sz-pingshan", "ps-enterprise", enterprises(20..<30)).check()
        XCTAssertTrue(f.waitUntil(timeout: 15) { try parentState(f) == "failing" }, "\((try? f.peerStatus("sz-pingshan", "sz")) ?? nil ?? [:])")
        let noticed = Date().timeIntervalSince(stalledAt)
        let error = try f.peerStatus("sz-pingshan", "sz")?["lastError"] as? String ?? ""
        XCTAssertTrue(error.lowercased().contains("timeout") || error.lowercased().contains("timed out"), error)
        XCTAssertLessThan(noticed, 12, "a stalled parent is noticed within the deadline")
        proxy.mode = .pass
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz", "ps-enterprise").count == 30 && parentState(f) == "ok" }, f.log("sz-pingshan"))

        // A trickle (2 KB/s): large pushes take longer than the deadline; nothing is lost or doubled.
        proxy.mode = .trickle(bytesPerSecond: 2048)
        try writeMany(f, "sz-pingshan", "ps-enterprise", enterprises(30..<300)).check()
        Thread.sleep(forTimeInterval: 4)
        proxy.mode = .pass
        XCTAssertTrue(f.waitUntil(timeout: 30) { try f.records("sz", "ps-enterprise").count == 300 }, f.log("sz-pingshan"))

        // Resets part-way through answers, many times over: every change still arrives once.
        proxy.mode = .resetAfter(bytes: 300)
        try writeMany(f, "sz-pingshan", "ps-enterprise", enterprises(300..<400)).check()
        try writeMany(f, "sz", "sz-housing", housing(0..<100)).check()
        XCTAssertTrue(f.waitUntil(timeout: 15) { proxy.counts.resets >= 3 }, "resets: \(proxy.counts)")
        proxy.mode = .pass
        XCTAssertTrue(f.waitUntil(timeout: 30) {
            try f.records("sz", "ps-enterprise").count == 400 && f.records("sz-pingshan", "sz-housing").count == 100
        }, f.log("sz-pingshan"))
        XCTAssertEqual(try f.snapshot("sz-pingshan", "ps-enterprise"), try f.snapshot("sz", "ps-enterprise"), "records and stamps equal")
        XCTAssertEqual(try f.snapshot("sz-pingshan", "sz-housing"), try f.snapshot("sz", "sz-housing"))
        XCTAssertTrue(f.waitUntil(timeout: 10) { try parentState(f) == "ok" })
    }

    func testAFullDiskRefusesWritesKeepsServingReadsAndResumes() throws {
        let f = try federation(policy: ["silentAfterSeconds": 5, "minFreeDiskMiB": 1])
        let mount = "\(f.directory)/small-disk"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        // A 6 MiB filesystem when this machine lets the test mount one; else the database's own size limit.
        // SYNCNODE_TEST_NO_MOUNT=1 takes the size-limit path on a machine that could mount.
        let mounted = ProcessInfo.processInfo.environment["SYNCNODE_TEST_NO_MOUNT"] == nil
            && shell("mount -t tmpfs -o size=6m syncnode-test \(mount)") == 0
        if mounted { addTeardownBlock { [self] in _ = shell("umount -l \(mount)") } }
        let data = "\(mount)/sz-pingshan"
        try f.start("sz")
        let node = f.fleet.nodeArguments("sz-pingshan", data: data)
        try f.fleet.start("sz-pingshan", data: data, extra: (mounted ? [] : ["--max-db-mib", "6"]) + ["--retry-max", "1"])
        XCTAssertTrue(f.waitUntil(timeout: 20) { isPortOpen(port: f.ports["sz-pingshan"]!) })

        // Fill it: batches of records until a write is refused, then smaller ones until a single record
        // is. A refused batch leaves the room it could not use (the WAL's tail), and the city's 2000
        // records below could land in it: only a refused single record leaves too little for them.
        var accepted = 0, writes = 0
        var refusal: Federation.RunResult?
        for size in [500, 50, 5, 1] {
            refusal = nil
            while refusal == nil && writes < 600 {
                let file = "\(f.directory)/fill-\(writes).jsonl"
                try enterprises(accepted..<accepted + size, tag: String(repeating: "填", count: 60)).joined(separator: "\n")
                    .write(toFile: file, atomically: false, encoding: .utf8)
                let result = try f.run(["write"] + node + ["--dataset", "ps-enterprise", "--jsonl", file])
                if result.status == 0 { accepted += size } else { refusal = result }
                writes += 1
            }
        }
        let refused = try XCTUnwrap(refusal, "the disk never filled (\(mounted ? "tmpfs" : "size limit"))")
        XCTAssertTrue(refused.stderr.contains("full") && refused.stderr.contains("hint"), refused.stderr)
        // Nothing half-applied: the refused batch is absent whole.
        let held = try f.run(["status"] + node + ["--json"]).checkAnswered()
        let status = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(held.stdout.utf8)) as? [String: Any])
        let records = (status["datasets"] as? [[String: Any]])?.first { $0["id"] as? String == "ps-enterprise" }?["records"] as? Int
        XCTAssertEqual(records, accepted, "every acknowledged batch is there, the refused one is not")
        // Reads and status go on, and say what is wrong.
        let attention = status["attention"] as? [String] ?? []
        XCTAssertTrue(attention.contains { $0.contains("free") || $0.contains("size limit") }, "\(attention)")
        let read = try f.run(["records"] + node + ["--dataset", "ps-enterprise", "--limit", "3"])
        XCTAssertEqual(read.status, 0, read.stderr)
        // The city's data for the district cannot land either: it waits, nothing is lost.
        try writeMany(f, "sz", "sz-housing", housing(0..<2000)).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { f.log("sz-pingshan").contains("event=disk_full") }, f.log("sz-pingshan"))

        // Space returns: the node resumes by itself.
        if mounted {
            XCTAssertEqual(shell("mount -o remount,size=64m \(mount)"), 0)
        } else {
            f.stop("sz-pingshan")
            try f.fleet.start("sz-pingshan", data: data, extra: ["--max-db-mib", "0", "--retry-max", "1"])
        }
        XCTAssertTrue(f.waitUntil(timeout: 30) {
            try f.run(["records"] + node + ["--dataset", "sz-housing", "--json"]).stdout.components(separatedBy: "\"key\"").count - 1 == 2000
        }, f.log("sz-pingshan"))
        try f.run(["write"] + node + ["--dataset", "ps-enterprise", "uscc=AFTER", "region=440310", "name=空间恢复"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 60) { try f.records("sz", "ps-enterprise").count == accepted + 1 }, f.log("sz-pingshan"))
    }

    func testNodesWithClocksHoursOffConvergeAndStatusShowsTheSkew() throws {
        let f = try federation()
        try f.start("gd")
        try f.start("sz")
        // 坪山 runs three hours ahead, 福田 two hours behind.
        try f.start("sz-pingshan", environment: ["SYNCNODE_CLOCK_OFFSET_SECONDS": "10800"])
        try f.start("sz-futian", environment: ["SYNCNODE_CLOCK_OFFSET_SECONDS": "-7200"])
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            let ahead = try f.status("sz-pingshan")["clock"] as? [String: Any], behind = try f.status("sz-futian")["clock"] as? [String: Any]
            return abs((ahead?["correctionSeconds"] as? Double ?? 0) + 10800) < 5 && abs((behind?["correctionSeconds"] as? Double ?? 0) - 7200) < 5
        }, f.log("sz-pingshan"))
        let attention = try f.status("sz-pingshan")["attention"] as? [String] ?? []
        XCTAssertTrue(attention.contains { $0.contains("3.0 h ahead of sz") && $0.contains("NTP") }, "\(attention)")
        XCTAssertTrue(f.log("sz-pingshan").contains("event=clock_corrected"))
        // The skewed districts write (the commands stamp with the correction too); everything converges.
        try f.write("sz-pingshan", "ps-enterprise", ["uscc=SKEW1", "region=440310", "name=快三小时"]).check()
        try f.write("sz", "sz-housing", ["id=H-SKEW", "region=440310", "address=市里写的"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) {
            try f.records("gd", "ps-enterprise")["SKEW1"] != nil && f.records("sz-pingshan", "sz-housing")["H-SKEW"] != nil
        }, f.log("sz"))
        // The stamp is the federation's time, not the skewed machine's.
        let stamp = try f.run(["records"] + f.fleet.nodeArguments("gd") + ["--dataset", "ps-enterprise", "--json"]).stdout
        XCTAssertFalse(stamp.contains("refused"))
        // The city sees its children's clocks in the health messages: near its own once corrected.
        XCTAssertTrue(f.waitUntil(timeout: 10) {
            let skew = try f.peerStatus("sz", "sz-pingshan")?["clockSkewSeconds"] as? Double
            return skew.map { abs($0) < 5 } ?? false
        })
    }

    func testTombstonesArePurgedOnceEveryNeighbourHasThemAndAReturningNeighbourIsResynced() throws {
        let f = try federation(policy: ["silentAfterSeconds": 5, "tombstoneRetentionDays": 0.00002, "maxOutboxEntries": 20])
        try f.start("gd")   // the city's parent must have the deletions too
        try f.start("sz")
        try f.start("sz-pingshan")
        try writeMany(f, "sz", "sz-housing", housing(0..<5)).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz-pingshan", "sz-housing").count == 5 })
        func tombstones(_ id: String) throws -> Int {
            let out = try f.run(["records"] + f.fleet.nodeArguments(id) + ["--dataset", "sz-housing", "--json", "--deleted"]).check().stdout
            return out.components(separatedBy: "\"deleted\"").count - 1
        }
        // A deletion reaches the district; once both have it and the retention (about 2 s) passed, both forget it.
        try f.write("sz", "sz-housing", ["--delete", "H0"]).check()
        XCTAssertTrue(f.waitUntil(timeout: 20) { try f.records("sz-pingshan", "sz-housing")["H0"] == nil })
        XCTAssertTrue(f.waitUntil(timeout: 20) { try tombstones("sz") == 0 && tombstones("sz-pingshan") == 0 },
                      "city: \(f.log("sz"))")
        XCTAssertTrue(f.log("sz").contains("event=tombstones_purged"))

        // The district goes away; the city deletes H1 and writes past the outbox's limit: a resync is owed.
        f.stop("sz-pingshan")
        try f.write("sz", "sz-housing", ["--delete", "H1"]).check()
        try writeMany(f, "sz", "sz-housing", housing(100..<140)).check()
        XCTAssertEqual(try f.peerStatus("sz", "sz-pingshan")?["resyncOwed"] as? Bool, true)
        Thread.sleep(forTimeInterval: 4)
        XCTAssertEqual(try tombstones("sz"), 1, "the district has not acknowledged H1's deletion: its tombstone stays")
        // It comes back: the resync carries the deletion; then the tombstone goes.
        try f.start("sz-pingshan")
        XCTAssertTrue(f.waitUntil(timeout: 30) {
            try f.records("sz-pingshan", "sz-housing")["H1"] == nil && f.records("sz-pingshan", "sz-housing").count == 43
        }, f.log("sz-pingshan"))
        XCTAssertTrue(f.waitUntil(timeout: 20) { try tombstones("sz") == 0 })
        XCTAssertEqual(try f.records("sz-pingshan", "sz-housing").keys.sorted(), try f.records("sz", "sz-housing").keys.sorted())
    }
}

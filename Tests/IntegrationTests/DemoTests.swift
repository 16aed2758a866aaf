import Foundation
import TLS
import SyncTesting
import XCTest

/// The README's main job, run to completion non-interactively, its final state checked.
final class DemoTests: XCTestCase {
    func testDemoRunsToItsSummaryAndEveryNodeHoldsWhatRoutingSays() throws {
        let dir = NSTemporaryDirectory() + "syncnode-demo-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        // The demo topology, moved to free ports so the test never collides with a running demo.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Topology/guangdong-demo.json")
        var topology = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as? [String: Any])
        var nodes = try XCTUnwrap(topology["nodes"] as? [[String: Any]])
        for i in nodes.indices {
            nodes[i]["url"] = "https://127.0.0.1:\(try FreePorts.next())"
            nodes[i]["adminPort"] = try FreePorts.next()
        }
        topology["nodes"] = nodes
        let path = "\(dir)/topology.json"
        try JSONSerialization.data(withJSONObject: topology).write(to: URL(fileURLWithPath: path))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Fleet.executable(named: "syncnode"))
        let catalog = source.deletingPathExtension().path + ".catalog.json"
        process.arguments = ["demo", "--topology", path, "--catalog", catalog, "--dir", "\(dir)/demo", "--timeout", "180"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        XCTAssertEqual(process.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("✓ every node holds exactly what routing says it must"), output)
        XCTAssertTrue(output.contains("✓ the conflict reached the authority sz-pingshan"), output)
        XCTAssertTrue(output.contains("demo complete"), output)
        XCTAssertTrue(output.contains("✓ every node lists all 6 entries"), output)
        XCTAssertFalse(output.contains("✗"), output)
        // Spot checks against the routing rules, read from the final count table.
        let table = output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        func row(_ id: String) -> [String] { table.first { $0.first == id } ?? [] }
        XCTAssertEqual(row("sz-pingshan").dropFirst(2).first, "6000", "the district holds its own enterprises")
        XCTAssertEqual(row("sz-futian").dropFirst(2).first, "·", "and not its sibling's")
        XCTAssertEqual(row("gd").dropFirst(2).first, "6000", "the province aggregates them")
        // No node process outlives the demo.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/pgrep") else { return }
        let ps = Process()
        ps.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        ps.arguments = ["-f", "\(dir)/demo/data"]
        ps.standardOutput = FileHandle.nullDevice
        try ps.run()
        ps.waitUntilExit()
        XCTAssertNotEqual(ps.terminationStatus, 0, "a node process is still running")
    }
}

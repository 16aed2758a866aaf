import Foundation
import SyncNode
import XCTest

/// The deployment files in `deploy/` hold what operators rely on: the example
/// configuration loads, and the systemd unit keeps its hardening.
final class DeployTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func testTheExampleConfigurationLoadsAndMapsToFlags() throws {
        let configuration = try NodeConfiguration.load("\(root)/deploy/syncnode.example.json")
        XCTAssertEqual(configuration.node, "sz-pingshan")
        XCTAssertEqual(configuration.backup?.intervalHours, 24)
        let flags = configuration.flags
        XCTAssertEqual(flags["topology"], "/etc/syncnode/topology.json")
        XCTAssertEqual(flags["backup-key"], "/etc/syncnode/backup.key")
        XCTAssertEqual(flags["backup-to-parent"], "true")
        XCTAssertEqual(flags["admin-port"], "8601")
    }

    func testConfigurationRefusesUnknownKeysAndResolvesRelativePaths() throws {
        let directory = NSTemporaryDirectory() + "syncnode-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = "\(directory)/node.json"
        try Data(#"{"topology": "topology.json", "data": "/var/lib/x", "backup": {"key": "k", "intervalHours": 1}}"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        let configuration = try NodeConfiguration.load(file)
        XCTAssertEqual(configuration.topology, "\(directory)/topology.json")
        XCTAssertEqual(configuration.data, "/var/lib/x")
        XCTAssertEqual(configuration.backup?.key, "\(directory)/k")
        try Data(#"{"backup": {"intervalHours": 1, "kep": 3}}"#.utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try NodeConfiguration.load(file)) { XCTAssertTrue("\($0)".contains("backup.kep"), "\($0)") }
        try Data(#"{"backup": {"intervalHours": 0}}"#.utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try NodeConfiguration.load(file)) { XCTAssertTrue("\($0)".contains("more than 0"), "\($0)") }
        try Data(#"{"adminPort": "8601"}"#.utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try NodeConfiguration.load(file)) { XCTAssertTrue("\($0)".contains("adminPort"), "\($0)") }
    }

    func testTheServiceUnitIsHardened() throws {
        let unit = try String(contentsOfFile: "\(root)/deploy/syncnode.service", encoding: .utf8)
        let lines = Set(unit.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        for required in ["User=syncnode", "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/syncnode",
                         "Restart=on-failure", "KillSignal=SIGTERM", "UMask=0077", "CapabilityBoundingSet=",
                         "ExecStart=/usr/local/bin/syncnode serve --config /etc/syncnode/syncnode.json"] {
            XCTAssertTrue(lines.contains(required), "deploy/syncnode.service lacks \(required)")
        }
    }
}

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TLS
import XCTest

/// A test federation: a topology on free loopback ports, certificates issued by
/// `syncnode cert`, and real `syncnode serve` processes, each with its own data
/// directory and log file. Every process it starts is stopped when the test ends.
final class Federation {
    struct NodeSpec {
        var id: String
        var tier: String
        var region: String
        var parent: String?
        var name: String
    }

    let directory: String
    let federation: String
    private(set) var nodes: [NodeSpec]
    /// Dataset definitions written into the topology.
    var datasets: [[String: Any]] = []
    /// The topology's policy.
    var policy: [String: Any] = ["silentAfterSeconds": 5]
    private(set) var ports: [String: Int] = [:]
    private(set) var adminPorts: [String: Int] = [:]
    private var processes: [String: Process] = [:]

    var topologyPath: String { "\(directory)/topology.json" }
    var caDirectory: String { "\(directory)/ca" }
    func certs(_ id: String) -> String { "\(directory)/certs/\(id)" }
    func data(_ id: String) -> String { "\(directory)/data/\(id)" }
    func logPath(_ id: String) -> String { "\(directory)/logs/\(id).log" }

    init(_ test: XCTestCase, federation: String = "gd-test", nodes: [NodeSpec], datasets: [[String: Any]] = [],
         policy: [String: Any] = ["silentAfterSeconds": 5]) throws {
        directory = NSTemporaryDirectory() + "syncnode-it-" + UUID().uuidString
        self.federation = federation
        self.nodes = nodes
        self.datasets = datasets
        self.policy = policy
        try FileManager.default.createDirectory(atPath: "\(directory)/logs", withIntermediateDirectories: true)
        for node in nodes { ports[node.id] = try Federation.freePort() }
        try writeTopology(to: topologyPath, nodes: nodes)
        test.addTeardownBlock { [self] in
            stopAll()
            if ProcessInfo.processInfo.environment["SYNCNODE_KEEP_TEST_DIRS"] == nil {
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
    }

    /// A province, a city under it, and a district under the city.
    static func small(_ test: XCTestCase) throws -> Federation {
        try Federation(test, nodes: [
            NodeSpec(id: "gd", tier: "province", region: "440000", name: "广东省"),
            NodeSpec(id: "sz", tier: "city", region: "440300", parent: "gd", name: "深圳市"),
            NodeSpec(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
            NodeSpec(id: "sz-futian", tier: "district", region: "440304", parent: "sz", name: "福田区"),
        ])
    }

    func url(_ id: String) -> String { "https://127.0.0.1:\(ports[id]!)" }

    /// Writes a topology file for `nodes` (ports of nodes not in this federation are picked afresh).
    func writeTopology(to path: String, nodes: [NodeSpec], federation: String? = nil) throws {
        var entries: [[String: Any]] = []
        for node in nodes {
            if ports[node.id] == nil { ports[node.id] = try Federation.freePort() }
            if adminPorts[node.id] == nil { adminPorts[node.id] = try Federation.freePort() }
            var entry: [String: Any] = ["id": node.id, "tier": node.tier, "region": node.region, "name": node.name, "url": url(node.id),
                                        "adminPort": adminPorts[node.id]!]
            if let parent = node.parent { entry["parent"] = parent }
            entries.append(entry)
        }
        let json: [String: Any] = ["federation": federation ?? self.federation, "policy": policy,
                                   "nodes": entries, "datasets": datasets]
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    /// Gives node `id` a new port and rewrites the topology (its certificate names 127.0.0.1, so it stays valid).
    func move(_ id: String) throws {
        ports[id] = try Federation.freePort()
        try writeTopology(to: topologyPath, nodes: nodes)
    }

    /// Creates the CA and issues every node's certificate with `syncnode cert`.
    func issueCertificates() throws {
        try run(["cert", "ca", "--out", caDirectory, "--name", "\(federation) test CA"]).check()
        try run(["cert", "issue", "--ca", caDirectory, "--topology", topologyPath, "--all", "--out", "\(directory)/certs"]).check()
    }

    /// Starts `syncnode serve` for `id`.
    func start(_ id: String, certs: String? = nil, topology: String? = nil, extra: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Federation.binary)
        process.arguments = ["serve", "--topology", topology ?? topologyPath, "--node", id, "--data", data(id),
                             "--certs", certs ?? self.certs(id), "--health-interval", "0.2"] + extra
        _ = FileManager.default.createFile(atPath: logPath(id), contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath(id)))
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        processes[id] = process
        if let port = ports[id], topology == nil {
            XCTAssertTrue(waitUntil(timeout: 20) { isPortOpen(port: port) || !process.isRunning },
                          "\(id) did not start listening; log:\n\(self.log(id))")
        }
    }

    /// Sends SIGTERM and waits; returns the exit status.
    @discardableResult
    func stop(_ id: String) -> Int32? {
        guard let process = processes.removeValue(forKey: id) else { return nil }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Kills with SIGKILL, as a crash would.
    func kill(_ id: String) {
        guard let process = processes.removeValue(forKey: id) else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stopAll() { for id in processes.keys.sorted() { stop(id) } }

    func isRunning(_ id: String) -> Bool { processes[id]?.isRunning ?? false }

    func log(_ id: String) -> String { (try? String(contentsOfFile: logPath(id), encoding: .utf8)) ?? "" }

    struct RunResult {
        let status: Int32
        let stdout: String
        let stderr: String

        /// For `syncnode status`: 0 (all well) or 2 (needs attention) are both answers; 1 is a failure.
        @discardableResult
        func checkAnswered(file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
            guard status == 0 || status == 2 else {
                XCTFail("syncnode status exited \(status): \(stderr)", file: file, line: line)
                throw NSError(domain: "syncnode", code: Int(status))
            }
            return self
        }

        @discardableResult
        func check(file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
            guard status == 0 else {
                XCTFail("syncnode exited \(status): \(stderr)", file: file, line: line)
                throw NSError(domain: "syncnode", code: Int(status))
            }
            return self
        }
    }

    /// Runs a `syncnode` command to completion.
    func run(_ arguments: [String]) throws -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Federation.binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// `syncnode status --json` of `id`, parsed.
    func status(_ id: String, tree: Bool = false) throws -> [String: Any] {
        let result = try run(["status", "--topology", topologyPath, "--node", id, "--data", data(id), "--certs", certs(id), "--json"]
                             + (tree ? ["--tree"] : []))
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw NSError(domain: "status", code: 1, userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        return object
    }

    /// The status entry of neighbour `peer` as seen by `id`.
    func peerStatus(_ id: String, _ peer: String) throws -> [String: Any]? {
        (try status(id)["peers"] as? [[String: Any]])?.first { $0["id"] as? String == peer }
    }

    /// `syncnode records --json` of `dataset` at `id`: key → values.
    func records(_ id: String, _ dataset: String) throws -> [String: [String: Any]] {
        let result = try run(["records", "--topology", topologyPath, "--node", id, "--data", data(id), "--certs", certs(id),
                              "--dataset", dataset, "--json"])
        guard let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else {
            throw NSError(domain: "records", code: 1, userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        var byKey: [String: [String: Any]] = [:]
        for entry in list { byKey[entry["key"] as! String] = entry["values"] as? [String: Any] }
        return byKey
    }

    /// Runs `syncnode write` at `id` with ITEM=VALUE pairs (or other flags).
    @discardableResult
    func write(_ id: String, _ dataset: String, _ pairs: [String]) throws -> RunResult {
        try run(["write", "--topology", topologyPath, "--node", id, "--data", data(id), "--certs", certs(id), "--dataset", dataset] + pairs)
    }

    /// GETs a page from `id`'s loopback admin listener (plain HTTP, as a browser would).
    func admin(_ id: String, _ path: String, method: String = "GET") throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(adminPorts[id]!)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 10
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        URLSession.shared.dataTask(with: request) { data, response, error in
            result.value = (response as? HTTPURLResponse).map { ($0.statusCode, String(decoding: data ?? Data(), as: UTF8.self)) }
            result.error = error
            done.signal()
        }.resume()
        done.wait()
        if let error = result.error { throw error }
        return result.value ?? (0, "")
    }

    /// Polls `condition` every 100 ms until it holds or `timeout` seconds pass.
    func waitUntil(timeout: Double, _ condition: () throws -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return (try? condition()) == true
    }

    /// A port free now and not handed out before by this process.
    static func freePort() throws -> Int {
        while true {
            let listener = try TCPListener(host: "127.0.0.1", port: 0)
            defer { listener.close() }
            if handedOut.claim(listener.port) { return listener.port }
        }
    }
    private static let handedOut = PortSet()

    /// The `syncnode` binary built next to the tests.
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["SYNCNODE_BIN"] { return path }
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("syncnode").path,
            Bundle.main.bundleURL.appendingPathComponent("syncnode").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("syncnode").path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/syncnode").standardized.path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()
}

final class PortSet: @unchecked Sendable {
    private let lock = NSLock()
    private var ports: Set<Int> = []

    /// Records `port`; false if it was recorded before.
    func claim(_ port: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return ports.insert(port).inserted
    }
}

final class ResultBox: @unchecked Sendable {
    var value: (Int, String)?
    var error: (any Error)?
}

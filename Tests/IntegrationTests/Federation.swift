import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Posix
import SyncTesting
import XCTest

/// A test federation: a topology on free loopback ports, certificates issued
/// by `syncnode cert`, and real `syncnode serve` processes (SyncTesting's
/// `Fleet`, the launcher the demo and the benchmark use too), each with its
/// own data directory and log file. Every process it starts is stopped and
/// its directory removed when the test ends.
final class Federation {
    typealias NodeSpec = FleetTopology.Node

    let fleet: Fleet
    private(set) var layout: FleetTopology

    var directory: String { fleet.directory }
    var federation: String { layout.federation }
    var nodes: [NodeSpec] { layout.nodes }
    var ports: [String: Int] { layout.ports }
    var adminPorts: [String: Int] { layout.adminPorts }
    var topologyPath: String { fleet.topologyPath }
    var caDirectory: String { fleet.caDirectory }
    func certs(_ id: String) -> String { fleet.certs(id) }
    func data(_ id: String) -> String { fleet.data(id) }
    func logPath(_ id: String) -> String { fleet.logPath(id) }

    init(_ test: XCTestCase, federation: String = "gd-test", nodes: [NodeSpec], datasets: [[String: any Sendable]] = [],
         policy: [String: any Sendable] = ["silentAfterSeconds": 5]) throws {
        let directory = NSTemporaryDirectory() + "syncnode-it-" + UUID().uuidString
        layout = try FleetTopology(federation: federation, nodes: nodes, datasets: datasets, policy: policy)
        fleet = try Fleet(directory: directory, topologyPath: "\(directory)/topology.json", binary: Fleet.executable(named: "syncnode"))
        fleet.healthInterval = 0.2
        try layout.write(to: fleet.topologyPath)
        test.addTeardownBlock { [fleet] in
            fleet.stopAll()
            if ProcessInfo.processInfo.environment["SYNCNODE_KEEP_TEST_DIRS"] == nil {
                try? FileManager.default.removeItem(atPath: fleet.directory)
            }
        }
    }

    /// A province, a city under it, and two districts under the city.
    static func small(_ test: XCTestCase) throws -> Federation {
        let small = try FleetTopology.small()
        return try Federation(test, federation: small.federation, nodes: small.nodes)
    }

    /// The small federation with a district's dataset and a city's dataset that flows back to the
    /// districts by region, certificates issued: what the backup and fault tests work on.
    static func withDistrictAndCityData(_ test: XCTestCase, policy: [String: any Sendable] = ["silentAfterSeconds": 5]) throws -> Federation {
        let f = try Federation(test, nodes: FleetTopology.small().nodes, datasets: [
            FleetTopology.dataset("ps-enterprise", source: "sz-pingshan", key: "uscc", items: [FleetTopology.item("name")]),
            FleetTopology.dataset("sz-housing", source: "sz", key: "id", items: [FleetTopology.item("address")]),
        ], policy: policy)
        try f.issueCertificates()
        return f
    }

    func url(_ id: String) -> String { layout.url(id) }

    /// Writes a topology file for `nodes` (nodes not in this federation get ports of their own).
    func writeTopology(to path: String, nodes: [NodeSpec], federation: String? = nil) throws {
        var other = layout
        for node in nodes where !other.nodes.contains(where: { $0.id == node.id }) { try other.add(node) }
        other.nodes = nodes
        try other.write(to: path, federation: federation)
    }

    /// Gives node `id` a new port and rewrites the topology (its certificate names 127.0.0.1, so it stays valid).
    func move(_ id: String) throws {
        try layout.move(id)
        try layout.write(to: topologyPath)
    }

    /// Creates the CA and issues every node's certificate with `syncnode cert`.
    func issueCertificates() throws { try fleet.issueCertificates(caName: "\(federation) test CA") }

    /// Starts `syncnode serve` for `id` and, with this federation's topology, waits until it listens.
    func start(_ id: String, certs: String? = nil, topology: String? = nil, extra: [String] = [],
               environment: [String: String] = [:]) throws {
        try fleet.start(id, topology: topology, certs: certs, extra: extra, environment: environment)
        if let port = layout.ports[id], topology == nil {
            XCTAssertTrue(waitUntil(timeout: 20) { isPortOpen(port: port) || !fleet.isRunning(id) },
                          "\(id) did not start listening; log:\n\(self.log(id))")
        }
    }

    @discardableResult
    func stop(_ id: String) -> Int32? { fleet.stop(id) }
    func kill(_ id: String) { fleet.kill(id) }
    func stopAll() { fleet.stopAll() }
    func isRunning(_ id: String) -> Bool { fleet.isRunning(id) }
    func log(_ id: String) -> String { fleet.log(id) }

    typealias RunResult = Fleet.RunResult

    /// Runs a `syncnode` command to completion.
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> RunResult {
        try fleet.run(arguments, environment: environment)
    }

    /// `syncnode status --json` of `id`, parsed.
    func status(_ id: String, tree: Bool = false) throws -> [String: Any] {
        let result = try run(["status"] + fleet.nodeArguments(id) + ["--json"] + (tree ? ["--tree"] : []))
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
        let result = try run(["records"] + fleet.nodeArguments(id) + ["--dataset", dataset, "--json"])
        guard let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else {
            throw NSError(domain: "records", code: 1, userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        var byKey: [String: [String: Any]] = [:]
        for entry in list { byKey[entry["key"] as! String] = entry["values"] as? [String: Any] }
        return byKey
    }

    /// Every record of `dataset` at `id` with its values and stamps, as canonical text (to compare copies byte for byte).
    func snapshot(_ id: String, _ dataset: String) throws -> [String: String] {
        let result = try run(["records"] + fleet.nodeArguments(id) + ["--dataset", dataset, "--json"]).check()
        guard let list = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] else {
            throw NSError(domain: "records", code: 1, userInfo: [NSLocalizedDescriptionKey: result.stderr])
        }
        var byKey: [String: String] = [:]
        for entry in list {
            byKey[entry["key"] as! String] = String(decoding: try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]), as: UTF8.self)
        }
        return byKey
    }

    /// Writes JSON lines at `id` in one `syncnode write --jsonl` (one transaction).
    @discardableResult
    func write(_ id: String, _ dataset: String, lines: [String]) throws -> RunResult {
        let file = "\(directory)/\(UUID().uuidString).jsonl"
        try lines.joined(separator: "\n").write(toFile: file, atomically: false, encoding: .utf8)
        return try write(id, dataset, ["--jsonl", file])
    }

    /// Runs `syncnode write` at `id` with ITEM=VALUE pairs (or other flags).
    @discardableResult
    func write(_ id: String, _ dataset: String, _ pairs: [String]) throws -> RunResult {
        try run(["write"] + fleet.nodeArguments(id) + ["--dataset", dataset] + pairs)
    }

    /// GETs a page from `id`'s loopback admin listener (plain HTTP, as a browser would).
    func admin(_ id: String, _ path: String, method: String = "GET", headers: [String: String] = [:]) throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(adminPorts[id]!)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 10
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
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

    /// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
    func waitUntil(timeout: Double, _ condition: () throws -> Bool) -> Bool { fleet.waitUntil(timeout: timeout, condition) }
}

extension Fleet.RunResult {
    /// For `syncnode status`: 0 (all well) or 2 (needs attention) are both answers; 1 is a failure.
    @discardableResult
    func checkAnswered(file: StaticString = #filePath, line: UInt = #line) throws -> Fleet.RunResult {
        guard status == 0 || status == 2 else {
            XCTFail("syncnode status exited \(status): \(stderr)", file: file, line: line)
            throw NSError(domain: "syncnode", code: Int(status))
        }
        return self
    }
}

final class ResultBox: @unchecked Sendable {   // written by the URLSession callback before the semaphore is signalled
    var value: (Int, String)?
    var error: (any Error)?
}

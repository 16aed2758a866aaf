import Foundation
import Posix
import SyncCore
import SyncEngine
import SyncNode
import SyncStore
import Synchronization

/// Real `syncnode serve` processes for the nodes of one topology, each with
/// its own data directory, certificate directory and log file under one
/// directory — the launcher the demo, the integration tests and the
/// benchmark share. Every process it starts is stopped by `stopAll`.
public final class Fleet: @unchecked Sendable {   // used from the thread that drives it; `processes` is behind `lock`
    public let directory: String
    public let topologyPath: String
    /// The `syncnode` executable the nodes run.
    public let binary: String
    /// Seconds between health exchanges of the nodes it starts.
    public var healthInterval = 1.0
    /// The operator the fleet's commands and in-process engines act as, for the audit log.
    public static let operatorName = "fleet"
    /// Seconds between each node's dashboard samples (nil: the node's default, a minute).
    public var historyInterval: Double?
    private let lock = NSLock()
    private var processes: [String: Process] = [:]
    private var replicas: [String: Replica] = [:]

    /// - Parameters:
    ///   - directory: where `ca/`, `certs/ID/`, `data/ID/` and `logs/ID.log` go.
    ///   - topologyPath: the topology file the nodes run.
    ///   - binary: the `syncnode` executable (`Fleet.executable(named:)` finds it).
    public init(directory: String, topologyPath: String, binary: String) throws {
        // A process that drives nodes talks to them over sockets and pipes that they may close
        // first (a killed node, a refused request): a write there must fail, not kill the driver.
        ignoreSIGPIPE()
        self.directory = directory
        self.topologyPath = topologyPath
        self.binary = binary
        try FileManager.default.createDirectory(atPath: "\(directory)/logs", withIntermediateDirectories: true)
    }

    /// The topology as the file says now.
    public func topology() throws -> Topology { try Topology.load(path: topologyPath) }

    public var caDirectory: String { "\(directory)/ca" }
    public func certs(_ id: String) -> String { "\(directory)/certs/\(id)" }
    public func data(_ id: String) -> String { "\(directory)/data/\(id)" }
    public func logPath(_ id: String) -> String { "\(directory)/logs/\(id).log" }

    /// `--topology --node --data --certs` for node `id` (another topology file or certificate directory when given).
    public func nodeArguments(_ id: String, topology: String? = nil, certs other: String? = nil, data directory: String? = nil) -> [String] {
        ["--topology", topology ?? topologyPath, "--node", id, "--data", directory ?? data(id), "--certs", other ?? certs(id)]
    }

    /// An executable built next to this one (the benchmark and the tests run the `syncnode` built with them).
    public static func executable(named name: String, near path: String = CommandLine.arguments[0]) -> String {
        if let override = ProcessInfo.processInfo.environment["SYNCNODE_BIN"] { return override }
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? path
        let candidates = [
            URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent(name).path,
            URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(name).path,
            Bundle.main.bundleURL.appendingPathComponent(name).path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name).path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// This process's own executable (the demo runs the same build it is).
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    // MARK: Certificates

    /// Creates the CA (unless one exists) and issues every node's certificate, with `syncnode cert`;
    /// returns what `cert issue` printed.
    @discardableResult
    public func issueCertificates(caName: String) throws -> RunResult {
        if !FileManager.default.fileExists(atPath: "\(caDirectory)/ca.key") {
            try run(["cert", "ca", "--out", caDirectory, "--name", caName]).check()
        }
        return try run(["cert", "issue", "--ca", caDirectory, "--topology", topologyPath, "--all", "--out", "\(directory)/certs"]).check()
    }

    // MARK: Processes

    /// Starts `syncnode serve` for `id`, its output appended to its log file
    /// (with another topology file or certificate directory when given).
    public func start(_ id: String, topology: String? = nil, certs: String? = nil, data: String? = nil, extra: [String] = [],
                      environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve"] + nodeArguments(id, topology: topology, certs: certs, data: data) + ["--health-interval", String(healthInterval)]
            + (historyInterval.map { ["--history-interval", String($0)] } ?? []) + extra
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let logPath = logPath(id)
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        lock.withLock { processes[id] = process }
    }

    /// Starts `id` and waits until its federation port accepts connections (or it exited).
    public func startListening(_ id: String, extra: [String] = [], timeout: Double = 20) throws {
        try start(id, extra: extra)
        let port = try topology().node(id)?.port ?? 0
        guard waitUntil(timeout: timeout, { isPortOpen(port: port) || !isRunning(id) }), isRunning(id) else {
            throw SyncNodeError("start \(id)", "it did not start listening on port \(port)", hint: "see \(logPath(id)):\n\(log(id).suffix(2000))")
        }
    }

    /// Sends SIGTERM and waits; returns the exit status (nil when it was not running).
    @discardableResult
    public func stop(_ id: String) -> Int32? {
        guard let process = lock.withLock({ processes.removeValue(forKey: id) }) else { return nil }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Kills with SIGKILL, as a crash or a power cut of the process would.
    public func kill(_ id: String) {
        guard let process = lock.withLock({ processes.removeValue(forKey: id) }) else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops every node: all are told at once, then each is waited for.
    public func stopAll() {
        let all = lock.withLock { () -> [Process] in
            defer { processes.removeAll() }
            return Array(processes.values)
        }
        for process in all where process.isRunning { process.terminate() }
        for process in all { process.waitUntilExit() }
    }

    public func isRunning(_ id: String) -> Bool { lock.withLock { processes[id]?.isRunning ?? false } }

    /// The process id of node `id`, while it runs.
    public func pid(_ id: String) -> Int32? { lock.withLock { processes[id].map { $0.processIdentifier } } }

    /// Nodes whose process has ended, with the exit status.
    public func exited() -> [(id: String, status: Int32)] {
        lock.withLock { processes.filter { !$0.value.isRunning }.map { ($0.key, $0.value.terminationStatus) } }.sorted { $0.id < $1.id }
    }

    /// Node `id`'s log so far.
    public func log(_ id: String) -> String { (try? String(contentsOfFile: logPath(id), encoding: .utf8)) ?? "" }

    /// A node's peak resident memory so far, in MB (VmHWM), nil when it is not running.
    public func peakMemoryMB(_ id: String) -> Double? {
        guard let pid = pid(id), let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb / 1024
    }

    // MARK: Commands and in-process access

    /// What a `syncnode` command printed and how it ended.
    public struct RunResult: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String

        /// Throws unless the command exited 0.
        @discardableResult
        public func check() throws -> RunResult {
            guard status == 0 else {
                throw SyncNodeError("run syncnode", "it exited \(status): \(stderr.prefix(2000))")
            }
            return self
        }
    }

    /// Runs a `syncnode` command to completion.
    public func run(_ arguments: [String], environment: [String: String] = [:]) throws -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        // Commands that change or release data name their operator for the audit log.
        var environment = environment
        if ProcessInfo.processInfo.environment["SYNCNODE_OPERATOR"] == nil && environment["SYNCNODE_OPERATOR"] == nil {
            environment["SYNCNODE_OPERATOR"] = Fleet.operatorName
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes at once so neither fills while the other is drained.
        let errData = Mutex(Data())
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            errData.withLock { $0 = data }
            drained.signal()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                         stderr: String(decoding: errData.withLock { $0 }, as: UTF8.self))
    }

    /// Runs a `syncnode` command on node `id` (its node flags added).
    public func run(_ command: [String], on id: String, _ more: [String] = []) throws -> RunResult {
        try run(command + nodeArguments(id) + more)
    }

    /// Node `id`'s store and engine, opened once in this process, for reads and
    /// writes beside the running node (as `syncnode write` would).
    public func replica(_ id: String) throws -> Replica {
        if let replica = lock.withLock({ replicas[id] }) { return replica }
        let context = try NodeContext(topology: try topology(), nodeID: id, dataDirectory: data(id), certificateDirectory: certs(id))
        let replica = try context.openReplica(announcing: true)
        replica.operatorName = Fleet.operatorName
        lock.withLock { replicas[id] = replica }
        return replica
    }

    /// Forgets the in-process replicas (before a node's data directory is replaced).
    public func closeReplicas() { lock.withLock { replicas.removeAll() } }

    /// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
    public func waitUntil(timeout: Double, _ condition: () throws -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return (try? condition()) == true
    }
}

/// Ports free now and not handed out before by this process.
public enum FreePorts {
    private static let handedOut = Mutex<Set<Int>>([])

    public static func next() throws -> Int {
        while true {
            let listener = try TCPListener(host: "127.0.0.1", port: 0)
            defer { listener.close() }
            if handedOut.withLock({ $0.insert(listener.port).inserted }) { return listener.port }
        }
    }
}

/// A new empty directory under the system's temporary directory; the caller removes it.
public func makeTemporaryDirectory(prefix: String = "syncnode-test") throws -> String {
    let path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

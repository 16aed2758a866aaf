import Foundation
import SyncCore

/// Starts and stops `syncnode serve` processes for the nodes of one topology,
/// each with its own data, certificates and log file under one directory.
final class Fleet {
    let topology: Topology
    let topologyPath: String
    let directory: String
    private var processes: [String: Process] = [:]
    private var stores: [String: Store] = [:]
    private var replicas: [String: Replica] = [:]

    init(topology: Topology, topologyPath: String, directory: String) throws {
        self.topology = topology
        self.topologyPath = topologyPath
        self.directory = directory
    }

    /// This executable, so the fleet runs the same build.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    func start(_ id: String, extra: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Fleet.executable)
        process.arguments = ["serve", "--topology", topologyPath, "--node", id,
                             "--data", "\(directory)/data/\(id)", "--certs", "\(directory)/certs/\(id)",
                             "--health-interval", "1"] + extra
        let logPath = "\(directory)/logs/\(id).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        processes[id] = process
    }

    /// The store of node `id`, opened once (reads alongside the running node).
    func store(_ id: String) throws -> Store {
        if let store = stores[id] { return store }
        let store = try Store(path: "\(directory)/data/\(id)/node.db", nodeID: id, federation: topology.federation)
        stores[id] = store
        return store
    }

    /// The replica of node `id`, opened once, for writes at a source while its node runs.
    func replica(_ id: String) throws -> Replica {
        if let replica = replicas[id] { return replica }
        let context = try NodeContext(topology: topology, nodeID: id, dataDirectory: "\(directory)/data/\(id)",
                                      certificateDirectory: "\(directory)/certs/\(id)")
        let replica = try Replica(context: context, store: try store(id))
        replicas[id] = replica
        return replica
    }

    /// Nodes whose process has ended, with the exit status.
    func exited() -> [(id: String, status: Int32)] {
        processes.filter { !$0.value.isRunning }.map { ($0.key, $0.value.terminationStatus) }.sorted { $0.id < $1.id }
    }

    func stop(_ id: String) {
        guard let process = processes.removeValue(forKey: id), process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    func stopAll() {
        for id in processes.keys.sorted() { stop(id) }
    }
}

import Foundation
import SyncCore
import TLS

/// `syncnode demo`: a whole federation on loopback, one process per node.
enum DemoCommand: Command {
    static let name = "demo"
    static let summary = "run a demo federation on this machine and narrate what it does"
    static let details = """
        Creates a CA and a certificate per node, starts every node of the demo
        topology as its own 'syncnode serve' process on 127.0.0.1, waits for every
        child to complete a health exchange with its parent over mutual TLS, and
        prints the federation tree. Without --keep-running it then stops every node;
        with it, the nodes stay up until Ctrl-C.
        """
    static let flags = [
        Flag("topology", value: "FILE", help: "the topology to run (default: Topology/guangdong-demo.json)"),
        Flag("dir", value: "DIR", help: "where certificates, data and logs go (default: demo)"),
        Flag("keep-running", help: "leave the federation up until Ctrl-C"),
        Flag("timeout", value: "SECONDS", help: "how long to wait for the federation to connect (default: 60)"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let topologyPath = arguments.value("topology") ?? "Topology/guangdong-demo.json"
        let topology = try Topology.load(path: topologyPath)
        let dir = arguments.value("dir") ?? "demo"
        let timeout = Double(arguments.value("timeout") ?? "60") ?? 60
        let say = Narrator()

        say.step("① 证书 certificates: a federation CA and one certificate per node")
        let caDir = "\(dir)/ca"
        if !FileManager.default.fileExists(atPath: "\(caDir)/ca.key") {
            _ = try CertCACommand.run(Arguments(["--out", caDir, "--name", "\(topology.federation) federation CA"],
                                                flags: CertCACommand.flags, command: "cert ca"))
        }
        _ = try CertIssueCommand.run(Arguments(["--ca", caDir, "--topology", topologyPath, "--all", "--out", "\(dir)/certs"],
                                               flags: CertIssueCommand.flags, command: "cert issue"))
        try? FileManager.default.removeItem(atPath: "\(dir)/data")
        try FileManager.default.createDirectory(atPath: "\(dir)/logs", withIntermediateDirectories: true)

        say.step("② 启动 starting \(topology.nodes.count) nodes, one process each (logs in \(dir)/logs/)")
        let fleet = try Fleet(topology: topology, topologyPath: topologyPath, directory: dir)
        defer { fleet.stopAll() }
        for node in topology.nodes {
            try fleet.start(node.id)
            say.line("  started \(node.name) \(node.id) (\(node.tier.rawValue) \(node.region)) on \(node.url)")
        }

        say.step("③ 握手 every child dials its parent over mutual TLS and exchanges health")
        let deadline = Date().addingTimeInterval(timeout)
        var pending = Set(topology.nodes.filter { $0.parent != nil }.map(\.id))
        while !pending.isEmpty && Date() < deadline {
            for id in pending.sorted() {
                guard let node = topology.node(id), let parent = topology.parent(of: id) else { continue }
                if (try? fleet.store(id).peerHealth()[parent.id]?.lastHeardAt) != nil,
                   (try? fleet.store(parent.id).peerHealth()[id]?.lastHeardAt) != nil {
                    say.line("  ✓ \(node.name) ⇄ \(parent.name)   (\(id) ⇄ \(parent.id))")
                    pending.remove(id)
                }
            }
            if !pending.isEmpty { Thread.sleep(forTimeInterval: 0.2) }
        }
        if !pending.isEmpty {
            say.line("  ✗ not connected after \(Int(timeout))s: \(pending.sorted().joined(separator: ", ")); see \(dir)/logs/")
        }

        say.step("④ 联邦 the federation as the province sees it")
        Output.write(try FederationTree.render(topology: topology, stores: fleet.store))
        say.line("")
        say.line("Try: syncnode status --topology \(topologyPath) --node \(topology.root.id) --data \(dir)/data/\(topology.root.id) --certs \(dir)/certs/\(topology.root.id)")

        if arguments.has("keep-running") {
            say.line("The federation is running. Press Ctrl-C to stop every node.")
            _ = waitForTerminationSignal()
        }
        say.step("⑤ 停止 stopping every node")
        fleet.stopAll()
        say.line(pending.isEmpty ? "demo complete: \(topology.nodes.count) nodes connected" : "demo incomplete")
        return pending.isEmpty ? 0 : 1
    }
}

/// Prints the demo's narration, flushed at once so it interleaves well with logs.
struct Narrator {
    func step(_ text: String) { Output.line("\n" + text) }
    func line(_ text: String) { Output.line(text) }
}

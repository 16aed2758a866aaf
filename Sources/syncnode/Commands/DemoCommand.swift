import Foundation
import SyncCore
import Posix
import SyncEngine
import SyncNode
import SyncTesting

/// `syncnode demo`: a whole federation on loopback, one process per node,
/// with sample data loaded at its sources and replicated by the rules.
enum DemoCommand: Command {
    static let name = "demo"
    static let summary = "run a demo federation on this machine and narrate what it does"
    static let details = """
        Creates a CA and a certificate per node, starts every node of the demo topology
        as its own 'syncnode serve' process on 127.0.0.1, loads sample records (tens of
        thousands, deterministic) at their source nodes, and shows them aggregate up
        (归集), return to the regions they concern (回流), flow down from the vertical
        system, and a non-authority edit turn into a conflict (一数一源). It checks every
        node holds exactly what routing says it must, prints the federation tree and the
        province's status, and stops every node (or, with --keep-running, waits for Ctrl-C).
        Exits non-zero if the federation did not converge.
        """
    static let flags = [
        Flag("topology", value: "FILE", help: "the topology to run (default: Topology/guangdong-demo.json)"),
        Flag("catalog", value: "FILE", help: "catalog entries to publish (default: the topology's name with .catalog.json)"),
        Flag("dir", value: "DIR", help: "where certificates, data and logs go (default: demo)"),
        Flag("keep-running", help: "leave the federation up until Ctrl-C"),
        Flag("timeout", value: "SECONDS", help: "how long to wait for each step (default: 120)"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let topologyPath = arguments.value("topology") ?? "Topology/guangdong-demo.json"
        let topology = try Topology.load(path: topologyPath)
        let dir = arguments.value("dir") ?? "demo"
        let timeout = Double(arguments.value("timeout") ?? "120") ?? 120
        let say = Narrator()

        say.step("① 证书 certificates: a federation CA and one certificate per node")
        let fleet = try Fleet(directory: dir, topologyPath: topologyPath, binary: Fleet.currentExecutable)
        fleet.historyInterval = 5   // a demo lasts minutes: sample the dashboard's charts often
        defer { fleet.stopAll() }
        let issued = try fleet.issueCertificates(caName: "\(topology.federation) federation CA")
        say.write(issued.stdout)
        try? FileManager.default.removeItem(atPath: "\(dir)/data")

        say.step("② 启动 starting \(topology.nodes.count) nodes, one process each (logs in \(dir)/logs/)")
        for node in topology.nodes {
            try fleet.start(node.id)
            say.line("  started \(node.name) \(node.id) (\(node.tier.rawValue) \(node.region)) on \(node.url)")
        }

        say.step("③ 握手 every child dials its parent over mutual TLS and exchanges health")
        var connected = true
        for node in topology.nodes {
            guard let parent = topology.parent(of: node.id) else { continue }
            let ok = wait(timeout, fleet: fleet, say: say) {
                (try? fleet.replica(node.id).store.read { try $0.peerHealth()[parent.id]?.lastHeardAt }) != nil
                    && (try? fleet.replica(parent.id).store.read { try $0.peerHealth()[node.id]?.lastHeardAt }) != nil
            }
            say.line(ok ? "  ✓ \(node.name) ⇄ \(parent.name)   (\(node.id) ⇄ \(parent.id))" : "  ✗ \(node.id) ⇄ \(parent.id) not connected; see \(dir)/logs/")
            connected = connected && ok
        }

        var converged = true
        var conflictShown = true
        var shareShown = true
        let catalogPath = arguments.value("catalog") ?? topologyPath.replacingOccurrences(of: ".json", with: ".catalog.json")
        let entries = FileManager.default.fileExists(atPath: catalogPath)
            ? try JSONDecoder().decode([CatalogEntry].self, from: Data(contentsOf: URL(fileURLWithPath: catalogPath))) : []
        if !entries.isEmpty {
            say.step("④ 目录 each source publishes its catalog entries (资源目录); the merged catalog reaches every node (目录全局化)")
            for entry in entries {
                let published = try CatalogService(replica: try fleet.replica(entry.sourceNode)).publish(entry)
                say.line("  \(topology.node(entry.sourceNode)?.name ?? entry.sourceNode) publishes \(published.id) \(published.name) v\(published.version)")
            }
            let catalogued = wait(timeout, fleet: fleet, say: say) {
                topology.nodes.allSatisfy { node in (try? CatalogService(replica: try fleet.replica(node.id)).entries().count) == entries.count }
            }
            say.line(catalogued ? "  ✓ every node lists all \(entries.count) entries (syncnode catalog list)" : "  ✗ the catalog did not reach every node")
            converged = catalogued
        }
        let definitions = Dictionary(entries.map { ($0.id, $0.definition) }, uniquingKeysWith: { a, _ in a })
            .merging(topology.datasets.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let plans = DemoData.plans.filter { definitions[$0.dataset] != nil }
        if !plans.isEmpty && converged {
            say.step("⑤ 数据 loading sample records at their source nodes (数源部门)")
            for plan in plans {
                let dataset = definitions[plan.dataset]!
                let source = topology.node(dataset.sourceNode)!
                let rows = DemoData.rows(plan)
                let start = Date()
                let writer = LocalWriter(replica: try fleet.replica(source.id))
                for first in stride(from: 0, to: rows.count, by: 2000) {
                    try writer.write(dataset: dataset.id, rows: Array(rows[first..<min(rows.count, first + 2000)]))
                }
                say.line(String(format: "  %@ %@: %5d records of %@ %@ (%@) in %.1f s", source.name, source.id, rows.count,
                                dataset.id, dataset.name, dataset.shareType.rawValue, Date().timeIntervalSince(start)))
            }

            say.step("⑥ 归集与回流 aggregation up, backflow down by region, vertical backflow")
            let expected = expectedCounts(topology: topology, definitions: definitions, plans: plans)
            let totalCopies = expected.values.reduce(0) { $0 + $1.values.reduce(0, +) }
            var lastReport = Date.distantPast
            converged = wait(timeout, fleet: fleet, say: say) {
                let actual: [String: [String: Int]] = (try? counts(fleet: fleet, topology: topology)) ?? [:]
                var placed = 0
                for (node, datasets) in expected {
                    for (dataset, count) in datasets { placed += min(count, actual[node]?[dataset] ?? 0) }
                }
                if Date().timeIntervalSince(lastReport) >= 1 {
                    say.line("  … \(placed) of \(totalCopies) record copies in place")
                    lastReport = Date()
                }
                return actual == expected
            }
            let actual = try counts(fleet: fleet, topology: topology)
            say.write(countTable(topology: topology, plans: plans, actual: actual, expected: expected))
            say.line(converged ? "  ✓ every node holds exactly what routing says it must (\(totalCopies) record copies)"
                               : "  ✗ not converged after \(Int(timeout))s: cells marked ≠ differ from what routing says")
            say.line("""
                  Read the table: district data reaches its city and the province (归集) and no sibling district;
                  the city's licences and the province's place names return only to the district whose region they
                  carry (回流, 宝安/罗湖 have no node and stay above); the market-regulation system's permits reach
                  the districts through the province and the city (垂直系统回流); 城区 population is shared on
                  condition (有条件共享): it goes up, and comes back down only under a grant.
                """)

            say.step("⑦ 一数一源 a non-authority edit becomes a conflict, never an overwrite, until the authority answers it")
            conflictShown = try demonstrateConflict(fleet: fleet, topology: topology, dataset: definitions["ps-enterprise"],
                                                    timeout: timeout, say: say)
            if let dataset = definitions["cq-population"], topology.node("sz-pingshan") != nil {
                say.step("⑧ 有条件共享 a district asks another city's district for its conditional data; the source grants it, masked")
                shareShown = try demonstrateShareRequest(fleet: fleet, topology: topology, dataset: dataset, requester: "sz-pingshan",
                                                         timeout: timeout, say: say)
            }
        }

        say.step("⑨ 联邦 the federation as the province sees it (status reports travel up with the health exchange)")
        let root = topology.root
        let rootContext = try NodeContext(topology: topology, nodeID: root.id, dataDirectory: "\(dir)/data/\(root.id)",
                                          certificateDirectory: "\(dir)/certs/\(root.id)")
        let everyone = Set(topology.descendants(of: root.id).map(\.id))
        // Wait for fresh reports made after convergence (nothing left waiting anywhere).
        _ = wait(30, fleet: fleet, say: say) {
            let reports = (try? fleet.replica(root.id).store.read { try $0.subtreeReports(now: Date()) }) ?? [:]
            return everyone.allSatisfy { (reports[$0]?.ageSeconds ?? .max) < 3 && reports[$0]?.outbox == 0 }
        }
        let rootReplica = try fleet.replica(root.id)
        let rootStatus = try NodeStatus.collect(context: rootContext, replica: rootReplica)
        say.write(FederationTreeStatus.collect(context: rootContext, own: rootStatus,
                                               reports: try rootReplica.store.read { try $0.subtreeReports(now: Date()) }).rendered())
        say.line("")
        say.write(rootStatus.rendered())
        // Provenance: what the province holds, checked again against each origin's signature.
        let signatures = try fleet.run(["audit", "signatures"] + fleet.nodeArguments(root.id))
        say.line("\n  可追溯 provenance at \(root.id) (syncnode audit signatures): every change is signed by the node that made it")
        say.write(signatures.stdout.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n")
        if let port = root.adminPort {
            say.line("\n  dashboard 仪表盘: http://127.0.0.1:\(port)/   (metrics: http://127.0.0.1:\(port)/metrics)")
        }
        say.line("")
        say.line("Try next (in another terminal, with --keep-running):")
        let exe = Fleet.currentExecutable
        let flags = "--topology \(topologyPath) --node sz-pingshan --data \(dir)/data/sz-pingshan --certs \(dir)/certs/sz-pingshan --operator 演示"
        say.line("  \(exe) status \(flags)")
        say.line("  \(exe) records \(flags) --dataset sz-elicence")
        say.line("  \(exe) conflicts \(flags)")
        say.line("  \(exe) share list \(flags)")
        say.line("  \(exe) audit list \(flags)")
        say.line("  \(exe) audit signatures \(flags) --dataset ps-enterprise")
        say.line("  \(exe) verify \(flags) --dataset cq-population --key P4415020000000 gender=男")
        say.line("  \(exe) write \(flags) --dataset ps-enterprise uscc=91440310MA5DEM001Q region=440310 name=演示企业")

        if arguments.has("keep-running") {
            say.line("\nThe federation is running. Press Ctrl-C to stop every node.")
            _ = SignalWaiter().waitForTermination()
        }
        say.step("⑩ 停止 stopping every node")
        fleet.stopAll()
        let ok = connected && converged && conflictShown && shareShown
        say.line(ok ? "demo complete: \(topology.nodes.count) nodes connected, every copy where routing puts it, conflicts kept, a grant masked"
                    : "demo incomplete: see the ✗ lines above and \(dir)/logs/")
        return ok ? 0 : 1
    }

    /// Polls `condition` every 200 ms until it holds, `timeout` seconds pass, or
    /// a node's process has ended (then says which, and where its log is).
    static func wait(_ timeout: Double, fleet: Fleet, say: Narrator, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            let dead = fleet.exited()
            if !dead.isEmpty {
                for node in dead {
                    say.line("  ✗ node \(node.id) exited with status \(node.status); see \(fleet.directory)/logs/\(node.id).log")
                }
                return false
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return condition()
    }

    /// Records of each dataset each node must hold once converged: what routing says, record by record.
    static func expectedCounts(topology: Topology, definitions: [String: DatasetDefinition], plans: [DemoData.Plan]) -> [String: [String: Int]] {
        let routing = Routing(topology: topology)
        var expected: [String: [String: Int]] = [:]
        for node in topology.nodes { expected[node.id] = [:] }
        for plan in plans {
            let dataset = definitions[plan.dataset]!
            for (i, code) in plan.regions.enumerated() {
                let count = plan.count / plan.regions.count + (i < plan.count % plan.regions.count ? 1 : 0)
                for holder in routing.holders(dataset: dataset, region: try! RegionCode(code)) {
                    expected[holder]![plan.dataset, default: 0] += count
                }
            }
        }
        return expected
    }

    static func counts(fleet: Fleet, topology: Topology) throws -> [String: [String: Int]] {
        var result: [String: [String: Int]] = [:]
        for node in topology.nodes {
            result[node.id] = try fleet.replica(node.id).store.read { try $0.datasetStats() }.mapValues(\.records).filter { $0.value > 0 }
        }
        return result
    }

    static func countTable(topology: Topology, plans: [DemoData.Plan], actual: [String: [String: Int]],
                           expected: [String: [String: Int]]) -> String {
        var table = Table(["NODE", "NAME"] + plans.map(\.dataset))
        for node in topology.nodes {
            table.add([node.id, node.name] + plans.map { plan in
                let a = actual[node.id]?[plan.dataset] ?? 0, e = expected[node.id]?[plan.dataset] ?? 0
                return a == e ? (a == 0 ? "·" : String(a)) : "\(a)≠\(e)"
            })
        }
        return table.render().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
    }

    /// The city edits a district's enterprise name: the district's value stands, both sides see the conflict.
    static func demonstrateConflict(fleet: Fleet, topology: Topology, dataset: DatasetDefinition?, timeout: Double, say: Narrator) throws -> Bool {
        guard let dataset, let editor = topology.parent(of: dataset.sourceNode),
              let plan = DemoData.plans.first(where: { $0.dataset == dataset.id }) else { return true }
        let record = DemoData.rows(plan)[0]
        let key = record[dataset.keyItem]!.description
        let original = record["name"]!.description
        let edit = "\(original)（\(editor.name)改）"
        let outcome = try LocalWriter(replica: try fleet.replica(editor.id)).write(dataset: dataset.id, values: [
            dataset.keyItem: record[dataset.keyItem]!, dataset.regionItem: record[dataset.regionItem]!, "name": .string(edit),
        ])
        say.line("  \(editor.name) \(editor.id) writes name=\(edit) on \(dataset.id)/\(key)")
        say.line("  → \(editor.id) is not the authority for \(outcome.proposed.joined(separator: ", ")) (the source is \(dataset.sourceNode)): kept as a conflict")
        let reached = wait(timeout, fleet: fleet, say: say) {
            (try? fleet.replica(dataset.sourceNode).store.read { try $0.conflicts() }
                .contains { $0.conflict.key == key && $0.conflict.proposed.value == .string(edit) }) == true
        }
        var unchanged = true
        for id in [dataset.sourceNode, editor.id, topology.root.id] {
            let value = try fleet.replica(id).store.read { try $0.record(dataset: dataset.id, key: key) }?.state.items["name"]?.value.description ?? "—"
            unchanged = unchanged && value == original
            say.line("  \(id): name = \(value)")
        }
        say.line(reached ? "  ✓ the conflict reached the authority \(dataset.sourceNode) (syncnode conflicts shows it on both sides); no copy was overwritten"
                         : "  ✗ the conflict did not reach \(dataset.sourceNode)")
        guard reached && unchanged else { return false }
        // The authority answers it: the city's spelling is right after all; accepting makes it the source's own write.
        let id = try fleet.replica(dataset.sourceNode).store.read { try $0.conflicts() }
            .first { $0.conflict.key == key && $0.conflict.proposed.value == .string(edit) }.map { ConflictOutcome.id(of: $0.conflict) }
        guard let id else { return false }
        try ConflictService(replica: try fleet.replica(dataset.sourceNode)).accept(id)
        say.line("  \(dataset.sourceNode) accepts it (syncnode conflicts accept \(id)): the value becomes its own write")
        let closed = wait(timeout, fleet: fleet, say: say) {
            [dataset.sourceNode, editor.id].allSatisfy { node in (try? fleet.replica(node).store.read { try $0.conflicts() }.isEmpty) == true }
                && (try? fleet.replica(topology.root.id).store.read { try $0.record(dataset: dataset.id, key: key) }?.state.items["name"]?.value) == .string(edit)
        }
        say.line(closed ? "  ✓ the outcome closed the conflict at \(editor.id) and \(dataset.sourceNode); \(topology.root.id) holds name = \(edit)"
                        : "  ✗ the conflict did not close on both sides")
        return closed
    }
}

extension DemoCommand {
    /// A district requests a conditional dataset across cities: filed on the way, granted with masks
    /// at the source, the masked records released from the province to the requester alone.
    static func demonstrateShareRequest(fleet: Fleet, topology: Topology, dataset: DatasetDefinition, requester: String,
                                        timeout: Double, say: Narrator) throws -> Bool {
        let items = ["personId", "region", "name", "birthDate"].filter { dataset.item($0) != nil }
        let ticket = try ShareService(replica: try fleet.replica(requester))
            .request(dataset: dataset.id, items: items, region: nil, purpose: "困难群众救助资格核对", basis: "《社会救助暂行办法》第五十条", until: nil)
        say.line("  \(requester) requests \(dataset.id) (\(items.joined(separator: ","))): request \(ticket.id), answer due by \(ticket.request.deadline) (\(topology.policy.shareRequestDays) working days)")
        let route = topology.ticketRoute(filer: requester, answerer: dataset.sourceNode)
        let filed = route.subtracting([requester, dataset.sourceNode]).sorted()
        let arrived = wait(timeout, fleet: fleet, say: say) {
            route.allSatisfy { node in (try? ShareService(replica: try fleet.replica(node)).ticket(ticket.id)) != nil }
        }
        say.line(arrived ? "  ✓ filed (备案) at \(filed.joined(separator: ", ")); pending at the source \(dataset.sourceNode)" : "  ✗ the request did not reach \(dataset.sourceNode)")
        guard arrived else { return false }
        let masks: [String: MaskRule] = ["name": .keep(first: 1, last: 0), "birthDate": .keep(first: 4, last: 0)]
        try ShareService(replica: try fleet.replica(dataset.sourceNode)).grant(ticket.id, items: nil, masks: masks, until: nil)
        say.line("  \(dataset.sourceNode) grants it, masked: name=first:1, birthDate=first:4 (the year only)")
        let grant = ShareTicket.grantDataset(ticket.id)
        let expected = try fleet.replica(dataset.sourceNode).store.read { try $0.datasetStats()[dataset.id]?.records } ?? 0
        let released = wait(timeout, fleet: fleet, say: say) {
            (try? fleet.replica(requester).store.read { try $0.datasetStats()[grant]?.records }) == expected
        }
        let sample = try fleet.replica(requester).store.read { try $0.records(dataset: grant, regionPrefix: "", includeDeleted: false, limit: 1) }.first
        let others = try topology.nodes.map(\.id).filter { $0 != requester }.filter {
            (try fleet.replica($0).store.read { try $0.datasetStats()[grant]?.records } ?? 0) > 0
        }
        if let sample {
            say.line("  \(requester) holds e.g. \(sample.key): " + items.compactMap { item in sample.state.items[item].map { "\(item)=\($0.value)" } }.joined(separator: " "))
        }
        let ok = released && others.isEmpty
        say.line(ok ? "  ✓ \(expected) masked records reached \(requester) from \(topology.releasingNode(requester: requester, source: dataset.sourceNode) ?? "?") and no other node (syncnode share list, records)"
                    : "  ✗ the granted records did not reach \(requester) alone" + (others.isEmpty ? "" : ": also at \(others.joined(separator: ", "))"))
        return ok
    }
}

/// Prints the demo's narration, written at once so it interleaves well with logs.
struct Narrator {
    func step(_ text: String) { Output.line("\n" + text) }
    func line(_ text: String) { Output.line(text) }
    func write(_ text: String) { Output.write(text) }
}

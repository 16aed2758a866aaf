import Foundation
import SyncCore
import TLS

/// `syncnode status`: this node and, for each neighbour, when it was last heard and the last error.
enum StatusCommand: Command {
    static let name = "status"
    static let summary = "show this node and the health of its parent and children"
    static let details = """
        Reads the node's store directly, so it works whether or not 'serve' is running.
        For each neighbour: its role, when it was last heard, and the last error.
        --json prints the same as one JSON object for scripts.
        """
    static let flags = NodeFlags.all + [Flag("json", help: "print JSON instead of a table")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode status")
        let store = try Store(path: context.databasePath, nodeID: context.node.id, federation: context.topology.federation)
        let report = try NodeStatus.collect(context: context, store: store)
        if arguments.has("json") {
            Output.line(String(decoding: try JSON.encode(report, pretty: true) as Data, as: UTF8.self))
        } else {
            Output.write(report.rendered())
        }
        return 0
    }
}

/// A node's status as `syncnode status --json` prints it.
public struct NodeStatus: Codable, Sendable {
    public struct NodeInfo: Codable, Sendable {
        public var id: String
        public var name: String
        public var tier: String
        public var region: String
        public var federation: String
        public var url: String
    }

    public struct CertificateInfo: Codable, Sendable {
        public var notAfter: String
        public var daysLeft: Int
        public var warning: String?
    }

    public struct Peer: Codable, Sendable {
        public var id: String
        public var name: String
        /// "parent" or "child".
        public var role: String
        public var lastHeard: String?
        public var lastHeardSecondsAgo: Int?
        public var lastError: String?
        public var lastErrorAt: String?
        public var consecutiveFailures: Int
        /// Replication cursors with this neighbour, by name: pushed, pulled (child side), received (parent side).
        public var cursors: [String: Int64]
        /// Changes waiting to be sent to it.
        public var outbox: Int
        /// True when its outbox overflowed and it is owed a full resync.
        public var resyncOwed: Bool
    }

    public struct Dataset: Codable, Sendable {
        public var id: String
        public var name: String
        public var sourceNode: String
        public var records: Int
    }

    public var node: NodeInfo
    public var schemaVersion: Int
    public var certificate: CertificateInfo?
    public var peers: [Peer]
    public var datasets: [Dataset]
    /// Conflicts held here (non-authority writes), see `syncnode conflicts`.
    public var conflicts: Int

    static func collect(context: NodeContext, store: Store, now: Date = Date()) throws -> NodeStatus {
        let health = try store.peerHealth()
        let replica = try Replica(context: context, store: store)
        let cursors = try replica.cursors()
        let outboxes = try replica.outboxStates()
        let counts = try replica.recordCounts()
        let n = context.node
        var certificate: CertificateInfo?
        if let cert = try? Certificate(pemFile: context.certificateFile) {
            let days = Int(cert.notAfter.timeIntervalSince(now) / 86_400)
            certificate = CertificateInfo(notAfter: Timestamp.iso(cert.notAfter), daysLeft: days,
                                          warning: days < 0 ? "expired" : days < 30 ? "expires in \(days) days: issue a new one" : nil)
        }
        let neighbours = (context.parent.map { [($0, "parent")] } ?? []) + context.children.map { ($0, "child") }
        let peers = neighbours.map { entry, role in
            let h = health[entry.id]
            return Peer(id: entry.id, name: entry.name, role: role,
                        lastHeard: h?.lastHeardAt.map(Timestamp.iso),
                        lastHeardSecondsAgo: h?.lastHeardAt.map { max(0, Int(now.timeIntervalSince($0))) },
                        lastError: h?.lastError, lastErrorAt: h?.lastErrorAt.map(Timestamp.iso),
                        consecutiveFailures: h?.consecutiveFailures ?? 0, cursors: cursors[entry.id] ?? [:],
                        outbox: outboxes[entry.id]?.depth ?? 0, resyncOwed: outboxes[entry.id]?.resyncOwed ?? false)
        }
        let datasets = context.topology.datasets.map {
            Dataset(id: $0.id, name: $0.name, sourceNode: $0.sourceNode, records: counts[$0.id] ?? 0)
        }
        return NodeStatus(node: NodeInfo(id: n.id, name: n.name, tier: n.tier.rawValue, region: n.region.code,
                                         federation: context.topology.federation, url: n.url),
                          schemaVersion: try store.schemaVersion(), certificate: certificate, peers: peers,
                          datasets: datasets, conflicts: try replica.conflictCount())
    }

    func rendered(now: Date = Date()) -> String {
        var text = "node \(node.id) (\(node.name), \(node.tier) \(node.region)) in federation \(node.federation)\n"
        text += "  url          \(node.url)\n  schema       v\(schemaVersion)\n"
        if let c = certificate {
            text += "  certificate  expires \(c.notAfter.prefix(10)) (\(c.daysLeft) days)\(c.warning.map { "  ⚠ \($0)" } ?? "")\n"
        } else {
            text += "  certificate  not found\n"
        }
        text += "\n"
        guard !peers.isEmpty else { return text + "no neighbours\n" }
        var table = Table(["NEIGHBOUR", "ROLE", "NAME", "LAST HEARD", "OUTBOX", "CURSORS", "LAST ERROR"])
        for p in peers {
            let heard = p.lastHeardSecondsAgo.map { Timestamp.ago(now.addingTimeInterval(-Double($0)), now: now) } ?? "never"
            var error = "—"
            if let e = p.lastError, let at = p.lastErrorAt {
                error = "\(at.prefix(19).replacingOccurrences(of: "T", with: " ")) \(e.prefix(80))"
            }
            let cursors = p.cursors.keys.sorted().map { "\($0)=\(p.cursors[$0]!)" }.joined(separator: " ")
            table.add([p.id, p.role, p.name, heard, "\(p.outbox)\(p.resyncOwed ? " (resync owed)" : "")",
                       cursors.isEmpty ? "—" : cursors, error])
        }
        text += table.render()
        if !datasets.isEmpty {
            var d = Table(["DATASET", "NAME", "SOURCE", "RECORDS"])
            for ds in datasets { d.add([ds.id, ds.name, ds.sourceNode, String(ds.records)]) }
            text += "\n" + d.render()
        }
        text += "\nconflicts: \(conflicts)\(conflicts > 0 ? " (see syncnode conflicts)" : "")\n"
        return text
    }
}

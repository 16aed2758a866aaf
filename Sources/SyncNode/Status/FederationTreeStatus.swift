import Foundation
import SyncCore

/// `syncnode status --tree`: this node and every node below it, from the
/// reports that travel up with the health exchange. A node whose report is
/// older than the policy's silence threshold is marked silent.
public struct FederationTreeStatus: Encodable, Sendable {
    public struct Entry: Encodable, Sendable {
        public var id: String
        public var name: String
        public var tier: String
        public var parent: String?
        public var depth: Int
        /// ok, attention, silent, or never-reported.
        public var state: String
        public var silent: Bool
        /// Seconds since the node's report was made; nil when none arrived.
        public var ageSeconds: Int?
        public var outbox: Int?
        public var lagSeconds: Int?
        public var conflicts: Int?
        public var records: Int?
        /// Its weakest dataset's completeness and invalid rate, where it checks quality.
        public var quality: String?
        public var problems: [String]
    }

    public var root: String
    public var generatedAt: String
    public var nodes: [Entry]

    /// Whether every node is ok.
    public var allWell: Bool { nodes.allSatisfy { $0.state == "ok" } }

    public static func collect(context: NodeContext, own: NodeStatus, reports: [String: NodeSummary], now: Date = Date()) -> FederationTreeStatus {
        let topology = context.topology
        let silentAfter = topology.policy.silentAfterSeconds
        let baseDepth = topology.depth(of: context.node.id)
        var entries = [Entry(id: own.node.id, name: own.node.name, tier: own.node.tier, parent: context.node.parent, depth: 0,
                             state: own.state, silent: false, ageSeconds: 0, outbox: own.summary.outbox, lagSeconds: own.summary.lagSeconds,
                             conflicts: own.conflicts, records: own.summary.records, quality: own.summary.quality, problems: own.attention)]
        for node in topology.descendants(of: context.node.id) {
            let depth = topology.depth(of: node.id) - baseDepth
            guard let report = reports[node.id] else {
                entries.append(Entry(id: node.id, name: node.name, tier: node.tier.rawValue, parent: node.parent, depth: depth,
                                     state: "never-reported", silent: true, ageSeconds: nil, outbox: nil, lagSeconds: nil,
                                     conflicts: nil, records: nil, quality: nil, problems: ["no status report has arrived from \(node.id)"]))
                continue
            }
            let silent = report.ageSeconds > silentAfter
            entries.append(Entry(id: node.id, name: node.name, tier: node.tier.rawValue, parent: node.parent, depth: depth,
                                 state: silent ? "silent" : report.state, silent: silent, ageSeconds: report.ageSeconds,
                                 outbox: report.outbox, lagSeconds: report.lagSeconds, conflicts: report.conflicts,
                                 records: report.records, quality: report.quality,
                                 problems: (silent ? ["silent: last report \(report.ageSeconds)s ago"] : []) + report.problems))
        }
        return FederationTreeStatus(root: context.node.id, generatedAt: Timestamp.iso(now), nodes: entries)
    }

    public func rendered() -> String {
        var table = Table(["NODE", "NAME", "STATE", "REPORTED", "OUTBOX", "LAG", "CONFLICTS", "RECORDS", "QUALITY", "PROBLEMS"])
        for e in nodes {
            let indent = String(repeating: "  ", count: e.depth)
            table.add([indent + e.id, e.name, e.state, e.ageSeconds.map { "\($0)s ago" } ?? "never",
                       e.outbox.map(String.init) ?? "—", e.lagSeconds.map { "\($0)s" } ?? "—",
                       e.conflicts.map(String.init) ?? "—", e.records.map(String.init) ?? "—", e.quality ?? "—",
                       String(e.problems.joined(separator: "; ").prefix(80))])
        }
        return "federation tree below \(root) (\(nodes.count) nodes): \(allWell ? "all ok" : "needs attention")\n" + table.render()
    }
}

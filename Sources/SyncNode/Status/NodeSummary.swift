import Foundation
import SQLite
import SyncCore

/// One node's status in a line: what each node reports up the tree with its
/// health messages, so a city or the province can show its whole subtree.
public struct NodeSummary: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var tier: String
    public var region: String
    /// "ok" or "attention".
    public var state: String
    public var problems: [String]
    /// Changes waiting to be sent, over all its links.
    public var outbox: Int
    /// The longest any of them has waited.
    public var lagSeconds: Int
    public var conflicts: Int
    public var records: Int
    public var certificateDaysLeft: Int?
    /// How old the report is: 0 from the node itself, more as it is relayed.
    public var ageSeconds: Int
}

extension Store {
    /// Keeps the reports a child sent: its own and its subtree's.
    public func storeReports(_ reports: [NodeSummary], via child: String, now: Date = Date()) throws {
        try write { db in
            for report in reports {
                try db.run("""
                    INSERT INTO subtree_report(node_id, via, report, age_seconds, received_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(node_id) DO UPDATE SET via = excluded.via, report = excluded.report,
                        age_seconds = excluded.age_seconds, received_at = excluded.received_at
                    """, report.id, child, String(decoding: try JSON.encode(report) as Data, as: UTF8.self),
                    report.ageSeconds, Timestamp.millis(now))
            }
        }
    }

    /// The latest report of every node below, its age brought up to now.
    public func subtreeReports(now: Date = Date()) throws -> [String: NodeSummary] {
        try read { db in
            var reports: [String: NodeSummary] = [:]
            try db.forEach("SELECT report, age_seconds, received_at FROM subtree_report") { row in
                guard var report = try? JSON.decode(NodeSummary.self, from: Data(row.text(0).utf8)) else { return }
                let since = max(0, Int(now.timeIntervalSince(Timestamp.date(millis: row.int64(2)))))
                report.ageSeconds = row.int(1) + since
                reports[report.id] = report
            }
            return reports
        }
    }
}

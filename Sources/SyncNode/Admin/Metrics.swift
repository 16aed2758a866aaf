import Foundation
import SyncCore
import SyncEngine

/// The Prometheus text exposition (version 0.0.4) of a node's counters and
/// of gauges read from its status.
enum Metrics {
    static func prometheus(status: NodeStatus, counters: ReplicationCounters, refusals: Counter) -> String {
        let changesReceived = counters.changesReceived, changesSent = counters.changesSent, batches = counters.batches
        let errors = counters.errors
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels = sample.labels.isEmpty ? "" : "{" + sample.labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
                out += "\(name)\(labels) \(format(sample.value))\n"
            }
        }
        let node = [("node", status.node.id)]
        func byPeer(_ counter: Counter) -> [(labels: [(String, String)], value: Double)] {
            counter.snapshot.sorted { $0.key < $1.key }.map { (node + [("peer", $0.key)], Double($0.value)) }
        }
        family("syncnode_changes_received_total", "counter", "Changes received from a neighbour.", byPeer(changesReceived))
        family("syncnode_changes_sent_total", "counter", "Changes sent to a neighbour.", byPeer(changesSent))
        family("syncnode_batches_total", "counter", "Replication batches exchanged, by direction.",
               batches.snapshot.sorted { $0.key < $1.key }.map { key, value in
                   let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
                   return (node + [("peer", parts[0]), ("direction", parts.count > 1 ? parts[1] : "")], Double(value))
               })
        family("syncnode_errors_total", "counter", "Failed exchanges with a neighbour.", byPeer(errors))
        family("syncnode_refused_total", "counter",
               "Changes and batches refused or kept out, by kind (signature: a change not as its origin signed it; batch; catalog).",
               counters.refused.snapshot.sorted { $0.key < $1.key }.map { (node + [("kind", $0.key)], Double($0.value)) })
        family("syncnode_tls_refusals_total", "counter", "Peers refused at the TLS handshake or by authorization, by reason.",
               refusals.snapshot.sorted { $0.key < $1.key }.map { (node + [("reason", $0.key)], Double($0.value)) })
        family("syncnode_outbox_changes", "gauge", "Changes waiting to be sent to a neighbour (lag in changes).",
               status.peers.map { (node + [("peer", $0.id)], Double($0.outbox)) })
        family("syncnode_lag_seconds", "gauge", "How long the oldest change waiting for a neighbour has waited.",
               status.peers.map { (node + [("peer", $0.id)], Double($0.lagSeconds)) })
        family("syncnode_peer_last_heard_seconds", "gauge", "Seconds since a neighbour was last heard (-1: never).",
               status.peers.map { (node + [("peer", $0.id)], Double($0.lastHeardSecondsAgo ?? -1)) })
        family("syncnode_peer_up", "gauge", "1 when the link to a neighbour is ok, 0 otherwise.",
               status.peers.map { (node + [("peer", $0.id), ("state", $0.state.rawValue)], $0.state == .ok ? 1 : 0) })
        let copies = status.peers.flatMap { p in p.copies.map { (p.id, $0) } }
        family("syncnode_copies_differing_records", "gauge",
               "Records that differ between this node's copy and a neighbour's, by dataset, at the last comparison (0: proven equal).",
               copies.map { (node + [("peer", $0.0), ("dataset", $0.1.dataset)], Double($0.1.differing)) })
        family("syncnode_copies_proven_equal_age_seconds", "gauge",
               "Seconds since the copies of a dataset at this node and a neighbour were last proven equal (-1: never).",
               copies.map { (node + [("peer", $0.0), ("dataset", $0.1.dataset)], Double($0.1.lastProvenEqualSecondsAgo ?? -1)) })
        family("syncnode_records", "gauge", "Live records held, by dataset.",
               status.datasets.map { (node + [("dataset", $0.id)], Double($0.records)) })
        family("syncnode_dataset_completeness_ratio", "gauge", "Share of rows written here with every item filled, by dataset (0-1).",
               status.datasets.compactMap { d in d.quality.map { (node + [("dataset", d.id)], $0.completeness) } })
        family("syncnode_dataset_invalid_ratio", "gauge", "Share of rows written here that a quality rule flagged, by dataset (0-1).",
               status.datasets.compactMap { d in d.quality.map { (node + [("dataset", d.id)], $0.invalidRate) } })
        family("syncnode_conflicts", "gauge", "Conflicts held at this node.", [(node, Double(status.conflicts))])
        family("syncnode_share_requests", "gauge", "Share requests made, answered or filed here, by status (overdue: pending past the deadline).",
               (ShareStatus.allCases.map(\.rawValue) + ["overdue"]).map { (node + [("status", $0)], Double(status.shares[$0] ?? 0)) })
        family("syncnode_corrections", "gauge", "Corrections and rectification notices held here, by status (overdue, escalated: open past the deadline, past the extension).",
               (CorrectionStatus.allCases.map(\.rawValue) + ["overdue", "escalated"]).map { (node + [("status", $0)], Double(status.corrections[$0] ?? 0)) })
        family("syncnode_certificate_days_left", "gauge", "Days until this node's certificate expires.",
               status.certificate.map { [(node, Double($0.daysLeft))] } ?? [])
        family("syncnode_clock_correction_seconds", "gauge", "Seconds added to this machine's clock to match the parent's.",
               [(node, status.clock.correctionSeconds)])
        family("syncnode_peer_clock_skew_seconds", "gauge", "A neighbour's clock minus this node's, from the last health exchange.",
               status.peers.compactMap { peer in peer.clockSkewSeconds.map { (node + [("peer", peer.id)], $0) } })
        family("syncnode_database_bytes", "gauge", "Size of the node's database (and its write-ahead log).", [(node, Double(status.storage.databaseBytes))])
        family("syncnode_disk_free_bytes", "gauge", "Free space on the disk holding the data directory.",
               status.storage.freeDiskBytes.map { [(node, Double($0))] } ?? [])
        family("syncnode_attention", "gauge", "Things in status that need an operator's attention (0 when all is well).",
               [(node, Double(status.attention.count))])
        family("syncnode_backup_age_seconds", "gauge", "Seconds since this node last made a backup.",
               status.backups.lastBackupHoursAgo.map { [(node, $0 * 3600)] } ?? [])
        family("syncnode_offsite_backup_age_seconds", "gauge", "Seconds since this node's newest off-site copy reached its parent.",
               status.backups.lastOffsiteCopyHoursAgo.map { [(node, $0 * 3600)] } ?? [])
        family("syncnode_offsite_copies_kept", "gauge", "Off-site copies this node keeps for a child.",
               status.backups.keptForChildren.map { (node + [("child", $0.child)], Double($0.copies)) })
        return out
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

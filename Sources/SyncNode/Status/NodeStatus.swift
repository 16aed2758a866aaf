import Foundation
import SyncCore
import SyncEngine
import SyncStore
import TLS

/// A node's status as `syncnode status --json` prints it and the dashboard shows it.
public struct NodeStatus: Encodable, Sendable {
    public struct NodeInfo: Encodable, Sendable {
        public var id: String
        public var name: String
        public var tier: String
        public var region: String
        public var federation: String
        public var url: String
    }

    public struct CertificateInfo: Encodable, Sendable {
        public var notAfter: String
        public var daysLeft: Int
        public var warning: String?
        /// The serial number (of this node's own certificate file).
        public var serial: String?

        init(notAfter: Date, now: Date, whose: String, serial: String? = nil) {
            self.serial = serial
            self.notAfter = Timestamp.iso(notAfter)
            daysLeft = Int(notAfter.timeIntervalSince(now) / 86_400)
            warning = daysLeft < 0 ? "\(whose) certificate has expired: issue a new one (syncnode cert issue)"
                : daysLeft < 30 ? "\(whose) certificate expires in \(daysLeft) days: issue a new one (syncnode cert issue)" : nil
        }
    }

    public struct Peer: Encodable, Sendable {
        public var id: String
        public var name: String
        /// "parent" or "child".
        public var role: String
        /// What flows on the link, from this node's side.
        public var direction: String
        public var state: PeerState
        public var lastHeard: String?
        public var lastHeardSecondsAgo: Int?
        public var lastError: String?
        public var lastErrorAt: String?
        public var consecutiveFailures: Int
        /// True while this node retries a failing link (with backoff).
        public var retrying: Bool
        /// Replication cursors with this neighbour: pushed, pulled (child side), received, delivered (parent side).
        public var cursors: [String: Int64]
        /// Lag in changes: changes waiting to be sent to it.
        public var outbox: Int
        /// Lag in seconds: how long the oldest waiting change has waited.
        public var lagSeconds: Int
        public var resyncOwed: Bool
        public var certificate: CertificateInfo?
        /// The neighbour's clock minus this node's, in seconds, from the last health exchange
        /// (a child's as it stamps; the parent's before this node corrected its own).
        public var clockSkewSeconds: Double?
        /// What the comparisons of the copies both must hold found, per dataset (anti-entropy).
        public var copies: [Copies]
    }

    /// One dataset's copies at this node and a neighbour, as the last comparison found them.
    public struct Copies: Encodable, Sendable {
        public var dataset: String
        /// Records both must hold, as this node counted them.
        public var records: Int
        /// Records that differ and are not yet proven repaired (0: the copies agree).
        public var differing: Int
        public var lastChecked: String
        /// When the two copies were last proven equal; nil if never.
        public var lastProvenEqual: String?
        public var lastCheckedSecondsAgo: Int
        public var lastProvenEqualSecondsAgo: Int?
        public var note: String?
    }

    /// This node's clock against the federation's.
    public struct ClockInfo: Encodable, Sendable {
        /// Seconds added to this machine's clock to match the parent's (0 at the root).
        public var correctionSeconds: Double
    }

    public struct Dataset: Encodable, Sendable {
        public var id: String
        public var name: String
        public var sourceNode: String
        public var records: Int
        public var lastUpdate: String?
        /// True when the dataset has been withdrawn (下架): copies are kept, records no longer flow.
        public var withdrawn: Bool
        /// The catalog entry's update frequency (更新频率), when it has one.
        public var updateFrequency: String?
        /// When the dataset's authority last wrote a record (its stamp's time).
        public var lastAuthorityWrite: String?
        /// on-time, due-soon, overdue or no-data against the declared frequency.
        public var frequencyStatus: FrequencyStatus?
        /// Quality as checked where rows entered here (the source): rows checked, flagged, incomplete.
        public var quality: Quality?
    }

    /// A dataset's quality figures (坪山 §16): completeness and invalid rate of the rows written here.
    public struct Quality: Encodable, Sendable {
        public var checked: Int
        public var flagged: Int
        public var incomplete: Int
        /// Share of rows with every item filled, 0…1.
        public var completeness: Double
        /// Share of rows a `flag` rule counted, 0…1.
        public var invalidRate: Double

        var text: String { String(format: "%.1f%% complete, %.1f%% invalid", completeness * 100, invalidRate * 100) }
    }

    /// The certificate the running node presents, as it last recorded.
    public struct InUse: Encodable, Sendable {
        public var serial: String
        public var notAfter: String?
        public var fingerprint: String?
    }

    public var node: NodeInfo
    public var generatedAt: String
    public var schemaVersion: Int
    public var certificate: CertificateInfo?
    /// The certificate the running node presents (it picks up renewed files without a restart).
    public var certificateInUse: InUse?
    /// The number of the federation CA's revocation list this node holds (0: none yet).
    public var revocationList: Int64
    public var peers: [Peer]
    public var datasets: [Dataset]
    /// Conflicts held here (non-authority writes), see `syncnode conflicts`.
    public var conflicts: Int
    /// Of those, the ones addressed to this node as the authority: its to answer.
    public var conflictsForThisNode: Int
    /// Share requests (有条件共享) made, answered or filed here, by status; `overdue` counts the pending past their deadline.
    public var shares: [String: Int]
    /// Corrections and rectification notices filed, answered or held here, by status; `overdue` and
    /// `escalated` count the open ones past their deadline and past the extension.
    public var corrections: [String: Int]
    /// Backups made here, off-site copies sent up and kept for children.
    public var backups: BackupStatus
    public var clock: ClockInfo
    /// The database's size and the disk's free space.
    public var storage: StorageStatus
    /// What needs an operator's attention; empty when all is well.
    public var attention: [String]

    /// "ok" or "attention".
    public var state: String { attention.isEmpty ? "ok" : "attention" }

    /// Gathers the status from the node's store and certificate files.
    public static func collect(context: NodeContext, replica: Replica, now: Date = Date()) throws -> NodeStatus {
        let policy = context.topology.policy
        let facts = try replica.store.read { r in
            (health: try r.peerHealth(), cursors: try r.cursors(), outboxes: try r.outboxStates(), stats: try r.datasetStats(),
             catalog: try r.catalogEntries(), conflicts: try r.conflictCounts(authority: context.node.id),
             schema: try r.schemaVersion(), alarms: try r.alarms(), crl: try r.revocationList()?.number ?? 0,
             digests: Dictionary(grouping: try r.linkDigests(), by: \.peer),
             meta: try Dictionary(uniqueKeysWithValues: (["backup.lastAt", "offsite.lastAt", FederationClock.correctionKey, SQLiteStore.sizeLimitKey]
                + context.topology.neighbours(of: context.node.id).map { FederationClock.skewKeyPrefix + $0.id }).map { ($0, try r.nodeMeta($0)) }),
             inUse: try r.nodeMeta("certificate.serial").map { InUse(serial: $0, notAfter: try r.nodeMeta("certificate.notAfter"),
                                                                   fingerprint: try r.nodeMeta("certificate.fingerprint")) },
             oldest: try Dictionary(uniqueKeysWithValues: context.topology.neighbours(of: context.node.id).map { ($0.id, try r.oldestWaiting(peer: $0.id)) }))
        }
        var attention: [String] = []
        let certificate = (try? Certificate(pemFile: context.certificateFile)).map {
            CertificateInfo(notAfter: $0.notAfter, now: now, whose: "this node's", serial: $0.serial)
        }
        if certificate == nil { attention.append("this node's certificate \(context.certificateFile) cannot be read") }
        if let warning = certificate?.warning { attention.append(warning) }
        if let inUse = facts.inUse, let file = certificate?.serial, inUse.serial != file {
            attention.append("the certificate file (serial \(file)) is not the one the node presents (serial \(inUse.serial)): a running node picks it up within seconds; if not, see credentials_not_loaded in its log")
        }

        let neighbours = (context.parent.map { [($0, "parent")] } ?? []) + context.children.map { ($0, "child") }
        func secondsAgo(_ millis: Int64) -> Int { max(0, Int(min(now.timeIntervalSince(Timestamp.date(millis: millis)), 1e9))) }
        var peers: [Peer] = []
        for (entry, role) in neighbours {
            let h = facts.health[entry.id]
            let heardAgo = h?.lastHeardAt.map { max(0, Int(min(now.timeIntervalSince($0), 1e9))) }
            let failing = (h?.consecutiveFailures ?? 0) > 0 && (h?.lastErrorAt ?? .distantPast) >= (h?.lastHeardAt ?? .distantPast)
            let waiting = facts.outboxes[entry.id]?.depth ?? 0
            let oldest = (facts.oldest[entry.id] ?? nil).map { max(0, Int(min(now.timeIntervalSince(Timestamp.date(millis: $0)), 1e9))) }
            let resync = facts.outboxes[entry.id]?.resyncOwed ?? false
            let copies = (facts.digests[entry.id] ?? []).map {
                Copies(dataset: $0.dataset, records: $0.records, differing: $0.differing, lastChecked: Timestamp.iso(Timestamp.date(millis: $0.checkedAt)),
                       lastProvenEqual: $0.equalAt.map { Timestamp.iso(Timestamp.date(millis: $0)) },
                       lastCheckedSecondsAgo: secondsAgo($0.checkedAt), lastProvenEqualSecondsAgo: $0.equalAt.map(secondsAgo), note: $0.note)
            }
            let diverged = copies.filter { $0.differing > 0 }
            let state = PeerState.assess(lastHeardSecondsAgo: heardAgo, failingSinceHeard: failing, waiting: waiting,
                                         oldestWaitingSeconds: oldest, resyncOwed: resync, diverged: !diverged.isEmpty, policy: policy)
            for d in diverged {
                attention.append("\(role) \(entry.id): dataset \(d.dataset) diverged, \(d.differing) of \(d.records) records differ"
                                 + (d.note.map { ": \($0)" } ?? " (being repaired; the next comparison proves it)"))
            }
            let cert = h?.certificateNotAfter.map { CertificateInfo(notAfter: $0, now: now, whose: "\(entry.id)'s") }
            if state != .ok && state != .diverged { attention.append("\(role) \(entry.id) is \(state.rawValue)" + (h?.lastError.map { ": \($0)" } ?? "")) }
            let skew = (facts.meta[FederationClock.skewKeyPrefix + entry.id] ?? nil).flatMap { Int64($0) }.map { Double($0) / 1000 }
            if role == "child", let skew, abs(skew) > Double(policy.maxClockSkewSeconds) {
                attention.append("child \(entry.id)'s clock is \(Int(abs(skew))) s \(skew > 0 ? "ahead of" : "behind") this node's: its changes stamped ahead are refused until it corrects (it does at its next health exchange)")
            }
            if let warning = cert?.warning { attention.append(warning) }
            peers.append(Peer(id: entry.id, name: entry.name, role: role,
                              direction: role == "parent" ? "this node pushes up and pulls down" : "this node serves its pushes and pulls",
                              state: state, lastHeard: h?.lastHeardAt.map(Timestamp.iso), lastHeardSecondsAgo: heardAgo,
                              lastError: h?.lastError, lastErrorAt: h?.lastErrorAt.map(Timestamp.iso),
                              consecutiveFailures: h?.consecutiveFailures ?? 0, retrying: failing && role == "parent",
                              cursors: facts.cursors[entry.id] ?? [:], outbox: waiting, lagSeconds: oldest ?? 0, resyncOwed: resync,
                              certificate: cert, clockSkewSeconds: skew, copies: copies))
        }
        let stats = facts.stats
        let frequencies = Dictionary(facts.catalog.map { ($0.id, $0.updateFrequency) }, uniquingKeysWith: { a, _ in a })
        let quality = try replica.qualityFigures()
        let datasets = try replica.datasets().map { known in
            let d = known.definition
            let lastWrite = stats[d.id].flatMap { $0.lastWrite > 0 ? Timestamp.date(millis: $0.lastWrite) : nil }
            let frequency = frequencies[d.id]
            // Judged where it can be: at the source, or where its records are held.
            let judged = !known.withdrawn && (d.sourceNode == context.node.id || (stats[d.id]?.records ?? 0) > 0)
            let freshness = frequency.flatMap { judged ? FrequencyStatus.assess(lastWrite: lastWrite, frequency: $0, now: now) : nil }
            if d.sourceNode == context.node.id, let freshness, freshness == .overdue || freshness == .dueSoon {
                attention.append("dataset \(d.id) is \(freshness.rawValue): declared \(frequency!), last written \(lastWrite.map { Timestamp.ago($0, now: now) } ?? "never")")
            }
            return Dataset(id: d.id, name: d.name, sourceNode: d.sourceNode, records: stats[d.id]?.records ?? 0,
                           lastUpdate: stats[d.id].map { Timestamp.iso(Timestamp.date(millis: $0.lastUpdate)) }, withdrawn: known.withdrawn,
                           updateFrequency: frequency, lastAuthorityWrite: lastWrite.map(Timestamp.iso), frequencyStatus: freshness,
                           quality: quality[d.id].map { Quality(checked: $0.checked, flagged: $0.flagged, incomplete: $0.incomplete,
                                                                completeness: $0.completeness, invalidRate: $0.invalidRate) })
        }
        let shareViews = try ShareView.all(replica)
        var shares = Dictionary(grouping: shareViews, by: \.status).mapValues(\.count)
        shares["overdue"] = shareViews.filter(\.overdue).count
        attention += ShareView.attention(shareViews, node: context.node.id)
        let correctionViews = try CorrectionView.all(replica)
        var corrections = Dictionary(grouping: correctionViews, by: \.status).mapValues(\.count)
        corrections["overdue"] = correctionViews.filter(\.overdue).count
        corrections["escalated"] = correctionViews.filter(\.escalated).count
        attention += CorrectionView.attention(correctionViews)
        if facts.conflicts.addressed > 0 {
            attention.append("\(facts.conflicts.addressed) conflict(s) addressed to this node as the authority (syncnode conflicts)")
        }
        let correction = Double((facts.meta[FederationClock.correctionKey] ?? nil).flatMap { Int64($0) } ?? 0) / 1000
        if abs(correction) > 60, let parent = context.parent {
            attention.append("this machine's clock is \(Timestamp.span(abs(correction))) \(correction < 0 ? "ahead of" : "behind") \(parent.id)'s: syncnode corrects its stamps, but fix the system clock (NTP)")
        }
        let storage = StorageStatus.collect(context: context, limitMiB: facts.meta[SQLiteStore.sizeLimitKey] ?? nil, policy: policy)
        attention += storage.attention
        let backups = BackupStatus.collect(context: context, meta: { facts.meta[$0] ?? nil }, now: now)
        attention += backups.attention
        for alarm in facts.alarms {
            attention.append("\(alarm.message) (\(alarm.count)×, last \(Timestamp.ago(Timestamp.date(millis: alarm.lastAt), now: now)))")
        }
        let n = context.node
        return NodeStatus(node: NodeInfo(id: n.id, name: n.name, tier: n.tier.rawValue, region: n.region.code,
                                         federation: context.topology.federation, url: n.url),
                          generatedAt: Timestamp.iso(now), schemaVersion: facts.schema, certificate: certificate,
                          certificateInUse: facts.inUse, revocationList: facts.crl,
                          peers: peers, datasets: datasets, conflicts: facts.conflicts.held, conflictsForThisNode: facts.conflicts.addressed,
                          shares: shares, corrections: corrections, backups: backups.status, clock: ClockInfo(correctionSeconds: correction),
                          storage: storage.status, attention: attention)
    }

    /// This node's health message for its parent: its status and its subtree's reports.
    public static func healthMessage(context: NodeContext, replica: Replica) throws -> HealthMessage {
        let own = try collect(context: context, replica: replica).summary
        let below = try replica.store.read { try $0.subtreeReports(now: Date()) }.values.sorted { $0.id < $1.id }
        return HealthMessage(node: context.node.id, time: replica.wallClock.millis(), version: SyncNodeVersion.current,
                             reports: [own] + below, auditHead: try signedAuditHead(context: context, replica: replica))
    }

    /// The newest entry of this node's audit log, signed with its key: the parent keeps it, so this
    /// node cannot rewrite its history unnoticed. Nil before the first entry, or when the key cannot sign.
    static func signedAuditHead(context: NodeContext, replica: Replica) throws -> AuditHead? {
        guard let last = try replica.store.read({ try $0.lastAuditEntry() }),
              let signature = try? PrivateKey(pemFile: context.keyFile).sign(AuditHead.message(node: context.node.id, seq: last.seq, hash: last.hash)) else {
            return nil
        }
        return AuditHead(seq: last.seq, hash: last.hash, signature: Hex.string(signature))
    }

    /// The human table.
    public func rendered(now: Date = Date()) -> String {
        var text = "node \(node.id) (\(node.name), \(node.tier) \(node.region)) in federation \(node.federation): \(state)\n"
        text += "  url          \(node.url)\n  schema       v\(schemaVersion)\n"
        if let c = certificate {
            text += "  certificate  expires \(c.notAfter.prefix(10)) (\(c.daysLeft) days), serial \(c.serial ?? "?")\(c.warning.map { "  ⚠ \($0)" } ?? "")\n"
        }
        if let inUse = certificateInUse { text += "  presenting   serial \(inUse.serial)\(inUse.notAfter.map { ", expires \($0.prefix(10))" } ?? "")\n" }
        text += "  revocations  \(revocationList == 0 ? "no list yet" : "list number \(revocationList)")\n"
        text += backups.rendered(now: now)
        text += String(format: "  storage      database %.1f MiB%@; %@ free on its disk\n", Double(storage.databaseBytes) / 1048576,
                       storage.limitBytes.map { " of \($0 >> 20) MiB allowed" } ?? "", storage.freeDiskBytes.map { "\($0 >> 20) MiB" } ?? "?")
        if clock.correctionSeconds != 0 {
            text += "  clock        corrected by \(String(format: "%+.1f", clock.correctionSeconds)) s to the parent's\n"
        }
        text += "\n"
        if !peers.isEmpty {
            var table = Table(["NEIGHBOUR", "ROLE", "NAME", "STATE", "LAST HEARD", "LAG", "CLOCK", "CURSORS", "LAST ERROR"])
            for p in peers {
                let heard = p.lastHeardSecondsAgo.map { Timestamp.ago(now.addingTimeInterval(-Double($0)), now: now) } ?? "never"
                var error = "—"
                if let e = p.lastError, let at = p.lastErrorAt {
                    error = "\(at.prefix(19).replacingOccurrences(of: "T", with: " ")) \(e.prefix(70))"
                }
                let cursors = p.cursors.keys.sorted().map { "\($0)=\(p.cursors[$0]!)" }.joined(separator: " ")
                let state = p.state.rawValue + (p.retrying ? " (retrying, \(p.consecutiveFailures) failures)" : "")
                table.add([p.id, p.role, p.name, state, heard, "\(p.outbox) changes, \(p.lagSeconds)s",
                           p.clockSkewSeconds.map { String(format: "%+.1fs", $0) } ?? "—",
                           cursors.isEmpty ? "—" : cursors, error])
            }
            text += table.render()
            let copies = peers.flatMap { p in p.copies.map { (p.id, $0) } }
            if !copies.isEmpty {
                var c = Table(["NEIGHBOUR", "DATASET", "RECORDS", "COPIES", "LAST PROVEN EQUAL", "LAST COMPARED"])
                func ago(_ seconds: Int?) -> String { seconds.map { Timestamp.ago(now.addingTimeInterval(-Double($0)), now: now) } ?? "never" }
                for (peer, copy) in copies {
                    c.add([peer, copy.dataset, String(copy.records), copy.differing == 0 ? "equal" : "diverged: \(copy.differing) differ",
                           ago(copy.lastProvenEqualSecondsAgo), ago(copy.lastCheckedSecondsAgo)])
                }
                text += "\n" + c.render()
            }
        } else {
            text += "no neighbours\n"
        }
        if !datasets.isEmpty {
            var d = Table(["DATASET", "NAME", "SOURCE", "RECORDS", "LAST UPDATE", "FREQUENCY", "QUALITY"])
            for ds in datasets {
                d.add([ds.id + (ds.withdrawn ? " (withdrawn 下架)" : ""), ds.name, ds.sourceNode, String(ds.records),
                       ds.lastUpdate.map { String($0.prefix(19)).replacingOccurrences(of: "T", with: " ") } ?? "—",
                       ds.frequencyStatus.map { "\(ds.updateFrequency ?? ""): \($0.rawValue)" } ?? "—", ds.quality?.text ?? "—"])
            }
            text += "\n" + d.render()
        }
        text += "\nconflicts: \(conflicts) held here, \(conflictsForThisNode) addressed to this node\(conflicts > 0 ? " (syncnode conflicts)" : "")\n"
        let shareCount = shares.filter { $0.key != "overdue" }.values.reduce(0, +)
        if shareCount > 0 {
            let parts = ShareStatus.allCases.compactMap { s in shares[s.rawValue].map { "\($0) \(s.rawValue)" } }
            text += "share requests: \(parts.joined(separator: ", "))\((shares["overdue"] ?? 0) > 0 ? ", \(shares["overdue"]!) overdue" : "") (syncnode share list)\n"
        }
        if corrections.values.reduce(0, +) > 0 {
            let parts = CorrectionStatus.allCases.compactMap { s in corrections[s.rawValue].map { "\($0) \(s.rawValue)" } }
                + ["overdue", "escalated"].compactMap { k in (corrections[k] ?? 0) > 0 ? "\(corrections[k]!) \(k)" : nil }
            text += "corrections: \(parts.joined(separator: ", ")) (syncnode corrections list)\n"
        }
        if !attention.isEmpty {
            text += "\nneeds attention:\n" + attention.map { "  ⚠ \($0)\n" }.joined()
        }
        return text
    }

    /// This node's line in its ancestors' tree views.
    public var summary: NodeSummary {
        NodeSummary(id: node.id, name: node.name, tier: node.tier, region: node.region, state: state, problems: attention,
                    outbox: peers.reduce(0) { $0 + $1.outbox }, lagSeconds: peers.map(\.lagSeconds).max() ?? 0,
                    conflicts: conflicts, records: datasets.reduce(0) { $0 + $1.records },
                    certificateDaysLeft: certificate?.daysLeft, ageSeconds: 0,
                    quality: datasets.filter { $0.quality != nil }.min { ($0.quality!.completeness - $0.quality!.invalidRate) < ($1.quality!.completeness - $1.quality!.invalidRate) }
                        .map { "\($0.id) \($0.quality!.text)" })
    }
}

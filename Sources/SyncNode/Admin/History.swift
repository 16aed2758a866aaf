import Foundation
import Synchronization
import SyncCore
import SyncEngine

/// One sample of a node's state, for the dashboard's charts and `/api/history`.
public struct HistorySample: Encodable, Sendable {
    public struct Peer: Encodable, Sendable {
        public var state: String
        /// Changes waiting for it.
        public var outbox: Int
        public var lagSeconds: Int
        /// Changes received from it and sent to it since the sample before.
        public var changesIn: Int
        public var changesOut: Int
    }

    /// When (RFC 3339) and in milliseconds.
    public var at: String
    public var millis: Int64
    public var peers: [String: Peer]
    /// Live records per dataset.
    public var records: [String: Int]
    public var conflicts: Int
    /// Share requests pending and corrections open, here.
    public var openTickets: Int
}

/// A bounded ring of samples kept in memory (one a minute for a day by
/// default), the recent errors of each neighbour, and the records per region
/// of each dataset: what the dashboard draws from without scanning records.
/// Prometheus is the place for long-term series.
public final class History: Sendable {
    public struct PeerError: Encodable, Sendable, Equatable {
        public var at: String
        public var error: String
    }

    /// Most samples kept.
    public let capacity: Int
    private let samples = Mutex<[HistorySample]>([])
    private let previous = Mutex<(received: [String: Int], sent: [String: Int])>(([:], [:]))
    private let errors = Mutex<[String: [PeerError]]>([:])
    private let regions = Mutex<(at: Date, counts: [String: [String: Int]])>((.distantPast, [:]))
    private let countedTotals = Mutex<[String: Int]>([:])

    public init(capacity: Int = 1440) {
        self.capacity = max(2, capacity)
    }

    /// The samples, oldest first.
    public var all: [HistorySample] { samples.withLock { $0 } }

    /// A neighbour's recent errors, newest first.
    public func errors(of peer: String) -> [PeerError] { errors.withLock { $0[peer] ?? [] } }

    /// Records per region of `dataset`, as last counted, and when.
    public func regionCounts(_ dataset: String) -> (at: Date, counts: [String: Int])? {
        regions.withLock { state in state.counts[dataset].map { (state.at, $0) } }
    }

    /// What a sample records of one neighbour.
    public struct PeerReading: Sendable {
        public var id: String
        public var state: String
        public var outbox: Int
        public var lagSeconds: Int
        public var lastError: String?
        public var lastErrorAt: String?
    }

    /// Takes a sample from `status` and the engine's counters.
    public func record(_ status: NodeStatus, counters: ReplicationCounters, now: Date = Date()) {
        let open = (status.shares["pending"] ?? 0) + CorrectionStatus.allCases.filter(\.isOpen).reduce(0) { $0 + (status.corrections[$1.rawValue] ?? 0) }
        record(peers: status.peers.map { PeerReading(id: $0.id, state: $0.state.rawValue, outbox: $0.outbox, lagSeconds: $0.lagSeconds,
                                                     lastError: $0.lastError, lastErrorAt: $0.lastErrorAt) },
               records: Dictionary(status.datasets.map { ($0.id, $0.records) }, uniquingKeysWith: { a, _ in a }),
               conflicts: status.conflicts, openTickets: open, counters: counters, now: now)
    }

    /// Takes a sample of these readings; changes in and out are the counters' moves since the sample before.
    public func record(peers readings: [PeerReading], records: [String: Int], conflicts: Int, openTickets: Int,
                       counters: ReplicationCounters, now: Date = Date()) {
        let received = counters.changesReceived.snapshot, sent = counters.changesSent.snapshot
        let before = previous.withLock { old in
            defer { old = (received, sent) }
            return old
        }
        var peers: [String: HistorySample.Peer] = [:]
        for peer in readings {
            peers[peer.id] = HistorySample.Peer(state: peer.state, outbox: peer.outbox, lagSeconds: peer.lagSeconds,
                                                changesIn: max(0, (received[peer.id] ?? 0) - (before.received[peer.id] ?? 0)),
                                                changesOut: max(0, (sent[peer.id] ?? 0) - (before.sent[peer.id] ?? 0)))
            if let error = peer.lastError, let at = peer.lastErrorAt {
                errors.withLock { all in
                    var list = all[peer.id] ?? []
                    if list.first?.at != at {
                        list.insert(PeerError(at: at, error: String(error.prefix(500))), at: 0)
                        all[peer.id] = Array(list.prefix(20))
                    }
                }
            }
        }
        let sample = HistorySample(at: Timestamp.iso(now), millis: Int64(now.timeIntervalSince1970 * 1000), peers: peers,
                                   records: records, conflicts: conflicts, openTickets: openTickets)
        samples.withLock { ring in
            ring.append(sample)
            if ring.count > capacity { ring.removeFirst(ring.count - capacity) }
        }
    }

    /// Counts records per region of every dataset (it reads the record index, so it runs in the
    /// sampler, never when a page is served): when the totals moved and a minute has passed, or
    /// every `every` seconds.
    public func countRegions(_ replica: Replica, totals: [String: Int], every: TimeInterval, now: Date = Date()) throws {
        let age = now.timeIntervalSince(regions.withLock { $0.at })
        let moved = countedTotals.withLock { $0 } != totals
        guard age >= every || (moved && age >= 60) else { return }
        countedTotals.withLock { $0 = totals }
        let ids = try replica.datasets().map(\.definition.id)
        let counts = try replica.store.read { reader in
            try Dictionary(uniqueKeysWithValues: ids.map { ($0, try reader.recordCountsByRegion(dataset: $0)) })
        }
        regions.withLock { $0 = (now, counts) }
    }

    /// One series of the samples, oldest first.
    public func series(_ value: (HistorySample) -> Double?) -> [Double] {
        all.compactMap(value)
    }
}

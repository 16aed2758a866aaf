import Foundation
public import SyncCore

/// The parent's side of the protocol: what it does with a child's push and
/// pull. The caller is always the child its verified certificate names: what
/// it may send and what it gets are decided from that identity alone, never
/// from anything in the request. HTTP endpoints and the in-process channel of
/// engine tests both call this.
public struct ReplicationServer: Sendable {
    public let replica: Replica
    /// Whether the node is shutting down (long-polls answer at once then).
    public let isStopping: @Sendable () -> Bool

    /// Pushes decoded and applied at once. Applying is serial (one writer), so more than a few
    /// in flight only holds decoded batches in memory: a hub with a hundred children pushing at
    /// once keeps its memory to a few batches, and the rest wait in line.
    private let applying: DispatchSemaphore
    /// Longest a push waits in that line before it is answered "busy, retry".
    private let applyWait: Double
    /// Pushes sent ahead wait here for the push before them to be applied.
    private let turns = PushTurns()

    public init(replica: Replica, isStopping: @escaping @Sendable () -> Bool = { false },
                concurrentPushes: Int = 2, applyWait: Double = 30) {
        self.replica = replica
        self.isStopping = isStopping
        applying = DispatchSemaphore(value: max(1, concurrentPushes))
        self.applyWait = applyWait
    }

    private func requireChild(_ peer: String, _ what: String) throws {
        guard replica.topology.parent(of: peer)?.id == replica.nodeID else {
            throw ReplicationError("only children \(what); \(peer) is not a child of \(replica.nodeID)", kind: .forbidden)
        }
    }

    /// `POST /v1/push` from child `peer`: applies what is new (at or below the
    /// `received` cursor is skipped) and answers the highest child sequence
    /// number this node holds durably. A resync page (whole states, seq 0)
    /// leaves the cursor where it is.
    public func push(from peer: String, body: [UInt8]) throws -> PushAnswer {
        try requireChild(peer, "push")
        try enterLine()
        var inLine = true
        defer { if inLine { applying.signal() } }
        let batch: Batch
        do { batch = try Batch.decode(body) } catch {
            throw ReplicationError("the body of POST \(Endpoint.push) is not valid: \(error)", kind: .invalid)
        }
        var received = try replica.store.read { try $0.cursor(peer: peer, name: "received") }
        if let after = batch.after, after > received {
            // Sent ahead: decoded while the batch before it is applied; its turn comes when that one is in.
            // Its place in the line is given back meanwhile, so batches waiting never block the ones they wait for.
            applying.signal()
            inLine = false
            turns.wait(until: Date().addingTimeInterval(10)) { try replica.store.read { try $0.cursor(peer: peer, name: "received") } >= after }
            try enterLine()
            inLine = true
            received = try replica.store.read { try $0.cursor(peer: peer, name: "received") }
            // The batch before it never came in: answer what is held; the child sends again from there.
            guard received >= after else { return PushAnswer(received: received) }
        }
        if batch.resync != nil {
            try apply(batch.entries, from: peer, cursor: ("received", received), what: "resync page")
            return PushAnswer(received: received)
        }
        // Sequence numbers rise within a batch (Batch.decode checks it), so what is new is a suffix:
        // most often the whole batch, passed on as it is rather than copied entry by entry.
        let firstFresh = batch.entries.firstIndex { $0.seq > received } ?? batch.entries.endIndex
        let fresh = firstFresh == batch.entries.startIndex ? batch.entries : Array(batch.entries[firstFresh...])
        let highest = batch.entries.last?.seq ?? received
        if !fresh.isEmpty {
            try apply(fresh, from: peer, cursor: ("received", highest), what: "batch")
            turns.advance()
            replica.counters.changesReceived.increment(peer, by: fresh.count)
            replica.counters.batches.increment("\(peer)|push_in")
        }
        return PushAnswer(received: max(received, highest))
    }

    /// Takes a place in the line of pushes being decoded and applied, or answers "busy".
    private func enterLine() throws {
        guard applying.wait(timeout: .now() + applyWait) == .success else {
            throw ReplicationError("\(replica.nodeID) is busy applying other children's pushes; nothing was applied, push again shortly",
                                   kind: .busy)
        }
    }

    private func apply(_ entries: [BatchEntry], from peer: String, cursor: (name: String, value: Int64), what: String) throws {
        let audit = { (stats: ApplyStats) -> AuditDraft? in
            let datasets = Set(entries.map(\.change.change.dataset)).sorted()
            return AuditDraft(by: Replica.nodeOperator, action: "push served", subject: peer,
                              detail: "\(what): \(entries.count) changes (\(stats.applied) applied) of \(datasets.prefix(20).joined(separator: ", "))\(datasets.count > 20 ? ", …" : "")"
                                + (entries.first.map { "; positions \($0.seq)…\(entries.last!.seq)" } ?? ""))
        }
        do { try replica.apply(entries, from: peer, cursor: cursor, audit: audit) } catch let error as ReplicationError {
            replica.counters.refused.increment("batch")
            throw ReplicationError("\(what) refused, nothing applied: \(error.message)", kind: error.kind)
        }
    }

    /// `GET /v1/pull` by child `peer`: acknowledges what the child holds (it
    /// asks after it), then answers the next page — of a full resync when one
    /// is owed, else of the outbox, waiting up to `wait` seconds for changes.
    /// Returns the batch body.
    public func pull(for peer: String, _ request: PullRequest) throws -> [UInt8] {
        try requireChild(peer, "pull")
        let now = replica.wallClock.millis()
        // Acknowledgement only: lost in a power cut, the child asks after the same position again
        // (its cursor is durable with its data) and the entries it holds are not sent twice.
        let state = try replica.store.write(.processCrash) { tx -> OutboxState? in
            if let why = try regression(of: peer, request, tx) {
                try tx.dropOutbox(peer: peer, at: now)
                try tx.resetCursor(peer: peer, name: "delivered", value: min(request.after, try tx.lastLogSeq()), at: now)
                try tx.raiseAlarm(kind: "resync", subject: peer, message: why, at: now)
            } else {
                try tx.acknowledge(peer: peer, upTo: request.after)
                try tx.setCursor(peer: peer, name: "delivered", value: request.after, at: now)
            }
            return try tx.outboxStates()[peer]
        }
        let resync = ResyncService(replica: replica)
        if let state, state.resyncOwed {
            if request.resync == .complete {
                try resync.finish(for: peer)
            } else {
                var position: ResyncPosition?
                if case .next(let p) = request.resync { position = p }
                let page = try resync.page(for: peer, after: position, limit: request.limit, returning: request.recover)
                // `last` is where the child's cursor goes once the resync is complete: what was logged
                // after that point is in its outbox.
                return Batch.encode(page.entries, last: state.resyncFrom ?? request.after, resync: page.next)
            }
        }
        let deadline = Date().addingTimeInterval(request.wait)
        while true {
            let seen = replica.signal.current
            let entries = try replica.store.read { try $0.outbox(peer: peer, after: request.after, limit: request.limit) }
            if !entries.isEmpty || Date() >= deadline || isStopping() {
                if !entries.isEmpty {
                    replica.counters.changesSent.increment(peer, by: entries.count)
                    replica.counters.batches.increment("\(peer)|pull_out")
                    let draft = AuditDraft(by: Replica.nodeOperator, action: "pull served", subject: peer,
                                           detail: "\(entries.count) changes, positions \(entries.first!.seq)…\(entries.last!.seq)")
                    try replica.store.write(.processCrash) { try $0.appendAudit(draft, at: replica.wallClock.millis()) }
                }
                return Batch.encode(entries, last: entries.last?.seq ?? request.after)
            }
            replica.signal.wait(after: seen, timeout: min(1, deadline.timeIntervalSinceNow))
        }
    }

    /// Why a child's pull shows that one side lost what it held (it was restored from a backup), or
    /// nil when the cursors agree. A full resync mends it.
    private func regression(of peer: String, _ request: PullRequest, _ tx: any ReplicaWriting) throws -> String? {
        if request.recover && request.resync == nil {
            return "\(peer) was restored from a backup and asked for everything back: it gets a full resync, its own writes included"
        }
        guard try !(tx.outboxStates()[peer]?.resyncOwed ?? false) else { return nil }
        let last = try tx.lastLogSeq(), delivered = try tx.cursor(peer: peer, name: "delivered")
        let intoGap = try tx.logGaps().contains { $0.contains(request.after) }
        if request.after > last || intoGap {
            return "\(peer) holds entries of this node's log (up to \(request.after)) that this node lost when it was restored: it gets a full resync"
        }
        if request.after < delivered {
            return "\(peer) asked after \(request.after), below what it had confirmed (\(delivered)): it was restored; it gets a full resync"
        }
        return nil
    }

    /// `POST /v1/health` from child `peer`: records it as heard and keeps the
    /// reports about it and the nodes below it; answers with this node's message.
    /// - Parameter verifyHead: whether a signed audit head is the child's (its certificate verifies it); a head that
    ///   verifies is kept, one that does not raises an alarm.
    public func health(from peer: String, body: [UInt8], certificateNotAfter: Date?,
                       verifyHead: (AuditHead) -> Bool = { _ in false }) throws -> HealthMessage {
        let message: HealthMessage
        do { message = try HealthMessage.decode(body) } catch {
            throw ReplicationError("the body of POST \(Endpoint.health) is not valid: \(error)", kind: .invalid)
        }
        guard message.node == peer else {
            throw ReplicationError("the body names node '\(message.node)' but the certificate is node '\(peer)'", kind: .invalid)
        }
        let topology = replica.topology
        let below = Set([peer] + topology.descendants(of: peer).map(\.id))
        let reports = (message.reports ?? []).filter { below.contains($0.id) }
        let now = replica.wallClock.now()
        let skew = FederationClock.bounded(message.time) - replica.wallClock.millis()
        // Reports and health are sent again at the next exchange: no fsync for them.
        try replica.store.write(.processCrash) { tx in
            try tx.recordHeard(peer: peer, at: now, certificateNotAfter: certificateNotAfter)
            try tx.setNodeMeta(FederationClock.skewKeyPrefix + peer, String(skew))
            if !reports.isEmpty { try tx.storeReports(reports, via: peer, at: now) }
            if let head = message.auditHead {
                if verifyHead(head) {
                    try tx.keepAuditHead(child: peer, head: head, at: replica.wallClock.millis())
                } else {
                    try tx.raiseAlarm(kind: "audit", subject: peer, message: "\(peer) sent an audit head whose signature does not verify with its certificate", at: replica.wallClock.millis())
                }
            }
        }
        return HealthMessage(node: replica.nodeID, time: replica.wallClock.millis(), version: SyncNodeVersion.current)
    }
}

/// This build's version.
public enum SyncNodeVersion {
    public static let current = "0.2.0"
}

/// Where pushes sent ahead wait for the push before them: woken after every applied push.
final class PushTurns: @unchecked Sendable {   // NSCondition guards nothing but the wait itself
    private let condition = NSCondition()

    /// Waits until `ready` holds (or cannot be told) or `deadline` passes.
    func wait(until deadline: Date, _ ready: () throws -> Bool) {
        condition.lock()
        defer { condition.unlock() }
        while !((try? ready()) ?? true), Date() < deadline {
            _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
        }
    }

    func advance() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }
}

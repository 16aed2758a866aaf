import Foundation
import Synchronization
public import SyncCore

/// The child's side of the link to its parent. Children dial their parent
/// (district platforms sit behind firewalls, like a 前置机). Four loops, each
/// on its own thread with its own channel:
/// - health: exchanges health messages every `interval` seconds;
/// - push: sends the outbox in bounded batches as soon as changes appear, and
///   while idle asks the parent what it holds of this node's log (a restored
///   parent that lost what it confirmed is sent everything again);
/// - pull: long-polls the parent for changes routed to this node;
/// - digest: compares this node's copy of what both must hold with the parent's
///   every `antiEntropyInterval` seconds, and repairs what differs (`AntiEntropyCheck`).
/// Each retries with exponential backoff and jitter while the parent is
/// unreachable, and resumes from the cursors in the store after a restart.
public final class ParentLink: Sendable {
    public let replica: Replica
    public let parent: NodeEntry
    private let makeChannel: @Sendable () -> any ParentChannel
    private let healthMessage: @Sendable () throws -> HealthMessage
    private let events: @Sendable (LinkEvent) -> Void
    private let interval: Double
    private let batchSize: Int
    private let retryCap: Double
    private let stopped = Mutex(false)
    private let wake = WakeUp()
    private let done = DispatchGroup()
    /// Where the full resync being pulled has got to.
    private let pullResync = Mutex<ResyncMark?>(nil)
    /// Where the full resync being pushed has got to.
    private let pushResync = Mutex<ResyncPosition?>(nil)
    /// The push sent ahead, on the other lane, while the parent applies the one before it.
    private let ahead = Mutex<PushInFlight?>(nil)
    /// The push loop's second channel (its first is the loop's own).
    private let spare = Mutex<ChannelBox?>(nil)
    /// When the idle push loop last asked the parent what it holds.
    private let lastProbe = Mutex(Date.distantPast)
    /// Seconds between anti-entropy checks (0: none).
    private let antiEntropyInterval: Double

    /// - Parameters:
    ///   - makeChannel: opens a channel to the parent; each loop gets its own.
    ///   - healthMessage: this node's health message, with its status and its subtree's.
    ///   - events: told what happens on the link (for the log).
    ///   - interval: seconds between health exchanges while the parent answers.
    ///   - batchSize: most changes in one push or pull.
    ///   - retryCap: longest wait between retries while the parent is unreachable.
    ///   - antiEntropyInterval: seconds between comparisons of this node's copy with the parent's; nil: the policy's.
    public init(replica: Replica, makeChannel: @escaping @Sendable () -> any ParentChannel,
                healthMessage: @escaping @Sendable () throws -> HealthMessage,
                events: @escaping @Sendable (LinkEvent) -> Void = { _ in },
                interval: Double = 5, batchSize: Int = 4000, retryCap: Double = 30, antiEntropyInterval: Double? = nil) throws {
        guard let parent = replica.topology.parent(of: replica.nodeID) else {
            throw ReplicationError("\(replica.nodeID) is the root: it has no parent to link to")
        }
        self.replica = replica
        self.parent = parent
        self.makeChannel = makeChannel
        self.healthMessage = healthMessage
        self.events = events
        self.interval = interval
        self.batchSize = batchSize
        self.retryCap = max(0.5, retryCap)
        self.antiEntropyInterval = max(0, antiEntropyInterval ?? Double(replica.policy.antiEntropySeconds))
    }

    /// Starts the loops (the digest loop unless anti-entropy is off).
    public func start() {
        // The health loop keeps trying at its own interval while the parent is away (a heartbeat's
        // rate, not a storm), and whichever loop gets through first wakes the others from their backoff:
        // a returning parent is used again within one interval, not after each loop's own wait (up to
        // the retry cap, 30 s by default).
        spawn("health", retryAtMost: interval) { [self] channel in
            try healthOnce(channel)
            return interval
        }
        spawn("push") { [self] channel in try pushOnce(channel).delay }
        spawn("pull") { [self] channel in try pullOnce(channel, wait: 20).delay }
        if antiEntropyInterval > 0 {
            // The first comparison once the other loops have had time to catch up; then one per interval.
            let first = Mutex(true)
            spawn("digest", retryAtMost: antiEntropyInterval) { [self] channel in
                if first.withLock({ value in defer { value = false }; return value }) { return min(ParentLink.firstComparison, antiEntropyInterval) }
                let outcome = try AntiEntropyCheck(replica: replica, parent: parent.id).run(over: channel)
                events(.compared(parent: parent.id, outcome: outcome))
                return outcome.postponed ? min(ParentLink.firstComparison, antiEntropyInterval) : antiEntropyInterval
            }
        }
    }

    /// Seconds from the start to the first comparison of copies, and between tries while changes are on their way.
    static let firstComparison = 15.0

    /// One health exchange: this node's status up, the parent's clock back (this node's clock
    /// follows it; see `FederationClock`).
    func healthOnce(_ channel: any ParentChannel) throws {
        let message = try healthMessage()
        let sent = replica.wallClock.millis()
        let answer = try channel.health(message)
        let received = replica.wallClock.millis()
        guard answer.node == parent.id else {
            throw ReplicationError("the parent answered as '\(answer.node)', not \(parent.id)")
        }
        let corrected = replica.wallClock.adjust(sent: sent, received: received, parentMillis: answer.time)
        let skew = FederationClock.bounded(answer.time) - (sent + received) / 2
        let now = replica.wallClock.now()
        // Health and the clock correction are measured again at the next exchange: no fsync for them.
        try replica.store.write(.processCrash) { tx in
            try tx.recordHeard(peer: parent.id, at: now, certificateNotAfter: channel.peerCertificateNotAfter)
            if let corrected {
                try tx.setNodeMeta(FederationClock.correctionKey, String(corrected))
                try tx.setNodeMeta(FederationClock.skewKeyPrefix + parent.id, String(skew))
            }
        }
        if let corrected { events(.clockCorrected(parent: parent.id, offsetMillis: skew, correctionMillis: corrected)) }
    }

    /// One exchange without threads or waiting (engine tests drive a
    /// federation with it): pushes until the outbox is empty, then pulls until
    /// nothing comes. Returns whether anything moved.
    @discardableResult
    public func exchange(over channel: any ParentChannel) throws -> Bool {
        var moved = false
        while try pushOnce(channel, idleWait: 0).moved { moved = true }
        while try pullOnce(channel, wait: 0).moved { moved = true }
        return moved
    }

    /// Stops the loops and waits for their threads to end (a long-poll in
    /// flight is abandoned when its channel closes).
    public func stop() {
        stopped.withLock { $0 = true }
        wake.signal()
        replica.signal.bump()
        _ = done.wait(timeout: .now() + 5)
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    /// Sends one batch of the outbox and takes the parent's answer. Two pushes
    /// are in flight, each on its own channel (lane): while the parent applies
    /// one, it decodes the next (sent with `after`: it waits for the one before
    /// it), so decoding and applying overlap on the parent.
    func pushOnce(_ channel: any ParentChannel, idleWait: Double = 1) throws -> (delay: Double, moved: Bool) {
        let resync = ResyncService(replica: replica)
        if try resync.owed(to: parent.id) {
            // The outbox overflowed while the parent was away: send everything shared, page by page.
            drainAhead()
            let page = try resync.page(for: parent.id, after: pushResync.withLock { $0 }, limit: batchSize)
            _ = try channel.push(Batch.encode(page.entries, resync: page.next))
            if case .next(let position) = page.next {
                pushResync.withLock { $0 = position }
            } else {
                pushResync.withLock { $0 = nil }
                try resync.finish(for: parent.id)
                events(.resyncSent(parent: parent.id))
            }
            return (0, true)
        }
        let seen = replica.signal.current
        // Lane 0 is the loop's own channel; lane 1's is opened when a second batch is first waiting.
        func lane(_ number: Int) -> ChannelBox { number == 0 ? ChannelBox(channel) : spareChannel() }
        let current: PushInFlight
        if let sent = ahead.withLock({ value -> PushInFlight? in defer { value = nil }; return value }) {
            current = sent
        } else {
            let batch = try OutboxBatch.read(replica, peer: parent.id, after: 0, limit: batchSize)
            guard batch.last != nil else {
                if idleWait == 0 || probeDue() {
                    // Nothing to send: ask the parent what it holds of this node's log all the same. A parent
                    // restored from a backup lost pushes it had confirmed, and only this answer shows it.
                    if try take(try channel.push(Batch.encode([]))) { return (0, true) }
                }
                if idleWait > 0 {
                    // Keep the connection the next change goes out on open. A failure here is not the
                    // link's: the next push reports the parent's state.
                    try? channel.keepWarm()
                    replica.signal.wait(after: seen, timeout: idleWait)
                }
                return (0, false)
            }
            current = PushInFlight(batch, lane: 0, on: lane(0))
        }
        let batch = current.batch
        guard let last = batch.last else { return (0, false) }
        // The next batch goes now, on the other lane.
        let next = try OutboxBatch.read(replica, peer: parent.id, after: last, limit: batchSize, continuing: true)
        if next.last != nil { ahead.withLock { $0 = PushInFlight(next, lane: 1 - current.lane, on: lane(1 - current.lane)) } }
        let answer: PushAnswer
        do { answer = try current.answer() } catch {
            drainAhead()
            throw error
        }
        if try take(answer) { return (0, true) }
        replica.counters.changesSent.increment(parent.id, by: batch.count)
        replica.counters.batches.increment("\(parent.id)|push_out")
        events(.pushed(parent: parent.id, last: last, received: answer.received))
        // Not all of it was taken (the parent was busy, or lost the one before): send again from its answer.
        if answer.received < last { drainAhead() }
        return (0, true)
    }

    /// Whether an idle push loop should ask the parent what it holds (about every 20 s).
    private func probeDue() -> Bool {
        lastProbe.withLock { last in
            guard -last.timeIntervalSinceNow >= ProtocolLimits.keepAliveAfter else { return false }
            last = Date()
            return true
        }
    }

    /// Takes the parent's answer to a push (or to an empty one). Returns whether it showed that one
    /// side was restored, and the link was mended (a full resync follows).
    private func take(_ answer: PushAnswer) throws -> Bool {
        let now = replica.wallClock.millis()
        // Acknowledgement only: lost in a power cut, the parent's answer to the next push says the
        // same again (it skips what it holds), and a mend below is found again from that answer.
        let mended = try replica.store.write(.processCrash) { tx -> Bool in
            let pushed = try tx.cursor(peer: parent.id, name: "pushed"), last = try tx.lastLogSeq()
            let intoGap = try tx.logGaps().contains { $0.contains(answer.received) } && answer.received > pushed
            if answer.received > last || intoGap {
                // The parent holds entries of this node's log that this node lost (it was rolled back
                // without `syncnode restore`): number on past them, and take back from the parent what
                // this node wrote (the parent has everything up to what it received).
                if answer.received > last { try tx.openLogGap(past: answer.received, at: now) }
                try tx.acknowledge(peer: parent.id, upTo: answer.received)
                try tx.resetCursor(peer: parent.id, name: "pushed", value: answer.received, at: now)
                try tx.setNodeMeta(Recovery.metaKey, "1")
                return true
            }
            if answer.received < pushed {
                // The parent lost what it had confirmed (it was restored): send it everything.
                try tx.dropOutbox(peer: parent.id, at: now)
                try tx.resetCursor(peer: parent.id, name: "pushed", value: answer.received, at: now)
                return true
            }
            try tx.acknowledge(peer: parent.id, upTo: answer.received)
            try tx.setCursor(peer: parent.id, name: "pushed", value: answer.received, at: now)
            return false
        }
        if mended {
            drainAhead()
            events(.regressed(parent: parent.id, received: answer.received))
        }
        return mended
    }

    /// Waits for the push sent ahead, if any, and forgets its answer (what it did is read again from the next answer).
    private func drainAhead() {
        ahead.withLock { value -> PushInFlight? in defer { value = nil }; return value }.map { _ = try? $0.answer() }
    }

    private func spareChannel() -> ChannelBox {
        spare.withLock { box in
            if let box { return box }
            let made = ChannelBox(makeChannel())
            box = made
            return made
        }
    }

    func pullOnce(_ channel: any ParentChannel, wait: Double) throws -> (delay: Double, moved: Bool) {
        let (after, recovering) = try replica.store.read { (try $0.cursor(peer: parent.id, name: "pulled"), try $0.nodeMeta(Recovery.metaKey) == "1") }
        var resync = pullResync.withLock { $0 }
        if recovering && resync == .complete { resync = nil }
        let request = PullRequest(after: after, limit: batchSize, wait: recovering ? 0 : wait, resync: resync, recover: recovering)
        let batch = try channel.pull(request)
        if let mark = batch.resync {
            // A page of a full resync from the parent: whole states; the cursor stays.
            if !batch.entries.isEmpty { try replica.apply(batch.entries, from: parent.id, cursor: ("pulled", after), recovering: recovering) }
            if resync == nil { events(.resyncStarted(parent: parent.id)) }
            if mark == .complete {
                // Everything up to `last` is in; what the parent logged after it comes from its outbox.
                let now = replica.wallClock.millis()
                try replica.store.write { tx in
                    if let last = batch.last { try tx.resetCursor(peer: parent.id, name: "pulled", value: last, at: now) }
                    if recovering { try tx.setNodeMeta(Recovery.metaKey, "0") }
                }
                events(.resyncFinished(parent: parent.id))
            }
            pullResync.withLock { $0 = mark }
            return (0, true)
        }
        pullResync.withLock { $0 = nil }
        if !batch.entries.isEmpty, let last = batch.last {
            let stats = try replica.apply(batch.entries, from: parent.id, cursor: ("pulled", last))
            replica.counters.changesReceived.increment(parent.id, by: batch.entries.count)
            replica.counters.batches.increment("\(parent.id)|pull_in")
            events(.pulled(parent: parent.id, changes: batch.entries.count, applied: stats.applied))
            return (0, true)
        }
        return (0, false)
    }

    private func spawn(_ name: String, retryAtMost: Double = .infinity, _ body: @escaping @Sendable (any ParentChannel) throws -> Double) {
        done.enter()
        let thread = Thread { [self] in
            run(name, retryAtMost: retryAtMost, body)
            done.leave()
        }
        thread.name = "syncnode-\(name)"
        thread.start()
    }

    private func run(_ name: String, retryAtMost: Double, _ body: (any ParentChannel) throws -> Double) {
        let channel = makeChannel()
        var backoff = Backoff()
        backoff.cap = retryCap
        var healthy = true
        while !isStopped {
            let delay: Double
            do {
                delay = try body(channel)
                if !healthy {
                    events(.reachable(parent: parent.id, loop: name))
                    wake.signal()   // the other loops may be sleeping off a longer backoff
                }
                healthy = true
                backoff.reset()
            } catch {
                if isStopped { break }
                // The parent may come back restored from a backup: the next idle push asks what it holds.
                lastProbe.withLock { $0 = .distantPast }
                let message = "\(error)"
                let now = replica.wallClock.now()
                try? replica.store.write { try $0.recordError(peer: parent.id, message: message, at: now) }
                replica.counters.errors.increment(parent.id)
                delay = min(backoff.next(), retryAtMost)
                if healthy { events(.unreachable(parent: parent.id, loop: name, error: message, retryIn: delay)) }
                healthy = false
            }
            if delay > 0 { wake.wait(seconds: delay, unless: { isStopped }) }
        }
    }
}

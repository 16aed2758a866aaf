import Foundation
import HTTPSClient
import SyncCore

/// The child's side of the link to its parent. Children dial their parent
/// (district platforms sit behind firewalls, like a 前置机). Three loops, each
/// on its own thread with its own connection:
/// - health: exchanges health messages every `interval` seconds;
/// - push: sends the outbox in bounded batches as soon as changes appear;
/// - pull: long-polls the parent for changes routed to this node.
/// Each retries with exponential backoff and jitter while the parent is
/// unreachable, and resumes from the cursors in the store after a restart.
public final class ParentLink: @unchecked Sendable {
    private let replica: Replica
    private let parent: NodeEntry
    private let log: Log
    private let interval: Double
    private let batchSize: Int
    private let wake = NSCondition()
    private var stopped = false
    private let done = DispatchGroup()
    /// Where the full resync being pulled has got to ("complete" once the last page is in).
    private let pullResync = Locked<String?>(nil)
    /// Where the full resync being pushed has got to.
    private let pushResync = Locked<ResyncPosition?>(nil)

    /// - Parameters:
    ///   - interval: seconds between health exchanges while the parent answers.
    ///   - batchSize: most changes in one push or pull.
    public init(replica: Replica, parent: NodeEntry, log: Log, interval: Double = 5, batchSize: Int = 2000) {
        self.replica = replica
        self.parent = parent
        self.log = log
        self.interval = interval
        self.batchSize = batchSize
    }

    var context: NodeContext { replica.context }
    var store: Store { replica.store }

    /// Starts the three loops.
    public func start() {
        spawn("health") { [self] client in
            // Report this node's status and its subtree's with every exchange.
            let own = try NodeStatus.collect(context: context, store: store).summary
            let below = try store.subtreeReports().values.sorted { $0.id < $1.id }
            let message = HealthMessage(node: context.node.id, reports: [own] + below)
            _ = try client.post("/v1/health", message, as: HealthMessage.self, timeout: 10)
            try store.recordHeard(from: parent.id, certificateNotAfter: client.peerCertificateNotAfter)
            return interval
        }
        let prefetch = Locked<PrefetchedBatch?>(nil)
        spawn("push") { [self] client in
            var next = prefetch.value
            defer { prefetch.value = next }
            return try pushOnce(client, prefetched: &next)
        }
        spawn("pull") { [self] client in try pullOnce(client) }
    }

    /// Stops the loops and waits for their threads to end (a long-poll in
    /// flight is abandoned when its connection closes).
    public func stop() {
        wake.lock()
        stopped = true
        wake.broadcast()
        wake.unlock()
        replica.signal.bump()
        _ = done.wait(timeout: .now() + 5)
    }

    /// Sends one batch of the outbox. While the parent applies it, the next
    /// batch is read on another thread, so reading and applying overlap.
    private func pushOnce(_ client: PeerClient, prefetched: inout PrefetchedBatch?) throws -> Double {
        if try replica.resyncOwed(to: parent.id) {
            // The outbox overflowed while the parent was away: send everything shared, page by page.
            prefetched = nil
            let page = try replica.snapshot(for: parent.id, after: pushResync.value, limit: batchSize)
            _ = try client.postRaw("/v1/push", LogEntry.batchJSON(page.entries, extra: [("resync", .int(1))]), timeout: 60)
            pushResync.value = page.next
            if page.next == nil {
                try replica.finishResync(for: parent.id)
                log.info("resync_sent", ["parent": parent.id])
            }
            return 0
        }
        let seen = replica.signal.current
        let pending = prefetched
        prefetched = nil
        let batch = try pending?.take() ?? LogEntry.batchJSONAndLast(try replica.outbox(for: parent.id, after: 0, limit: batchSize))
        guard let last = batch.last else {
            replica.signal.wait(after: seen, timeout: 1)
            return 0
        }
        let next = PrefetchedBatch { [replica, parent, batchSize] in
            LogEntry.batchJSONAndLast(try replica.outbox(for: parent.id, after: last, limit: batchSize))
        }
        let answer = try JSON.decode(PushResponse.self, from: try client.postRaw("/v1/push", batch.body, timeout: 60))
        try replica.acknowledge(peer: parent.id, upTo: answer.received, cursor: "pushed")
        replica.metrics.changesSent.increment(parent.id, by: batch.count)
        replica.metrics.batches.increment("\(parent.id)|push_out")
        log.debug("pushed", ["parent": parent.id, "last": last, "received": answer.received])
        if answer.received >= last { prefetched = next }
        return 0
    }

    private func pullOnce(_ client: PeerClient) throws -> Double {
        let after = try replica.cursor(parent.id, "pulled")
        var path = "/v1/pull?after=\(after)&limit=\(batchSize)&wait=20"
        if let token = pullResync.value {
            path += "&resync=" + (token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }
        let body = try client.getRaw(path, timeout: 40)
        let batch = try Batch.parse(Array(body))
        if let resync = batch.texts["resync"] {
            // A page of a full resync from the parent: whole states; the cursor stays.
            if !batch.entries.isEmpty { try replica.apply(batch.entries, from: parent.id, cursor: ("pulled", after)) }
            if pullResync.value == nil { log.warning("resync_started", ["parent": parent.id]) }
            if resync == "complete" { log.info("resync_finished", ["parent": parent.id]) }
            pullResync.value = resync
            return 0
        }
        pullResync.value = nil
        if !batch.entries.isEmpty, let last = batch.fields["last"] {
            let stats = try replica.apply(batch.entries, from: parent.id, cursor: ("pulled", last))
            replica.metrics.changesReceived.increment(parent.id, by: batch.entries.count)
            replica.metrics.batches.increment("\(parent.id)|pull_in")
            log.debug("pulled", ["parent": parent.id, "changes": batch.entries.count, "applied": stats.applied])
        }
        return 0
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable (PeerClient) throws -> Double) {
        done.enter()
        let thread = Thread { [self] in
            run(name, body)
            done.leave()
        }
        thread.name = "syncnode-\(name)"
        thread.start()
    }

    private func run(_ name: String, _ body: (PeerClient) throws -> Double) {
        let client = PeerClient(context: context, peer: parent)
        var backoff = Backoff()
        var healthy = true
        while !isStopped {
            let delay: Double
            do {
                delay = try body(client)
                if !healthy { log.info("parent_reachable", ["parent": parent.id, "loop": name]) }
                healthy = true
                backoff.reset()
            } catch {
                if isStopped { break }
                let message = "\(error)"
                try? store.recordError(with: parent.id, message)
                replica.metrics.errors.increment(parent.id)
                delay = backoff.next()
                if healthy {
                    log.warning("parent_unreachable", ["parent": parent.id, "loop": name, "error": message,
                                                       "retry_in_s": String(format: "%.1f", delay)])
                }
                healthy = false
            }
            if delay > 0 { sleep(seconds: delay) }
        }
    }

    private var isStopped: Bool {
        wake.lock(); defer { wake.unlock() }
        return stopped
    }

    private func sleep(seconds: Double) {
        wake.lock()
        if !stopped { _ = wake.wait(until: Date().addingTimeInterval(seconds)) }
        wake.unlock()
    }
}

/// Exponential backoff with full jitter: 0.5 s doubling up to 30 s.
public struct Backoff: Sendable {
    public private(set) var attempt = 0
    public var base = 0.5
    public var cap = 30.0

    public init() {}

    public mutating func reset() { attempt = 0 }

    /// The next delay in seconds.
    public mutating func next() -> Double {
        attempt += 1
        let ceiling = min(cap, base * pow(2, Double(min(attempt, 16))))
        return Double.random(in: (ceiling / 2)...ceiling)
    }
}

/// A batch read ahead on another thread.
final class PrefetchedBatch: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<(body: [UInt8], last: Int64?, count: Int), any Error> = .success(([], nil, 0))

    init(_ read: @escaping @Sendable () throws -> (body: [UInt8], last: Int64?, count: Int)) {
        DispatchQueue.global().async { [self] in
            result = Result { try read() }
            done.signal()
        }
    }

    /// Waits for the read and returns it.
    func take() throws -> (body: [UInt8], last: Int64?, count: Int) {
        done.wait()
        return try result.get()
    }
}

/// A value behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}

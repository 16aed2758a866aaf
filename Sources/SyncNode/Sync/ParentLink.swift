import Foundation
import HTTPSClient
import SyncCore

/// The child's side of the link to its parent. Children dial their parent
/// (district platforms sit behind firewalls, like a 前置机): on its own thread
/// it exchanges health messages, retrying with exponential backoff and jitter
/// while the parent is unreachable.
public final class ParentLink: @unchecked Sendable {
    private let context: NodeContext
    private let parent: NodeEntry
    private let store: Store
    private let log: Log
    private let interval: Double
    private let wake = NSCondition()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// - Parameter interval: seconds between health exchanges while the parent answers.
    public init(context: NodeContext, parent: NodeEntry, store: Store, log: Log, interval: Double = 5) {
        self.context = context
        self.parent = parent
        self.store = store
        self.log = log
        self.interval = interval
    }

    /// Starts the link's thread.
    public func start() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "syncnode-parent-link"
        thread.start()
    }

    /// Stops the link and waits for its thread to end.
    public func stop() {
        wake.lock()
        stopped = true
        wake.broadcast()
        wake.unlock()
        done.wait()
    }

    private func run() {
        let client = PeerClient(context: context, peer: parent)
        var backoff = Backoff()
        var healthy = false
        while !isStopped {
            let delay: Double
            do {
                _ = try client.post("/v1/health", HealthMessage(node: context.node.id), as: HealthMessage.self, timeout: 10)
                try store.recordHeard(from: parent.id)
                if !healthy { log.info("parent_reachable", ["parent": parent.id]) }
                healthy = true
                backoff.reset()
                delay = interval
            } catch {
                let message = "\(error)"
                try? store.recordError(with: parent.id, message)
                delay = backoff.next()
                if healthy || backoff.attempt <= 1 {
                    log.warning("parent_unreachable", ["parent": parent.id, "error": message, "retry_in_s": String(format: "%.1f", delay)])
                }
                healthy = false
            }
            sleep(seconds: delay)
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

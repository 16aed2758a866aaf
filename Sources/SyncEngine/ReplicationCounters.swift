import Synchronization

/// A thread-safe set of named counters.
public final class Counter: Sendable {
    private let values = Mutex<[String: Int]>([:])

    public init() {}

    public func increment(_ name: String, by amount: Int = 1) {
        values.withLock { $0[name, default: 0] += amount }
    }

    public var snapshot: [String: Int] { values.withLock { $0 } }
}

/// What the engine counts for the node's metrics.
public final class ReplicationCounters: Sendable {
    /// Changes received from each neighbour.
    public let changesReceived = Counter()
    /// Changes sent to each neighbour.
    public let changesSent = Counter()
    /// Batches exchanged, by "peer|direction" (push_out, push_in, pull_out, pull_in).
    public let batches = Counter()
    /// Failed exchanges with each neighbour.
    public let errors = Counter()
    /// Changes and batches refused or kept out, by reason kind.
    public let refused = Counter()

    public init() {}
}

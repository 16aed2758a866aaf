import Foundation

/// Wakes threads waiting for new changes: long-polls on the server and the
/// push loop on a child. A generation counter, so no wake-up is lost.
public final class ChangeSignal: @unchecked Sendable {   // all state is read and written under `condition`
    private let condition = NSCondition()
    private var generation: UInt64 = 0
    private let announce: (@Sendable () -> Void)?

    /// - Parameter announce: also called on every bump, outside the lock (a command's engine tells
    ///   the node serving the same store, which then wakes at once instead of polling).
    public init(announce: (@Sendable () -> Void)? = nil) {
        self.announce = announce
    }

    /// The current generation.
    public var current: UInt64 {
        condition.lock(); defer { condition.unlock() }
        return generation
    }

    /// Announces new changes.
    public func bump() {
        condition.lock()
        generation &+= 1
        condition.broadcast()
        condition.unlock()
        announce?()
    }

    /// Waits until the generation moves past `seen` or `timeout` seconds pass.
    /// Returns true when it moved.
    @discardableResult
    public func wait(after seen: UInt64, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock(); defer { condition.unlock() }
        while generation == seen {
            if !condition.wait(until: deadline) { return generation != seen }
        }
        return true
    }
}

import Foundation

/// Sleeps that `signal` cuts short.
final class WakeUp: @unchecked Sendable {   // NSCondition guards nothing but the wait itself
    private let condition = NSCondition()

    func wait(seconds: Double, unless stop: () -> Bool) {
        condition.lock()
        if !stop() { _ = condition.wait(until: Date().addingTimeInterval(seconds)) }
        condition.unlock()
    }

    func signal() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
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

/// When and by whom a data item was written: a hybrid logical clock reading
/// and the origin node. Stamps are totally ordered: clock first, origin id
/// breaking ties, so every node picks the same winner.
public struct Stamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the epoch shifted left 16 bits, plus a counter in the low bits.
    public let hlc: Int64
    /// The node that wrote it.
    public let origin: String

    public init(hlc: Int64, origin: String) {
        self.hlc = hlc
        self.origin = origin
    }

    public static func < (a: Stamp, b: Stamp) -> Bool {
        if a.hlc != b.hlc { return a.hlc < b.hlc }
        // Most ties are one write's items: the same origin, often the same storage.
        if a.origin == b.origin { return false }
        return a.origin.utf8.lexicographicallyPrecedes(b.origin.utf8)
    }

    /// The wall-clock milliseconds part.
    public var millis: Int64 { hlc >> 16 }

    public var description: String { "\(hlc)@\(origin)" }
}

/// A hybrid logical clock: stays close to wall time, never goes backwards,
/// and moves past every stamp it has admitted (so causality is kept across
/// nodes whose clocks disagree). Arithmetic saturates: no reading overflows.
public struct HybridClock: Sendable, Equatable {
    /// The largest reading a clock hands out or observes: far beyond any real
    /// date, and far from overflow.
    public static let ceiling: Int64 = Int64.max >> 1

    /// The last value handed out or observed.
    public private(set) var last: Int64

    public init(last: Int64 = 0) { self.last = min(max(0, last), HybridClock.ceiling) }

    /// The reading for wall time `millis`.
    public static func reading(wallMillis: Int64) -> Int64 {
        let clamped = min(max(0, wallMillis), ceiling >> 16)
        return clamped << 16
    }

    /// A new reading, greater than every earlier one (unless the ceiling was reached).
    public mutating func tick(wallMillis: Int64) -> Int64 {
        let next = last < HybridClock.ceiling ? last + 1 : last
        last = max(HybridClock.reading(wallMillis: wallMillis), next)
        return last
    }

    /// Takes note of an admitted remote reading so later ticks come after it.
    public mutating func observe(_ remote: Int64) {
        last = max(last, min(max(0, remote), HybridClock.ceiling))
    }
}

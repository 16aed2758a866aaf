/// When and by whom a data item was written: a hybrid logical clock reading
/// and the origin node. Stamps are totally ordered: clock first, origin id
/// breaking ties, so every node picks the same winner.
public struct Stamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Milliseconds since the epoch shifted left 16 bits, plus a counter in the low bits.
    public let hlc: Int64
    /// The node that wrote it.
    public let origin: String

    public init(hlc: Int64, origin: String) {
        self.hlc = hlc
        self.origin = origin
    }

    public static func < (a: Stamp, b: Stamp) -> Bool {
        a.hlc != b.hlc ? a.hlc < b.hlc : a.origin < b.origin
    }

    /// The wall-clock milliseconds part.
    public var millis: Int64 { hlc >> 16 }

    public var description: String { "\(hlc)@\(origin)" }

    enum CodingKeys: String, CodingKey { case hlc = "h", origin = "o" }
}

/// A hybrid logical clock: stays close to wall time, never goes backwards,
/// and moves past every stamp it has seen (so causality is kept across nodes
/// whose clocks disagree).
public struct HybridClock: Sendable, Equatable {
    /// The last value handed out or observed.
    public private(set) var last: Int64

    public init(last: Int64 = 0) { self.last = last }

    /// A new reading, greater than every earlier one.
    public mutating func tick(wallMillis: Int64) -> Int64 {
        last = max(wallMillis << 16, last + 1)
        return last
    }

    /// Takes note of a remote reading so later ticks come after it.
    public mutating func observe(_ remote: Int64) {
        last = max(last, remote)
    }
}

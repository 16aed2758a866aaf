import Foundation

/// The wall clock a node reads: the system's, or one a test or a fault
/// drill sets (`SYNCNODE_CLOCK_OFFSET_SECONDS` skews a real node's).
public protocol WallClock: Sendable {
    func now() -> Date
}

extension WallClock {
    /// Milliseconds since the Unix epoch.
    public func millis() -> Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded()) }
}

/// The system clock, shifted by a fixed offset (0 unless a drill asks).
public struct SystemClock: WallClock {
    public let offset: TimeInterval

    public init(offset: TimeInterval = 0) { self.offset = offset }

    /// The system clock with the offset in `SYNCNODE_CLOCK_OFFSET_SECONDS`, if set.
    public static func fromEnvironment() -> SystemClock {
        SystemClock(offset: ProcessInfo.processInfo.environment["SYNCNODE_CLOCK_OFFSET_SECONDS"].flatMap(TimeInterval.init) ?? 0)
    }

    public func now() -> Date { Date().addingTimeInterval(offset) }
}

import Foundation
import Synchronization
public import SyncCore

/// The wall clock a node stamps with: its system clock corrected by the offset
/// it measured against its parent at the last health exchange, so the whole
/// federation reads the root's time. A district whose machine runs hours
/// ahead would otherwise have every change refused upstream (admission allows
/// only `maxClockSkewSeconds` ahead), and one running behind would lose to
/// older writes. The correction is kept in the store, so commands run beside
/// `serve` (`write`, `import`) stamp with it too.
public final class FederationClock: WallClock {
    /// Node metadata: the correction in milliseconds.
    public static let correctionKey = "clock.correctionMillis"
    /// Node metadata prefix: a neighbour's clock minus this node's corrected clock, in milliseconds.
    public static let skewKeyPrefix = "clock.skewMillis."
    /// Offsets smaller than this are network jitter, not skew.
    static let threshold: Int64 = 500

    /// The system clock (or a test clock) before correction.
    public let base: any WallClock
    private let correction: Mutex<Int64>

    public init(base: any WallClock, correctionMillis: Int64 = 0) {
        self.base = base
        correction = Mutex(correctionMillis)
    }

    public func now() -> Date { base.now().addingTimeInterval(Double(correctionMillis) / 1000) }

    /// Milliseconds added to the base clock.
    public var correctionMillis: Int64 { correction.withLock { $0 } }

    /// A clock reading from a peer, held within ±35,000 years of the epoch so arithmetic on it cannot overflow.
    public static func bounded(_ millis: Int64) -> Int64 { min(max(millis, -(1 << 50)), 1 << 50) }

    /// Takes in one health exchange with the parent: sent and answered at `sent` and `received` on
    /// this clock, the parent's clock read `parentMillis` in between. Returns the new correction when
    /// it moved (the caller keeps it), nil when the offset is within jitter or the exchange took too
    /// long to tell. Only an offset beyond the jitter threshold plus the round trip's uncertainty counts.
    public func adjust(sent: Int64, received: Int64, parentMillis: Int64) -> Int64? {
        guard received >= sent, received - sent < 2000 else { return nil }
        let offset = FederationClock.bounded(parentMillis) - (sent + (received - sent) / 2)
        // The parent read its clock somewhere in the round trip: the offset is uncertain by half of
        // it. A slow exchange (a loaded hub) must not pass for skew.
        let uncertainty = (received - sent) / 2
        guard abs(offset) > FederationClock.threshold + uncertainty else { return nil }
        return correction.withLock { value in
            value += offset
            return value
        }
    }
}

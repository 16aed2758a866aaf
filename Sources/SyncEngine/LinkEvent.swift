/// What happens on a parent link, for the node's log.
public enum LinkEvent: Sendable {
    case reachable(parent: String, loop: String)
    case unreachable(parent: String, loop: String, error: String, retryIn: Double)
    case pushed(parent: String, last: Int64, received: Int64)
    case pulled(parent: String, changes: Int, applied: Int)
    case resyncStarted(parent: String)
    case resyncFinished(parent: String)
    case resyncSent(parent: String)
    /// This node's clock was off the parent's by `offsetMillis`; stamps now carry the correction.
    case clockCorrected(parent: String, offsetMillis: Int64, correctionMillis: Int64)
    /// The parent's idea of this node's log did not match this node's: one of them was restored; a full resync follows.
    case regressed(parent: String, received: Int64)
    /// This node compared its copy of what it shares with the parent's (anti-entropy).
    case compared(parent: String, outcome: AntiEntropyCheck.Outcome)
}

/// A node restored from a backup (or rolled back) takes back from its parent
/// what it and the nodes below it wrote after the backup: its next pull asks
/// for a full resync that includes them, and only that resync may carry them.
public enum Recovery {
    /// Node metadata: "1" while the node waits for that resync to complete.
    public static let metaKey = "recovery.pending"
}

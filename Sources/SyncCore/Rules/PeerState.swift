/// How a link to a neighbour is doing, from what this node has recorded.
public enum PeerState: String, Codable, Sendable {
    case ok
    /// Never heard from.
    case neverConnected = "never-connected"
    /// Not heard from for longer than the policy allows.
    case silent
    /// The last exchanges failed; retrying with backoff.
    case failing
    /// Reachable, but changes have waited longer than the policy allows:
    /// connected and not making progress.
    case stalled
    /// Its outbox overflowed; a full resync is owed.
    case resyncOwed = "resync-owed"
    /// The last comparison of the copies both must hold found records that differ, not yet
    /// proven repaired (anti-entropy).
    case diverged

    /// The state from the recorded facts (pure, so it is tested by table).
    public static func assess(lastHeardSecondsAgo: Int?, failingSinceHeard: Bool, waiting: Int, oldestWaitingSeconds: Int?,
                              resyncOwed: Bool, diverged: Bool = false, policy: Policy) -> PeerState {
        guard let heard = lastHeardSecondsAgo else { return .neverConnected }
        if failingSinceHeard { return .failing }
        if heard > policy.silentAfterSeconds { return .silent }
        if resyncOwed { return .resyncOwed }
        if diverged { return .diverged }
        if waiting > 0, let oldest = oldestWaitingSeconds, oldest > policy.stalledAfterSeconds { return .stalled }
        return .ok
    }

    /// 中文, for the dashboard.
    public var chinese: String {
        switch self {
        case .ok: "正常"
        case .neverConnected: "从未连接"
        case .silent: "失联"
        case .failing: "连接失败"
        case .stalled: "停滞"
        case .resyncOwed: "待全量同步"
        case .diverged: "副本不一致"
        }
    }
}

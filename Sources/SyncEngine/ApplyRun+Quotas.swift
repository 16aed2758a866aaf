import SyncCore

/// Quotas in the apply pipeline: what one node can make another keep is bounded. A change past
/// its node's quota is kept out (not applied, not sent on) with an alarm naming the node and the
/// policy's bound; the rest of its batch applies, so the link goes on.
extension ApplyRun {
    /// Whether one more of what `node` made (`what`) may be kept: `held` already are, `limit` may be.
    mutating func withinQuota(_ what: String, of node: String, held: Int, limit: Int, policy name: String) throws -> Bool {
        guard held >= limit else { return true }
        try tx.raiseAlarm(kind: "quota", subject: "\(what)|\(node)",
                          message: "\(node) has \(held) \(what) kept here, the most policy.\(name) allows (\(limit)): its further ones are kept out; "
                            + "ask its operator why, or raise policy.\(name)", at: now)
        replica.counters.refused.increment("quota")
        return false
    }
}

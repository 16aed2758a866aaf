import Foundation
import SyncCore
import SyncEngine

/// A share request as operators see it (`syncnode share list`, status, the
/// dashboard): where it stands, its deadline and days left, this node's part in it.
public struct ShareView: Encodable, Sendable, Equatable {
    public struct Usage: Encodable, Sendable, Equatable {
        public var reads: Int
        public var exports: Int
        public var lastUsedAt: String?
    }

    public var id: String
    public var dataset: String
    public var requester: String
    public var source: String
    /// pending, granted, refused, expired or revoked.
    public var status: String
    /// The last working day for the answer (YYYY-MM-DD).
    public var deadline: String
    /// Pending past its deadline.
    public var overdue: Bool
    /// Working days left until the deadline, while pending.
    public var workingDaysLeft: Int?
    /// requester, source or filed (备案: a hub on the way, or an end's own hub).
    public var role: String
    public var items: [String]?
    public var region: String?
    public var purpose: String
    public var basis: String
    public var requestedAt: String
    /// The day asked for / granted until.
    public var until: String?
    public var grantedItems: [String]?
    public var masks: [String: String]?
    /// A refusal's legal basis or a revocation's reason.
    public var answerBasis: String?
    public var answeredAt: String?
    /// The node that releases the granted records (the lowest common hub, or the source).
    public var releasedBy: String?
    /// What the grantee reported of its use (使用情况反馈).
    public var usage: Usage?

    /// Every ticket this node holds: overdue first, then pending by deadline, then the newest.
    public static func all(_ replica: Replica) throws -> [ShareView] {
        let service = ShareService(replica: replica)
        let today = service.today
        let calendar = WorkingCalendar(policy: replica.policy)
        let views = try service.tickets().map { ticket -> ShareView in
            let status = ticket.status(on: today)
            let deadline = CivilDate(ticket.request.deadline)
            return ShareView(id: ticket.id, dataset: ticket.request.dataset, requester: ticket.request.requester, source: ticket.request.source,
                             status: status.rawValue, deadline: ticket.request.deadline, overdue: ticket.isOverdue(on: today),
                             workingDaysLeft: status == .pending ? deadline.map { calendar.workingDays(after: today, through: $0) } : nil,
                             role: service.role(in: ticket).rawValue, items: ticket.request.items, region: ticket.request.region,
                             purpose: ticket.request.purpose, basis: ticket.request.basis, requestedAt: ticket.request.requestedAt,
                             until: ticket.answer?.until ?? ticket.request.until,
                             grantedItems: ticket.answer?.decision == .refused ? nil : ticket.answer.map { $0.items ?? ticket.request.items ?? [] },
                             masks: ticket.answer?.masks, answerBasis: ticket.answer?.basis, answeredAt: ticket.answer?.answeredAt,
                             releasedBy: replica.topology.releasingNode(requester: ticket.request.requester, source: ticket.request.source),
                             usage: ticket.usage.map { Usage(reads: $0.reads, exports: $0.exports, lastUsedAt: $0.lastUsedAt) })
        }
        return views.sorted { a, b in
            if a.overdue != b.overdue { return a.overdue }
            if (a.status == "pending") != (b.status == "pending") { return a.status == "pending" }
            if a.status == "pending" && a.deadline != b.deadline { return a.deadline < b.deadline }
            return a.requestedAt > b.requestedAt
        }
    }

    /// What status says of the tickets: the overdue ones, and the pending ones this node must answer.
    static func attention(_ views: [ShareView], node: String) -> [String] {
        var lines: [String] = []
        let overdue = views.filter(\.overdue)
        for view in overdue.prefix(5) {
            let who = view.role == "source" ? "this node must answer it" : "\(view.source) has not answered"
            lines.append("share request \(view.id) for \(view.dataset) by \(view.requester) is overdue (deadline \(view.deadline)): \(who) (syncnode share list)")
        }
        if overdue.count > 5 { lines.append("\(overdue.count - 5) more share requests are overdue (syncnode share list)") }
        return lines
    }
}

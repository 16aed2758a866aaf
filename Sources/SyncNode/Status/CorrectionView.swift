import Foundation
import SyncCore
import SyncEngine

/// A correction or rectification notice as operators see it (`syncnode corrections list`, status, the dashboard).
public struct CorrectionView: Encodable, Sendable, Equatable {
    public var id: String
    /// correction (纠错) or notice (整改通知).
    public var kind: String
    public var dataset: String
    public var key: String?
    public var values: [String: String]?
    public var reason: String
    public var filer: String
    public var authority: String
    /// filed, acknowledged, extended, resolved or refused.
    public var status: String
    /// The deadline that applies now (YYYY-MM-DD): acknowledging, then resolving (or the extension's).
    public var deadline: String
    public var overdue: Bool
    /// Open past the extension: the hub common to both sides sees it as escalated.
    public var escalated: Bool
    /// The hub it escalates to.
    public var escalatesTo: String?
    /// filer, authority, filed (on the way) or escalated (this is the common hub and it is escalated).
    public var role: String
    public var steps: [CorrectionStep]
    public var filedAt: String

    /// Every ticket this node holds: escalated and overdue first, then open by deadline, then the newest.
    public static func all(_ replica: Replica) throws -> [CorrectionView] {
        let service = CorrectionService(replica: replica)
        let today = service.today
        let views = try service.tickets().map { t -> CorrectionView in
            let r = t.request
            return CorrectionView(id: t.id, kind: r.kind.rawValue, dataset: r.dataset, key: r.key, values: r.values, reason: r.reason,
                                  filer: r.filer, authority: r.authority, status: t.status.rawValue, deadline: t.deadline,
                                  overdue: t.isOverdue(on: today), escalated: t.isEscalated(on: today),
                                  escalatesTo: replica.topology.escalationHub(filer: r.filer, answerer: r.authority),
                                  role: service.role(in: t).rawValue, steps: t.steps, filedAt: r.filedAt)
        }
        return views.sorted { a, b in
            if a.escalated != b.escalated { return a.escalated }
            if a.overdue != b.overdue { return a.overdue }
            let aOpen = a.status != "resolved" && a.status != "refused", bOpen = b.status != "resolved" && b.status != "refused"
            if aOpen != bOpen { return aOpen }
            if aOpen && a.deadline != b.deadline { return a.deadline < b.deadline }
            return a.filedAt > b.filedAt
        }
    }

    /// What status says: overdue tickets at either end, escalated ones at the hub they escalated to.
    static func attention(_ views: [CorrectionView]) -> [String] {
        let flagged = views.filter { ($0.overdue && ($0.role == "filer" || $0.role == "authority")) || $0.role == "escalated" }
        var lines = flagged.prefix(5).map { v in
            let what = v.kind == "notice" ? "rectification notice" : "correction"
            let subject = "\(what) \(v.id) (\(v.dataset)\(v.key.map { "/\($0)" } ?? ""))"
            if v.role == "escalated" { return "\(subject) escalated here: \(v.authority) has not resolved it for \(v.filer) (syncnode corrections list)" }
            let who = v.role == "authority" ? "this node must answer it" : "\(v.authority) has not answered"
            return "\(subject) is overdue (deadline \(v.deadline)): \(who) (syncnode corrections list)"
        }
        if flagged.count > 5 { lines.append("\(flagged.count - 5) more corrections are overdue or escalated (syncnode corrections list)") }
        return lines
    }
}

import Foundation

/// A correction (纠错, 坪山 §24, 新昌 四(三), 汕尾 §27) or a rectification
/// notice (整改通知, 坪山 §14, 长沙 §18, 普陀 §13), as the filing node writes it.
public struct CorrectionRequest: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A record's values are wrong: filed at any node that holds it, for the items' authority.
        case correction
        /// A hub tells a source to rectify a dataset's quality.
        case notice
    }

    public var kind: Kind
    public var dataset: String
    /// The record (corrections only).
    public var key: String?
    /// The values proposed, as text (corrections only).
    public var values: [String: String]?
    public var reason: String
    public var filer: String
    /// The node that must answer: the items' authority, or the dataset's source for a notice.
    public var authority: String
    public var filedOn: String
    public var filedAt: String
    /// The last working day to acknowledge (verify) it (corrections: the policy's correctionAcknowledgeDays).
    public var acknowledgeBy: String?
    /// The last working day to resolve it.
    public var resolveBy: String
    /// The last day one extension may reach (correctionExtensionDays past resolveBy); past it unanswered, or
    /// past the extension granted, the ticket escalates to the hub common to both sides (汕尾 §34).
    public var latestBy: String

    public init(kind: Kind, dataset: String, key: String?, values: [String: String]?, reason: String, filer: String,
                authority: String, filedOn: String, filedAt: String, acknowledgeBy: String?, resolveBy: String, latestBy: String) {
        self.kind = kind
        self.dataset = dataset
        self.key = key
        self.values = values
        self.reason = reason
        self.filer = filer
        self.authority = authority
        self.filedOn = filedOn
        self.filedAt = filedAt
        self.acknowledgeBy = acknowledgeBy
        self.resolveBy = resolveBy
        self.latestBy = latestBy
    }
}

/// One step the authority takes on a ticket.
public struct CorrectionStep: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable { case acknowledged, extended, resolved, refused }

    public var action: Action
    public var reason: String?
    /// For an extension: the new last day.
    public var until: String?
    /// For a resolution: the values written (as text).
    public var values: [String: String]?
    public var at: String

    public init(action: Action, reason: String? = nil, until: String? = nil, values: [String: String]? = nil, at: String) {
        self.action = action
        self.reason = reason
        self.until = until
        self.values = values
        self.at = at
    }
}

/// Where a correction stands.
public enum CorrectionStatus: String, Codable, Sendable, CaseIterable {
    case filed, acknowledged, extended, resolved, refused

    public var isOpen: Bool { self != .resolved && self != .refused }
}

/// A correction or notice with the authority's steps: one record of the
/// reserved dataset `_corrections` (`request` by the filer, `answer` — the
/// steps so far — by the authority).
public struct CorrectionTicket: Sendable, Equatable {
    public static let dataset = "_corrections"
    public static let requestItem = "request"
    public static let answerItem = "answer"
    public static let shape = TicketShape(dataset: dataset, noun: "correction",
                                          writers: [requestItem: .filer, answerItem: .answerer], fixed: requestItem) { id, items in
        try CorrectionTicket(id: id, items: items).map { ($0.request.filer, $0.request.authority) }
    }

    public var id: String
    public var request: CorrectionRequest
    public var steps: [CorrectionStep]

    public init(id: String, request: CorrectionRequest, steps: [CorrectionStep] = []) {
        self.id = id
        self.request = request
        self.steps = steps
    }

    /// The ticket a `_corrections` record holds; nil while its request has not arrived.
    public init?(id: String, items: [String: ItemWrite]) throws(WireError) {
        guard let text = items[Self.requestItem]?.value.text else { return nil }
        self.id = id
        request = try TicketJSON.decode(CorrectionRequest.self, text, what: "correction")
        steps = try items[Self.answerItem]?.value.text.map { text throws(WireError) in
            try TicketJSON.decode([CorrectionStep].self, text, what: "correction's answer")
        } ?? []
        guard steps.count <= 100 else { throw WireError("a correction has at most 100 steps") }
    }

    public var status: CorrectionStatus {
        switch steps.last?.action {
        case nil: .filed
        case .acknowledged?: .acknowledged
        case .extended?: .extended
        case .resolved?: .resolved
        case .refused?: .refused
        }
    }

    /// The last day to resolve it now: the extension's, else the first.
    public var resolveBy: String { steps.last(where: { $0.action == .extended })?.until ?? request.resolveBy }

    /// The deadline that applies now: acknowledging first, then resolving.
    public var deadline: String {
        if status == .filed, let by = request.acknowledgeBy { return min(by, request.resolveBy) }
        return resolveBy
    }

    /// Open past its deadline.
    public func isOverdue(on today: CivilDate) -> Bool {
        status.isOpen && CivilDate(deadline).map { today > $0 } == true
    }

    /// Open past the extension granted, or past the longest one could have been: the common hub must see it.
    public func isEscalated(on today: CivilDate) -> Bool {
        let last = status == .extended ? resolveBy : request.latestBy
        return status.isOpen && CivilDate(last).map { today > $0 } == true
    }
}

/// The authority's answer to a conflict (a non-authority write): accepted —
/// the proposed value became its own write — or refused with a reason. It
/// travels back the way the proposal came and closes the conflict at every
/// node that held it. One record of the reserved dataset `_conflicts` per conflict.
public struct ConflictOutcome: Codable, Sendable, Equatable {
    public static let dataset = "_conflicts"
    public static let item = "outcome"

    public enum Decision: String, Codable, Sendable { case accepted, refused }

    public var dataset: String
    public var key: String
    public var item: String
    /// The node that proposed it and its stamp's clock reading.
    public var proposer: String
    public var hlc: Int64
    public var decision: Decision
    public var reason: String?
    public var at: String

    public init(conflict: Conflict, decision: Decision, reason: String?, at: String) {
        dataset = conflict.dataset
        key = conflict.key
        item = conflict.item
        proposer = conflict.proposed.stamp.origin
        hlc = conflict.proposed.stamp.hlc
        self.decision = decision
        self.reason = reason
        self.at = at
    }

    /// The conflict's id: short, stable, the same at every node that holds it.
    public var id: String { Self.id(dataset: dataset, key: key, item: item, proposer: proposer, hlc: hlc) }

    public static func id(of conflict: Conflict) -> String {
        id(dataset: conflict.dataset, key: conflict.key, item: conflict.item, proposer: conflict.proposed.stamp.origin,
           hlc: conflict.proposed.stamp.hlc)
    }

    static func id(dataset: String, key: String, item: String, proposer: String, hlc: Int64) -> String {
        "c" + String(SHA256Digest.hex([dataset, key, item, proposer, String(hlc)].joined(separator: "\u{1F}")).prefix(11))
    }
}

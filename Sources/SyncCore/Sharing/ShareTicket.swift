import Foundation

/// A request for conditional data (有条件共享申请), as the requesting node writes it.
public struct ShareRequest: Codable, Sendable, Equatable {
    public var dataset: String
    /// The node that asks (its department will use the data).
    public var requester: String
    /// The dataset's source node when the request was made: the one that answers.
    public var source: String
    /// The data items asked for; nil asks for every item.
    public var items: [String]?
    /// Only records within this region code (nil: every record of the dataset).
    public var region: String?
    /// 用途: what the data will be used for (汕尾 §18: used only for it).
    public var purpose: String
    /// 依据: the duty or law the request rests on.
    public var basis: String
    /// The last day (YYYY-MM-DD) the data is asked for; nil leaves it to the grant.
    public var until: String?
    /// The day it was made (UTC+8) and when (RFC 3339).
    public var requestedOn: String
    public var requestedAt: String
    /// The last working day for the answer, from the policy's calendar.
    public var deadline: String

    public init(dataset: String, requester: String, source: String, items: [String]?, region: String?, purpose: String,
                basis: String, until: String?, requestedOn: String, requestedAt: String, deadline: String) {
        self.dataset = dataset
        self.requester = requester
        self.source = source
        self.items = items
        self.region = region
        self.purpose = purpose
        self.basis = basis
        self.until = until
        self.requestedOn = requestedOn
        self.requestedAt = requestedAt
        self.deadline = deadline
    }
}

/// The source's answer to a request: a grant (with its items, masks and last
/// day), a refusal with its legal basis, or a grant revoked.
public struct ShareAnswer: Codable, Sendable, Equatable {
    public enum Decision: String, Codable, Sendable { case granted, refused, revoked }

    public var decision: Decision
    /// The items granted (a subset of those asked for); nil grants what was asked.
    public var items: [String]?
    /// Item → mask rule text (`MaskRule`).
    public var masks: [String: String]?
    /// The last day (YYYY-MM-DD) the grant runs.
    public var until: String?
    /// A refusal's legal basis, a revocation's reason.
    public var basis: String?
    /// Salt for `hash` masks: random per grant.
    public var salt: String?
    public var answeredAt: String

    public init(decision: Decision, items: [String]? = nil, masks: [String: String]? = nil, until: String? = nil,
                basis: String? = nil, salt: String? = nil, answeredAt: String) {
        self.decision = decision
        self.items = items
        self.masks = masks
        self.until = until
        self.basis = basis
        self.salt = salt
        self.answeredAt = answeredAt
    }
}

/// How the grantee used granted data (使用情况反馈): counted at the grantee, reported to the source.
public struct ShareUsage: Codable, Sendable, Equatable {
    public var reads: Int
    public var exports: Int
    /// When last used (RFC 3339).
    public var lastUsedAt: String?

    public init(reads: Int = 0, exports: Int = 0, lastUsedAt: String? = nil) {
        self.reads = reads
        self.exports = exports
        self.lastUsedAt = lastUsedAt
    }
}

/// Where a request stands.
public enum ShareStatus: String, Codable, Sendable, CaseIterable {
    case pending, granted, refused, expired, revoked
}

/// A share request with its answer and usage: one record of the reserved
/// dataset `_shares`, whose items each have one writer — `request` and `usage`
/// the requester, `answer` the source — so the authority merge keeps it and it
/// travels through the same log, outboxes and cursors as records, along the
/// tree between the two ends and to the hubs that file it (备案).
public struct ShareTicket: Sendable, Equatable {
    public static let dataset = "_shares"
    public static let requestItem = "request"
    public static let answerItem = "answer"
    public static let usageItem = "usage"
    /// Granted records reach the grantee under this reserved dataset name plus the ticket id.
    public static let grantPrefix = "_grant."

    public var id: String
    public var request: ShareRequest
    public var answer: ShareAnswer?
    public var usage: ShareUsage?

    public init(id: String, request: ShareRequest, answer: ShareAnswer? = nil, usage: ShareUsage? = nil) {
        self.id = id
        self.request = request
        self.answer = answer
        self.usage = usage
    }

    /// The reserved dataset the granted records of ticket `id` are held under at the grantee.
    public static func grantDataset(_ id: String) -> String { grantPrefix + id }

    /// The ticket a granted dataset name belongs to.
    public static func ticket(ofGrantDataset name: String) -> String? {
        name.hasPrefix(grantPrefix) ? String(name.dropFirst(grantPrefix.count)) : nil
    }

    /// Its status on `today` (UTC+8): a grant past its last day has expired.
    public func status(on today: CivilDate) -> ShareStatus {
        guard let answer else { return .pending }
        switch answer.decision {
        case .refused: return .refused
        case .revoked: return .revoked
        case .granted:
            if let until = answer.until.flatMap(CivilDate.init), today > until { return .expired }
            return .granted
        }
    }

    /// A pending request past its deadline.
    public func isOverdue(on today: CivilDate) -> Bool {
        answer == nil && CivilDate(request.deadline).map { today > $0 } == true
    }

    /// The items granted: the answer's, else those asked for, else all of `definition`'s.
    public func grantedItems(of definition: DatasetDefinition) -> [String] {
        answer?.items ?? request.items ?? definition.items.map(\.name)
    }

    /// The masks of the grant, parsed (a rule that does not parse drops the item: never release unmasked).
    public var maskRules: [String: MaskRule] {
        (answer?.masks ?? [:]).mapValues { (try? MaskRule(parsing: $0)) ?? .drop }
    }

    /// Whether a record in `region` falls within the request.
    public func covers(_ region: RegionCode) -> Bool {
        guard let text = request.region else { return true }
        guard let code = try? RegionCode(text) else { return false }
        return code.contains(region)
    }

    /// The granted part of a record's items, masked: what the grantee may hold.
    public func release(_ items: [String: ItemWrite], definition: DatasetDefinition, by node: String) -> [String: ItemWrite] {
        let granted = Set(grantedItems(of: definition))
        let rules = maskRules
        let salt = answer?.salt ?? id
        var released: [String: ItemWrite] = [:]
        for (name, write) in items where granted.contains(name) {
            let value = rules[name].map { $0.apply(write.value, salt: salt) } ?? write.value
            if let value { released[name] = ItemWrite(value: value, stamp: Stamp(hlc: write.stamp.hlc, origin: node)) }
        }
        return released
    }
}

extension ShareTicket {
    /// The ticket a `_shares` record holds; nil while its request has not arrived.
    public init?(id: String, items: [String: ItemWrite]) throws(WireError) {
        guard let text = items[Self.requestItem]?.value.text else { return nil }
        self.id = id
        request = try TicketJSON.decode(ShareRequest.self, text, what: "request")
        answer = try items[Self.answerItem]?.value.text.map { text throws(WireError) in try TicketJSON.decode(ShareAnswer.self, text, what: "answer") }
        usage = try items[Self.usageItem]?.value.text.map { text throws(WireError) in try TicketJSON.decode(ShareUsage.self, text, what: "usage") }
    }

    /// The `_shares` change by `node` setting `item` to `value`.
    public static func change<T: Encodable>(id: String, item: String, value: T, by node: NodeEntry, hlc: Int64) throws -> Change {
        try TicketJSON.change(dataset: dataset, id: id, item: item, value: value, by: node, hlc: hlc)
    }

    /// Who writes what: the request and the usage the requester, the answer the source.
    public static let shape = TicketShape(dataset: dataset, noun: "share request",
                                          writers: [requestItem: .filer, usageItem: .filer, answerItem: .answerer], fixed: requestItem) { id, items in
        try ShareTicket(id: id, items: items).map { ($0.request.requester, $0.request.source) }
    }
}


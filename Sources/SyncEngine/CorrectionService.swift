import Foundation
public import SyncCore

/// Corrections (纠错) and rectification notices (整改) at one node: filed
/// here, answered here, or held here on the way (and escalated here when this
/// is the hub common to both sides). Deadlines from the policy's working-day calendar.
public struct CorrectionService: Sendable {
    public let replica: Replica

    public init(replica: Replica) { self.replica = replica }

    /// This node's part in a ticket.
    public enum Role: String, Sendable, Encodable {
        case filer, authority, filed, escalated
    }

    var calendar: WorkingCalendar { WorkingCalendar(policy: replica.policy) }
    public var today: CivilDate { CivilDate(instant: replica.wallClock.now()) }

    /// Every ticket this node holds, newest first.
    public func tickets() throws -> [CorrectionTicket] {
        try replica.heldTickets(CorrectionTicket.shape, CorrectionTicket.init).sorted { $0.request.filedAt > $1.request.filedAt }
    }

    public func ticket(_ id: String) throws -> CorrectionTicket {
        try replica.heldTicket(CorrectionTicket.shape, id: id, list: "syncnode corrections list", CorrectionTicket.init)
    }

    public func role(in ticket: CorrectionTicket) -> Role {
        let node = replica.nodeID, request = ticket.request
        if request.filer == node { return .filer }
        if request.authority == node { return .authority }
        if ticket.isEscalated(on: today), replica.topology.escalationHub(filer: request.filer, answerer: request.authority) == node {
            return .escalated
        }
        return .filed
    }

    /// Files a correction of record `key`'s `values` (held at this node) for their authority.
    @discardableResult
    public func file(dataset id: String, key: String, values: [String: String], reason: String) throws -> CorrectionTicket {
        let node = replica.nodeID
        guard let definition = try replica.dataset(id)?.definition else {
            throw ReplicationError("there is no catalog entry '\(id)' at \(node): see syncnode catalog list")
        }
        guard let state = try replica.store.read({ try $0.record(dataset: id, key: key)?.state }), !state.isDeleted else {
            throw ReplicationError("\(node) holds no record '\(key.prefix(80))' of '\(id)': file a correction where the record is held")
        }
        guard !values.isEmpty else { throw ReplicationError("name the corrected values as ITEM=VALUE") }
        _ = try typed(values, of: definition)
        let authorities = Set(values.keys.map { definition.authority(for: $0) })
        guard authorities.count == 1, let authority = authorities.first else {
            throw ReplicationError("these items have different authorities (\(authorities.sorted().joined(separator: ", "))): file one correction per authority")
        }
        guard authority != node else {
            throw ReplicationError("\(node) is the authority for \(values.keys.sorted().joined(separator: ", ")): write the value instead (syncnode write)")
        }
        let policy = replica.policy
        return try fileTicket(kind: .correction, dataset: id, key: key, values: values, reason: reason, authority: authority,
                              acknowledgeDays: policy.correctionAcknowledgeDays, resolveDays: policy.correctionResolveDays)
    }

    /// Issues a rectification notice (整改通知) for `dataset` to its source: a hub above the source may.
    @discardableResult
    public func notify(dataset id: String, reason: String) throws -> CorrectionTicket {
        guard let definition = try replica.dataset(id)?.definition else {
            throw ReplicationError("there is no catalog entry '\(id)' at \(replica.nodeID): see syncnode catalog list")
        }
        guard replica.topology.isDescendant(definition.sourceNode, of: replica.nodeID) else {
            throw ReplicationError("only a hub above \(definition.sourceNode), the source of '\(id)', may issue it a rectification notice")
        }
        return try fileTicket(kind: .notice, dataset: id, key: nil, values: nil, reason: reason, authority: definition.sourceNode,
                              acknowledgeDays: nil, resolveDays: replica.policy.rectificationDays)
    }

    private func fileTicket(kind: CorrectionRequest.Kind, dataset: String, key: String?, values: [String: String]?, reason: String,
                            authority: String, acknowledgeDays: Int?, resolveDays: Int) throws -> CorrectionTicket {
        let today = self.today, calendar = self.calendar
        let resolveBy = calendar.deadline(from: today, workingDays: resolveDays)
        let request = CorrectionRequest(kind: kind, dataset: dataset, key: key, values: values, reason: try OperatorInput.text(reason, "--reason"),
                                        filer: replica.nodeID, authority: authority, filedOn: today.description,
                                        filedAt: Timestamp.iso(replica.wallClock.now()),
                                        acknowledgeBy: acknowledgeDays.map { calendar.deadline(from: today, workingDays: $0).description },
                                        resolveBy: resolveBy.description,
                                        latestBy: calendar.deadline(from: resolveBy, workingDays: replica.policy.correctionExtensionDays).description)
        let hlc = replica.tick()
        let id = TicketJSON.newID(at: replica.nodeID, hlc: hlc)
        try replica.write(try TicketJSON.change(dataset: CorrectionTicket.dataset, id: id, item: CorrectionTicket.requestItem, value: request,
                                                by: replica.node, hlc: hlc),
                          audit: replica.draft(kind == .notice ? "rectification notice" : "correction filed", id,
                                               "\(dataset)\(key.map { "/\($0)" } ?? "") for \(authority): \(request.reason)"))
        return CorrectionTicket(id: id, request: request)
    }

    /// The authority has verified it (核实).
    @discardableResult
    public func acknowledge(_ id: String) throws -> CorrectionTicket {
        try step(id, allowing: [.filed]) { _, at in CorrectionStep(action: .acknowledged, at: at) }
    }

    /// The authority needs longer: once, with a reason, up to the policy's extension.
    @discardableResult
    public func extend(_ id: String, reason: String, until: String?) throws -> CorrectionTicket {
        let reason = try OperatorInput.text(reason, "--reason")
        return try step(id, allowing: [.filed, .acknowledged]) { ticket, at in
            let latest = CivilDate(ticket.request.latestBy) ?? today
            let day = try until.map { try OperatorInput.day($0, notBefore: today, what: "--until") } ?? latest
            guard day <= latest else {
                throw ReplicationError("--until \(day) is past the longest extension (\(latest): \(replica.policy.correctionExtensionDays) working days after \(ticket.request.resolveBy))")
            }
            return CorrectionStep(action: .extended, reason: reason, until: day.description, at: at)
        }
    }

    /// The authority fixes it: its own write of the proposed values (or `values`), then the ticket closes.
    @discardableResult
    public func resolve(_ id: String, values given: [String: String]?) throws -> CorrectionTicket {
        let ticket = try answerable(id, allowing: [.filed, .acknowledged, .extended])
        var record: Change?
        var written: [String: String]?
        if ticket.request.kind == .correction, let key = ticket.request.key {
            let values = given ?? ticket.request.values ?? [:]
            guard let definition = try replica.dataset(ticket.request.dataset)?.definition else {
                throw ReplicationError("dataset '\(ticket.request.dataset)' is no longer in the catalog at \(replica.nodeID)")
            }
            for name in values.keys where definition.authority(for: name) != replica.nodeID {
                throw ReplicationError("\(replica.nodeID) is not the authority for '\(name)'")
            }
            guard let state = try replica.store.read({ try $0.record(dataset: definition.id, key: key)?.state }) else {
                throw ReplicationError("\(replica.nodeID) holds no record '\(key)' of '\(definition.id)' any more: refuse the correction")
            }
            record = Change.write(dataset: definition.id, key: key, region: state.region, values: try typed(values, of: definition),
                                  origin: replica.nodeID, hlc: 0)
            written = values
        }
        return try step(ticket, record: record) { CorrectionStep(action: .resolved, values: written, at: $0) }
    }

    /// The authority refuses it, with a reason (the value stands).
    @discardableResult
    public func refuse(_ id: String, reason: String) throws -> CorrectionTicket {
        let reason = try OperatorInput.text(reason, "--reason")
        return try step(id, allowing: [.filed, .acknowledged, .extended]) { _, at in CorrectionStep(action: .refused, reason: reason, at: at) }
    }

    private func answerable(_ id: String, allowing: Set<CorrectionStatus>) throws -> CorrectionTicket {
        let ticket = try self.ticket(id)
        guard ticket.request.authority == replica.nodeID else {
            throw ReplicationError("correction '\(id)' is answered by \(ticket.request.authority), not \(replica.nodeID)")
        }
        guard allowing.contains(ticket.status) else {
            throw ReplicationError("correction '\(id)' is \(ticket.status.rawValue); this applies only to one that is \(allowing.map(\.rawValue).sorted().joined(separator: " or "))")
        }
        return ticket
    }

    private func step(_ id: String, allowing: Set<CorrectionStatus>, _ make: (_ ticket: CorrectionTicket, _ at: String) throws -> CorrectionStep) throws -> CorrectionTicket {
        let ticket = try answerable(id, allowing: allowing)
        return try step(ticket) { try make(ticket, $0) }
    }

    /// Writes the next step (and the record write that resolves it) in one transaction.
    private func step(_ ticket: CorrectionTicket, record: Change? = nil, _ make: (_ at: String) throws -> CorrectionStep) throws -> CorrectionTicket {
        var next = ticket
        next.steps.append(try make(Timestamp.iso(replica.wallClock.now())))
        let replica = self.replica
        let step = next.steps.last!
        let audit = replica.draft("correction \(step.action.rawValue)", next.id,
                                  "\(next.request.dataset)\(next.request.key.map { "/\($0)" } ?? "")\(step.reason.map { ": \($0)" } ?? "")")
        try replica.transaction(from: nil, cursor: nil, audit: { _ in audit }) { emit, _ in
            if var record {
                let hlc = replica.tick()
                record.items = record.items.mapValues { ItemWrite(value: $0.value, stamp: Stamp(hlc: hlc, origin: replica.nodeID)) }
                try emit(EncodedChange(record))
            }
            try emit(EncodedChange(try TicketJSON.change(dataset: CorrectionTicket.dataset, id: next.id, item: CorrectionTicket.answerItem,
                                                         value: next.steps, by: replica.node, hlc: replica.tick())))
        }
        return next
    }

    private func typed(_ values: [String: String], of definition: DatasetDefinition) throws -> [String: JSONValue] {
        var typed: [String: JSONValue] = [:]
        for (name, text) in values {
            guard let item = definition.item(name) else {
                throw ReplicationError("dataset '\(definition.id)' has no data item '\(name.prefix(64))'; its items: \(definition.items.map(\.name).joined(separator: ", "))")
            }
            guard name != definition.keyItem else { throw ReplicationError("the key item '\(name)' names the record; it is not corrected") }
            guard let value = ValueCheck.parse(text, for: item) else {
                throw ReplicationError("item '\(name)': '\(text.prefix(60))' is not a \(item.type.rawValue)")
            }
            if let problem = ValueCheck.problem(value, for: item) { throw ReplicationError("item '\(name)': \(problem)") }
            typed[name] = value
        }
        return typed
    }
}

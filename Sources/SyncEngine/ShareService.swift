import Foundation
public import SyncCore

/// Conditional sharing (有条件共享) at one node: requests made here, answered
/// here or filed here (备案), and the copies granted to this node. Tickets are
/// records of `_shares`; the apply pipeline (`ApplyRun+Shares`) carries them
/// and the granted records. Deadlines come from the policy's working-day calendar.
public struct ShareService: Sendable {
    public let replica: Replica

    public init(replica: Replica) { self.replica = replica }

    /// This node's role in a ticket.
    public enum Role: String, Sendable, Encodable {
        case requester, source, filed
    }

    var calendar: WorkingCalendar { WorkingCalendar(policy: replica.policy) }
    /// The day it is at this node (UTC+8).
    public var today: CivilDate { CivilDate(instant: replica.wallClock.now()) }

    /// Every ticket this node holds, newest first.
    public func tickets() throws -> [ShareTicket] {
        try replica.heldTickets(ShareTicket.shape, ShareTicket.init).sorted { $0.request.requestedAt > $1.request.requestedAt }
    }

    /// Ticket `id`; the error says where to look when this node does not hold it.
    public func ticket(_ id: String) throws -> ShareTicket {
        try replica.heldTicket(ShareTicket.shape, id: id, list: "syncnode share list", ShareTicket.init)
    }

    public func role(in ticket: ShareTicket) -> Role {
        ticket.request.requester == replica.nodeID ? .requester : ticket.request.source == replica.nodeID ? .source : .filed
    }

    /// Asks the source of conditional dataset `dataset` for its records: the
    /// request travels along the tree to the source and is filed at the hubs on the way.
    @discardableResult
    public func request(dataset id: String, items: [String]?, region: String?, purpose: String, basis: String, until: String?) throws -> ShareTicket {
        let node = replica.nodeID
        guard let known = try replica.dataset(id) else {
            throw ReplicationError("there is no catalog entry '\(id)' at \(node): see syncnode catalog list")
        }
        let definition = known.definition
        switch definition.shareType {
        case .unconditional: throw ReplicationError("dataset '\(id)' is shared unconditionally (无条件共享): it needs no request")
        case .none: throw ReplicationError("dataset '\(id)' is not shared (不予共享): ask for verification instead (syncnode verify)")
        case .conditional: break
        }
        guard !known.withdrawn else { throw ReplicationError("dataset '\(id)' has been withdrawn (下架)") }
        let topology = replica.topology
        guard definition.sourceNode != node, !topology.isDescendant(definition.sourceNode, of: node) else {
            throw ReplicationError("\(node) holds dataset '\(id)' already: its source \(definition.sourceNode) is this node or below it")
        }
        if let items {
            guard !items.isEmpty else { throw ReplicationError("--items names no item") }
            for item in items where definition.item(item) == nil {
                throw ReplicationError("dataset '\(id)' has no data item '\(item.prefix(64))'; its items: \(definition.items.map(\.name).joined(separator: ", "))")
            }
        }
        if let region {
            do { _ = try RegionCode(region) } catch { throw ReplicationError("--region: \(error)") }
        }
        let purpose = try OperatorInput.text(purpose, "--purpose (用途)"), basis = try OperatorInput.text(basis, "--basis (依据)")
        let today = self.today
        if let until { _ = try OperatorInput.day(until, notBefore: today, what: "--until") }
        let deadline = calendar.deadline(from: today, workingDays: replica.policy.shareRequestDays)
        let now = replica.wallClock.now()
        let hlc = replica.tick()
        let ticketID = "\(node)-\(String(hlc, radix: 36))"
        let request = ShareRequest(dataset: id, requester: node, source: definition.sourceNode, items: items.map { Array(Set($0)).sorted() },
                                   region: region, purpose: purpose, basis: basis, until: until, requestedOn: today.description,
                                   requestedAt: Timestamp.iso(now), deadline: deadline.description)
        try replica.write(try ShareTicket.change(id: ticketID, item: ShareTicket.requestItem, value: request, by: replica.node, hlc: hlc),
                          audit: replica.draft("share request", ticketID, "\(id) from \(definition.sourceNode); purpose: \(purpose)"))
        return ShareTicket(id: ticketID, request: request)
    }

    /// Grants request `id` at its source: the items (a subset of those asked
    /// for), the masks, the last day. The granted records then flow, masked, to the requester only.
    @discardableResult
    public func grant(_ id: String, items: [String]?, masks: [String: MaskRule], until: String?) throws -> ShareTicket {
        var ticket = try answerable(id, allowing: [.pending, .granted])
        guard let definition = try replica.dataset(ticket.request.dataset)?.definition else {
            throw ReplicationError("dataset '\(ticket.request.dataset)' is no longer in the catalog at \(replica.nodeID)")
        }
        let asked = Set(ticket.request.items ?? definition.items.map(\.name))
        if let items {
            for item in items where !asked.contains(item) {
                throw ReplicationError("item '\(item.prefix(64))' was not asked for; the request asks for \(asked.sorted().joined(separator: ", "))")
            }
        }
        let granted = Set(items ?? Array(asked))
        for item in masks.keys where !granted.contains(item) {
            throw ReplicationError("--mask names '\(item.prefix(64))', which is not granted")
        }
        let last = until ?? ticket.request.until
        if let last {
            let day = try OperatorInput.day(last, notBefore: today, what: "--until")
            if let asked = ticket.request.until.flatMap(CivilDate.init), day > asked {
                throw ReplicationError("--until \(last) is after the day the request asks for (\(asked))")
            }
        }
        let salt = (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
        ticket.answer = ShareAnswer(decision: .granted, items: items.map { Array(Set($0)).sorted() },
                                    masks: masks.isEmpty ? nil : masks.mapValues(\.description), until: last, salt: salt,
                                    answeredAt: Timestamp.iso(replica.wallClock.now()))
        try answer(ticket)
        return ticket
    }

    /// Refuses request `id` with its legal basis (汕尾 §19).
    @discardableResult
    public func refuse(_ id: String, basis: String) throws -> ShareTicket {
        var ticket = try answerable(id, allowing: [.pending])
        ticket.answer = ShareAnswer(decision: .refused, basis: try OperatorInput.text(basis, "--basis (the legal basis of the refusal)"),
                                    answeredAt: Timestamp.iso(replica.wallClock.now()))
        try answer(ticket)
        return ticket
    }

    /// Ends grant `id` before its last day: the flow stops and the grantee's copies go.
    @discardableResult
    public func revoke(_ id: String, reason: String) throws -> ShareTicket {
        var ticket = try answerable(id, allowing: [.granted])
        var answer = ticket.answer!
        answer.decision = .revoked
        answer.basis = try OperatorInput.text(reason, "--reason")
        answer.answeredAt = Timestamp.iso(replica.wallClock.now())
        ticket.answer = answer
        try self.answer(ticket)
        return ticket
    }

    private func answerable(_ id: String, allowing: Set<ShareStatus>) throws -> ShareTicket {
        let ticket = try self.ticket(id)
        guard ticket.request.source == replica.nodeID else {
            throw ReplicationError("request '\(id)' is answered by its source \(ticket.request.source), not \(replica.nodeID)")
        }
        let status = ticket.status(on: today)
        guard allowing.contains(status) else {
            throw ReplicationError("request '\(id)' is \(status.rawValue); this applies only to one that is \(allowing.map(\.rawValue).sorted().joined(separator: " or "))")
        }
        return ticket
    }

    private func answer(_ ticket: ShareTicket) throws {
        let answer = ticket.answer!
        let masks = answer.masks ?? [:]
        var detail = "\(ticket.request.dataset) to \(ticket.request.requester)"
        if !masks.isEmpty { detail += "; masks " + masks.keys.sorted().map { "\($0)=\(masks[$0]!)" }.joined(separator: " ") }
        if let basis = answer.basis { detail += "; \(basis)" }
        try replica.write(try ShareTicket.change(id: ticket.id, item: ShareTicket.answerItem, value: answer, by: replica.node, hlc: replica.tick()),
                          audit: replica.draft("share \(answer.decision.rawValue)", ticket.id, detail))
    }

    // MARK: The grantee's side

    /// The grants this node holds copies under for `dataset` and may use now
    /// (with the "mark" policy, ended grants' copies stay but are not used).
    public func usableGrants(dataset: String) throws -> [ShareTicket] {
        let today = self.today
        return try tickets().filter { $0.request.requester == replica.nodeID && $0.request.dataset == dataset && $0.status(on: today) == .granted }
    }

    /// Counts a use of granted copies (使用情况反馈): the usage travels to the source with the ticket.
    public func recordUse(of ticket: ShareTicket, reads: Int = 0, exports: Int = 0) throws {
        guard reads > 0 || exports > 0 else { return }
        let replica = self.replica
        try replica.transaction(from: nil, cursor: nil) { emit, reader in
            let held = try reader.record(dataset: ShareTicket.dataset, key: ticket.id)
            let current = try held.flatMap { try ShareTicket(id: ticket.id, items: $0.state.items) }?.usage ?? ShareUsage()
            let usage = ShareUsage(reads: current.reads + reads, exports: current.exports + exports,
                                   lastUsedAt: Timestamp.iso(replica.wallClock.now()))
            try emit(EncodedChange(try ShareTicket.change(id: ticket.id, item: ShareTicket.usageItem, value: usage, by: replica.node, hlc: replica.tick())))
        }
    }

    /// Deletes the copies of grants made to this node that have expired or been revoked; returns how many went.
    @discardableResult
    public func endGrants() throws -> Int {
        let today = self.today
        let ended = try tickets().filter { $0.request.requester == replica.nodeID && [.expired, .revoked].contains($0.status(on: today)) }
        guard !ended.isEmpty, replica.policy.grantEnd == "remove" else { return 0 }
        let stats = try replica.store.read { try $0.datasetStats() }
        let held = ended.filter { (stats[ShareTicket.grantDataset($0.id)]?.records ?? 0) > 0 }
        guard !held.isEmpty else { return 0 }
        var removed = 0
        for ticket in held {
            removed += try replica.endCopies(of: ticket)
        }
        return removed
    }
}

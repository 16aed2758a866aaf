import Foundation
import SyncCore

/// The apply pipeline's part in conditional sharing: share tickets travel
/// between requester and source and are filed on the way; the node that
/// releases a grant's records sends them, masked, toward the grantee only;
/// the grantee holds them apart from its own data and ends them when the grant does.
extension ApplyRun {
    /// The day it is at this node (UTC+8), for grants' last days.
    var today: CivilDate { CivilDate(instant: Timestamp.date(millis: now)) }

    /// Applies a change of a share ticket, then what its answer sets off here:
    /// the releasing node sends a new grant's records; the grantee ends its copies of an ended one.
    mutating func applyShare(_ encoded: EncodedChange) throws {
        let key = encoded.change.key
        let label = "share request '\(key.prefix(80))'"
        guard let (before, after) = try applyTicket(encoded, shape: ShareTicket.shape) else { return }
        releases = nil
        guard encoded.change.items[ShareTicket.answerItem] != nil, let ticket = try ticket(key, after, label: label) else { return }
        let previous = try before.flatMap { try self.ticket(key, $0, label: label) }
        guard ticket.answer != previous?.answer else { return }
        let request = ticket.request
        if node == replica.topology.releasingNode(requester: request.requester, source: request.source), ticket.status(on: today) == .granted {
            try releaseAll(ticket)
        }
        if node == request.requester, [.revoked, .expired].contains(ticket.status(on: today)) {
            try endCopies(of: ticket)
        }
    }

    private func ticket(_ id: String, _ items: [String: ItemWrite], label: String) throws -> ShareTicket? {
        do { return try ShareTicket(id: id, items: items) } catch {
            throw ReplicationError("\(label): \(error)", kind: .invalid)
        }
    }

    /// Sends every held record a new grant covers toward the grantee.
    private mutating func releaseAll(_ ticket: ShareTicket) throws {
        guard let dataset = try knownDataset(ticket.request.dataset) else { return }
        var prefix = ""
        if let text = ticket.request.region, let code = try? RegionCode(text) { prefix = String(code.prefix(at: code.level)) }
        var held: [(key: String, state: RecordState)] = []
        try tx.forEachRecord(dataset: ticket.request.dataset, regionPrefix: prefix) { held.append(($0, $1)) }
        for record in held where ticket.covers(record.state.region) {
            try sendGranted(ticket, key: record.key, region: record.state.region, items: record.state.items, tombstone: nil, of: dataset)
        }
    }

    mutating func knownDataset(_ id: String) throws -> DatasetDefinition? {
        if known == nil { known = try replica.knownDatasets(tx) }
        return known?[id]?.definition
    }

    /// A change of a conditional dataset merged here: its granted part goes to each grant this node releases.
    mutating func release(_ change: Change, of definition: DatasetDefinition) throws {
        if releases == nil { releases = try grantsReleasedHere() }
        guard let tickets = releases?[change.dataset] else { return }
        for ticket in tickets where ticket.status(on: today) == .granted && ticket.covers(change.region) {
            try sendGranted(ticket, key: change.key, region: change.region, items: change.items, tombstone: change.tombstone, of: definition)
        }
    }

    private func grantsReleasedHere() throws -> [String: [ShareTicket]] {
        var result: [String: [ShareTicket]] = [:]
        let topology = replica.topology
        try tx.forEachRecord(dataset: ShareTicket.dataset, regionPrefix: "") { key, state in
            guard let ticket = try? ShareTicket(id: key, items: state.items), ticket.answer?.decision == .granted,
                  topology.releasingNode(requester: ticket.request.requester, source: ticket.request.source) == node else { return }
            result[ticket.request.dataset, default: []].append(ticket)
        }
        return result
    }

    /// Logs the granted, masked part of a record as this node's write and queues it toward the grantee.
    private mutating func sendGranted(_ ticket: ShareTicket, key: String, region: RegionCode, items: [String: ItemWrite],
                                      tombstone: Stamp?, of definition: DatasetDefinition) throws {
        let released = ticket.release(items, definition: definition, by: node)
        let deletion = tombstone.map { Stamp(hlc: $0.hlc, origin: node) }
        guard !released.isEmpty || deletion != nil else { return }
        let change = Change(dataset: ShareTicket.grantDataset(ticket.id), key: key, region: region, items: released,
                            tombstone: deletion, origin: node)
        try forward(change, bytes: ChangeCodec.encode(change), toward: ticket.request.requester, from: nil)
    }

    private mutating func forward(_ change: Change, bytes: [UInt8], toward requester: String, from: String?) throws {
        guard let next = replica.routing.towardAuthority(requester, at: node, from: from) else { return }
        _ = try append(try logEntry(change, body: bytes, live: false, to: [next]))
    }

    /// Applies a granted record: passed on by the nodes between the releasing
    /// node and the grantee (never held by them), held by the grantee while the
    /// grant runs. Only the releasing node may send it, only the granted items
    /// of the granted region; what arrives after the grant ended is dropped.
    mutating func applyGranted(_ encoded: EncodedChange, ticket id: String) throws {
        let change = encoded.change
        let label = "granted record \(change.key.prefix(80)) of ticket '\(id.prefix(80))'"
        guard let record = try tx.record(dataset: ShareTicket.dataset, key: id),
              let ticket = try self.ticket(id, record.state.items, label: label) else {
            throw ReplicationError("\(label): there is no such share ticket at \(node)", kind: .forbidden)
        }
        let request = ticket.request
        guard let from else {
            // Written here: the grantee ending its copies.
            guard node == request.requester, change.items.isEmpty, change.tombstone != nil else {
                throw ReplicationError("\(label): only the grantee deletes its copies here")
            }
            _ = try join(change, bytes: encoded.bytes)
            return
        }
        guard change.origin == replica.topology.releasingNode(requester: request.requester, source: request.source) else {
            throw ReplicationError("\(label): \(change.origin) does not release this grant", kind: .forbidden)
        }
        guard ticket.status(on: today) == .granted else {
            replica.counters.refused.increment("grant-ended")
            return
        }
        if let definition = try knownDataset(request.dataset) {
            let granted = Set(ticket.grantedItems(of: definition))
            guard change.items.keys.allSatisfy(granted.contains), ticket.covers(change.region) else {
                throw ReplicationError("\(label): it carries items or a region the grant does not cover", kind: .forbidden)
            }
        }
        if node == request.requester {
            _ = try join(change, bytes: encoded.bytes)
        } else {
            try forward(change, bytes: encoded.bytes, toward: request.requester, from: from)
        }
    }

    /// Deletes the grantee's copies of an ended grant (the policy may keep them, marked ended); returns how many.
    @discardableResult
    mutating func endCopies(of ticket: ShareTicket) throws -> Int {
        let deletions = try replica.copyDeletions(of: ticket, reader: tx)
        for deletion in deletions { _ = try join(deletion, bytes: ChangeCodec.encode(deletion)) }
        return deletions.count
    }
}

extension Replica {
    /// The deletions of the grantee's copies of an ended `ticket`: none when the policy keeps them (grantEnd mark).
    func copyDeletions(of ticket: ShareTicket, reader: any ReplicaReading) throws -> [Change] {
        guard policy.grantEnd == "remove" else { return [] }
        let dataset = ShareTicket.grantDataset(ticket.id)
        var held: [(key: String, region: RegionCode)] = []
        try reader.forEachRecord(dataset: dataset, regionPrefix: "") { held.append(($0, $1.region)) }
        return held.map { Change.delete(dataset: dataset, key: $0.key, region: $0.region, origin: nodeID, hlc: tick()) }
    }

    /// Deletes the grantee's copies of `ticket` in one transaction, audited; returns how many went.
    func endCopies(of ticket: ShareTicket) throws -> Int {
        var removed = 0
        try transaction(from: nil, cursor: nil, audit: { _ in
            removed == 0 ? nil : AuditDraft(by: Replica.nodeOperator, action: "grant copies removed", subject: ticket.id,
                                            detail: "\(removed) copies of \(ticket.request.dataset): the grant ended")
        }) { emit, reader in
            let deletions = try copyDeletions(of: ticket, reader: reader)
            for deletion in deletions { try emit(EncodedChange(deletion)) }
            removed = deletions.count
        }
        return removed
    }
}

import Foundation
import SyncCore

/// The apply pipeline's part in tickets (share requests, corrections, conflict
/// outcomes): each item checked against the end that alone may write it, held
/// by the nodes on the way between the ends, passed on along it.
extension ApplyRun {
    /// Applies a ticket change shaped as `shape`. Returns the ticket's items before and after,
    /// nil when the change changed nothing.
    mutating func applyTicket(_ encoded: EncodedChange, shape: TicketShape)
        throws -> (before: [String: ItemWrite]?, after: [String: ItemWrite])? {
        let change = encoded.change
        let label = "\(shape.noun) '\(change.key.prefix(80))'"
        guard change.tombstone == nil, !change.items.isEmpty, change.items.keys.allSatisfy({ shape.writers[$0] != nil }) else {
            throw ReplicationError("\(label): a change of it carries only \(shape.writers.keys.sorted().joined(separator: ", ")) and no deletion", kind: .invalid)
        }
        let current = try tx.record(dataset: shape.dataset, key: change.key)?.state.items
        let found: (filer: String, answerer: String)?
        do { found = try shape.ends(change.key, (current ?? [:]).merging(change.items) { $1 }) } catch {
            throw ReplicationError("\(label): \(error)", kind: .invalid)
        }
        guard let (filer, answerer) = found else {
            throw ReplicationError("\(label): its \(shape.fixed) has not arrived here; the \(shape.fixed) travels first")
        }
        let topology = replica.topology
        guard topology.node(filer) != nil, topology.node(answerer) != nil, change.key.hasPrefix(filer + "-") else {
            throw ReplicationError("\(label): both ends must be nodes of this federation and its id start with the filer's", kind: .invalid)
        }
        if let held = current?[shape.fixed], let new = change.items[shape.fixed], held.value != new.value {
            throw ReplicationError("\(label): its \(shape.fixed) is not changed once made; file a new one", kind: .forbidden)
        }
        for (name, write) in change.items {
            let writer = shape.writers[name] == .answerer ? answerer : filer
            guard write.stamp.origin == writer else {
                throw ReplicationError("\(label): only \(writer) may write its \(name), not \(write.stamp.origin)", kind: .forbidden)
            }
        }
        if current == nil, try !withinQuota("\(shape.noun)s", of: filer, held: try tx.recordCount(dataset: shape.dataset, keyPrefix: filer + "-"),
                                            limit: replica.policy.maxTicketsPerNode, policy: "maxTicketsPerNode") {
            guard from != nil else {
                throw ReplicationError("\(label): \(filer) has filed \(replica.policy.maxTicketsPerNode) already, the most policy.maxTicketsPerNode allows")
            }
            return nil
        }
        let route = topology.ticketRoute(filer: filer, answerer: answerer)
        guard route.contains(node) else {
            throw ReplicationError("\(label): \(node) is not on the way between \(filer) and \(answerer)", kind: .forbidden)
        }
        let next = topology.neighbours(of: node).map(\.id).filter { route.contains($0) && $0 != from }
        guard try join(change, bytes: encoded.bytes, to: next) != nil else { return nil }
        let after = try tx.record(dataset: shape.dataset, key: change.key)?.state.items ?? [:]
        return (current, after)
    }

    /// Applies a change of a correction or rectification notice.
    mutating func applyCorrection(_ encoded: EncodedChange) throws {
        _ = try applyTicket(encoded, shape: CorrectionTicket.shape)
    }

    /// Applies a conflict's outcome: written by the item's authority, it closes the conflict here and
    /// goes on toward the node that proposed it, the way the proposal came.
    mutating func applyConflictOutcome(_ encoded: EncodedChange) throws {
        let change = encoded.change
        let label = "the outcome of conflict '\(change.key.prefix(40))'"
        guard change.tombstone == nil, change.items.count == 1, let write = change.items[ConflictOutcome.item], let text = write.value.text else {
            throw ReplicationError("\(label): it carries one item '\(ConflictOutcome.item)' and no deletion", kind: .invalid)
        }
        let outcome: ConflictOutcome
        do { outcome = try TicketJSON.decode(ConflictOutcome.self, text, what: "conflict outcome") } catch {
            throw ReplicationError("\(label): \(error)", kind: .invalid)
        }
        guard outcome.id == change.key else { throw ReplicationError("\(label): it describes another conflict", kind: .invalid) }
        if let definition = try knownDataset(outcome.dataset) {
            let authority = outcome.item == Conflict.deleteItem ? definition.sourceNode : definition.authority(for: outcome.item)
            guard write.stamp.origin == authority else {
                throw ReplicationError("\(label): only the authority \(authority) answers it, not \(write.stamp.origin)", kind: .forbidden)
            }
        }
        let next = replica.routing.towardAuthority(outcome.proposer, at: node, from: from)
        guard try join(change, bytes: encoded.bytes, to: next.map { [$0] } ?? []) != nil else { return }
        try tx.closeConflict(dataset: outcome.dataset, key: outcome.key, item: outcome.item, proposer: outcome.proposer, hlc: outcome.hlc)
    }
}

extension Replica {
    /// Every ticket of `shape` this node holds, decoded by `decode` (nil: its request has not arrived;
    /// one that does not decode is skipped), in no particular order.
    func heldTickets<T>(_ shape: TicketShape, _ decode: (String, [String: ItemWrite]) throws -> T?) throws -> [T] {
        try store.read { reader in
            var found: [T] = []
            try reader.forEachRecord(dataset: shape.dataset, regionPrefix: "") { key, state in
                if let ticket = try? decode(key, state.items) { found.append(ticket) }
            }
            return found
        }
    }

    /// Ticket `id` of `shape`; the error names the list command to look in.
    func heldTicket<T>(_ shape: TicketShape, id: String, list: String, _ decode: (String, [String: ItemWrite]) throws -> T?) throws -> T {
        let state = try store.read { try $0.record(dataset: shape.dataset, key: id)?.state }
        guard let state, let ticket = try decode(id, state.items) else {
            throw ReplicationError("there is no \(shape.noun) '\(id.prefix(80))' at \(nodeID): see \(list)")
        }
        return ticket
    }
}

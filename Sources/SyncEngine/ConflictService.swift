import Foundation
public import SyncCore

/// Answers to conflicts (non-authority writes) at their authority: accepting
/// one makes the proposed value the authority's own write, which flows
/// everywhere; refusing keeps the value. Either way the outcome travels back
/// the way the proposal came and closes the conflict at every node that held it.
public struct ConflictService: Sendable {
    public let replica: Replica

    public init(replica: Replica) { self.replica = replica }

    /// The open conflict `id` held here.
    public func conflict(_ id: String) throws -> Conflict {
        guard let stored = try replica.store.read({ try $0.conflicts() }).first(where: { ConflictOutcome.id(of: $0.conflict) == id }) else {
            throw ReplicationError("there is no open conflict '\(id.prefix(40))' at \(replica.nodeID): see syncnode conflicts")
        }
        return stored.conflict
    }

    /// Makes the proposed value (or deletion) this node's own write and closes the conflict.
    @discardableResult
    public func accept(_ id: String) throws -> ConflictOutcome {
        let conflict = try answerable(id)
        guard let state = try replica.store.read({ try $0.record(dataset: conflict.dataset, key: conflict.key)?.state }) else {
            throw ReplicationError("\(replica.nodeID) holds no record '\(conflict.key)' of '\(conflict.dataset)': refuse the conflict instead")
        }
        let replica = self.replica
        return try answer(conflict, .accepted, reason: nil) { hlc in
            conflict.item == Conflict.deleteItem
                ? Change.delete(dataset: conflict.dataset, key: conflict.key, region: state.region, origin: replica.nodeID, hlc: hlc)
                : Change.write(dataset: conflict.dataset, key: conflict.key, region: state.region,
                               values: [conflict.item: conflict.proposed.value], origin: replica.nodeID, hlc: hlc)
        }
    }

    /// Keeps the current value and closes the conflict with a reason.
    @discardableResult
    public func refuse(_ id: String, reason: String) throws -> ConflictOutcome {
        let conflict = try answerable(id)
        return try answer(conflict, .refused, reason: try OperatorInput.text(reason, "--reason"), write: nil)
    }

    private func answerable(_ id: String) throws -> Conflict {
        let conflict = try self.conflict(id)
        guard conflict.authority == replica.nodeID else {
            throw ReplicationError("conflict '\(id)' is answered by its authority \(conflict.authority), not \(replica.nodeID)")
        }
        return conflict
    }

    private func answer(_ conflict: Conflict, _ decision: ConflictOutcome.Decision, reason: String?,
                        write: ((Int64) -> Change)?) throws -> ConflictOutcome {
        let outcome = ConflictOutcome(conflict: conflict, decision: decision, reason: reason, at: Timestamp.iso(replica.wallClock.now()))
        let replica = self.replica
        let audit = replica.draft("conflict \(decision.rawValue)", outcome.id,
                                  "\(conflict.dataset)/\(conflict.key) \(conflict.item) proposed by \(outcome.proposer)\(reason.map { ": \($0)" } ?? "")")
        try replica.transaction(from: nil, cursor: nil, audit: { _ in audit }) { emit, _ in
            if let write { try emit(EncodedChange(write(replica.tick()))) }
            try emit(EncodedChange(try TicketJSON.change(dataset: ConflictOutcome.dataset, id: outcome.id, item: ConflictOutcome.item,
                                                         value: outcome, by: replica.node, hlc: replica.tick())))
        }
        return outcome
    }

    /// The outcomes this node holds (answered here or passed back through it), newest first.
    public func outcomes() throws -> [ConflictOutcome] {
        try replica.store.read { try $0.records(dataset: ConflictOutcome.dataset, regionPrefix: "", includeDeleted: false, limit: .max) }
            .compactMap { try? TicketJSON.decode(ConflictOutcome.self, $0.state.items[ConflictOutcome.item]?.value.text ?? "", what: "outcome") }
            .sorted { $0.at > $1.at }
    }
}

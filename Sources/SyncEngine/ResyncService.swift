public import SyncCore

/// Full resyncs: when a neighbour's outbox overflowed while it was away, it
/// gets everything it is entitled to instead of a gap — the live log entries
/// (the changes whose join each record is) in log order, the reserved
/// datasets (the catalog, …) first, page by page. Entitlement is routing's:
/// for the parent, what flows up from this node's subtree; for a child, what
/// backflow admits; never a change written by the receiver or below it.
public struct ResyncService: Sendable {
    public let replica: Replica

    public init(replica: Replica) { self.replica = replica }

    /// Whether a full resync is owed to `peer` (its outbox overflowed).
    public func owed(to peer: String) throws -> Bool {
        try replica.store.read { try $0.outboxStates()[peer]?.resyncOwed ?? false }
    }

    /// Marks the resync owed to `peer` as delivered.
    public func finish(for peer: String) throws {
        try replica.store.write { tx in
            try tx.setResyncOwed(peer: peer, false)
            try tx.clearAlarm(kind: "resync", subject: peer)
        }
    }

    /// One page of what `peer` is entitled to after `position` (nil: from the
    /// start). Returns the entries (seq 0: they are states, not log positions)
    /// and the mark to continue from, `.complete` after the last page.
    /// - Parameter returning: the child was restored from a backup: it also gets back what it
    ///   and the nodes below it wrote, as this node holds it.
    public func page(for peer: String, after position: ResyncPosition?, limit: Int, returning: Bool = false) throws -> (entries: [LogEntry], next: ResyncMark) {
        let topology = replica.topology, node = replica.nodeID
        let isParent = topology.parent(of: node)?.id == peer
        guard isParent || topology.parent(of: peer)?.id == node, let neighbour = topology.node(peer) else {
            throw ReplicationError("\(peer) is not a neighbour of \(node)")
        }
        let known = try replica.store.read { try replica.knownDatasets($0) }
        let routing = replica.routing
        var position = position ?? ResyncPosition(reserved: true, seq: 0)
        var entries: [LogEntry] = []
        var routes: [String: Set<String>] = [:]
        var rounds = 0
        while entries.count < limit {
            rounds += 1
            let page = try replica.store.read { reader in
                try reader.liveEntries(after: position, limit: limit - entries.count, scanLimit: max(limit, 1) * 20) { dataset, region in
                    if dataset.hasPrefix("_") || returning { return true }
                    guard let known = known[dataset], let code = try? RegionCode(region) else { return false }
                    return isParent ? known.definition.shareType != .none || replica.policy.aggregatesUnshared
                                    : routing.admits(child: neighbour, dataset: known.definition, region: code)
                }
            }
            for entry in page.entries {
                guard let change = try? ChangeCodec.decode(entry.body).change else { continue }
                // Granted copies and the verification log stay where they are; a ticket goes only along its way.
                // Granted copies, the verification log and conflict outcomes stay where they are; a ticket goes only along its way.
                if change.dataset.hasPrefix(ShareTicket.grantPrefix) || change.dataset == VerificationService.logDataset
                    || change.dataset == ConflictOutcome.dataset { continue }
                if let shape = TicketShape.all.first(where: { $0.dataset == change.dataset }) {
                    if try !ticketRoute(shape, change.key, routes: &routes).contains(peer) { continue }
                }
                let origin = change.origin
                let fromReceiverSide = origin == peer || topology.isDescendant(origin, of: peer)
                let fromOwnSide = origin == node || topology.isDescendant(origin, of: node)
                let takes: Bool
                if isParent {
                    takes = fromOwnSide
                } else if fromReceiverSide {
                    // Never back to where it came from, except to a child that lost it (restored).
                    takes = returning
                } else if returning && !change.dataset.hasPrefix("_") {
                    // The filter above let everything through: routing decides here.
                    guard let known = known[change.dataset] else { continue }
                    takes = routing.admits(child: neighbour, dataset: known.definition, region: change.region)
                } else {
                    takes = true
                }
                if takes { entries.append(LogEntry(seq: 0, body: entry.body, proof: entry.proof)) }
            }
            if let last = page.lastScanned {
                position.seq = last
                // Keep looking while nothing was taken, a bounded number of times per page.
                if entries.isEmpty && rounds < 10 { continue }
                return (entries, .next(position))
            }
            guard position.reserved else { return (entries, .complete) }
            position = ResyncPosition(reserved: false, seq: 0)
        }
        return (entries, .next(position))
    }

    /// The nodes ticket `id` goes to, as this node holds its request.
    private func ticketRoute(_ shape: TicketShape, _ id: String, routes: inout [String: Set<String>]) throws -> Set<String> {
        if let route = routes[shape.dataset + "|" + id] { return route }
        let items = try replica.store.read { try $0.record(dataset: shape.dataset, key: id)?.state.items } ?? [:]
        let route = (try? shape.ends(id, items)).flatMap { $0 }.map { replica.topology.ticketRoute(filer: $0.filer, answerer: $0.answerer) } ?? []
        routes[shape.dataset + "|" + id] = route
        return route
    }
}

public import SyncCore

/// The apply pipeline: admission, the catalog, the authority merge, the log
/// and the outboxes, in one transaction per batch.
extension Replica {
    /// Applies a batch received from neighbour `peer` in one transaction, with
    /// the cursor that covers it.
    /// - Throws: `ReplicationError` naming the change when any change is refused; nothing is applied then.
    @discardableResult
    public func apply(_ entries: [BatchEntry], from peer: String, cursor: (name: String, value: Int64)?, recovering: Bool = false,
                      audit: ((ApplyStats) -> AuditDraft?)? = nil) throws -> ApplyStats {
        try run(from: peer, cursor: cursor, recovering: recovering, audit: audit) { run, _ in
            for entry in entries { try run.apply(entry.change, proof: entry.proof) }
        }
    }

    /// Applies, in one transaction, every change `produce` emits (from `peer`,
    /// or written here when nil), then the cursor that covers them. Each change
    /// is checked as it comes (admission, then the catalog as it is at that
    /// moment); any error rolls everything back. Producing may stream: nothing
    /// is held in memory. `produce` also gets the transaction's own reads.
    /// `audit` makes the audit log's entry for it, in the same transaction.
    @discardableResult
    public func transaction(from peer: String?, cursor: (name: String, value: Int64)?, recovering: Bool = false,
                            audit: ((ApplyStats) -> AuditDraft?)? = nil,
                            _ produce: (_ emit: (EncodedChange) throws -> Void, _ reader: any ReplicaReading) throws -> Void) throws -> ApplyStats {
        try run(from: peer, cursor: cursor, recovering: recovering, audit: audit) { run, tx in
            try produce({ try run.apply($0) }, tx)
        }
    }

    /// The transaction both of the above run in, with the apply run itself.
    /// Applies a neighbour's entries for records that differ between the two copies (anti-entropy),
    /// in one transaction. Each change is admitted, checked against its origin's signature and merged
    /// like any other; unlike a batch, a change that fails is left out and counted, not a reason to
    /// refuse the rest. A change with the same stamps as a logged one but other content replaces it
    /// (its signature verified; the logged one's bytes were changed here), and each record touched is
    /// written back as the join of its changes says (a tombstone flag edited by hand is put right).
    /// - Parameter recovering: the entries may carry this node's own writes and its subtree's (from the parent).
    @discardableResult
    public func repair(_ entries: [BatchEntry], from peer: String, recovering: Bool) throws -> ApplyStats {
        try run(from: peer, cursor: nil, recovering: recovering, repairing: true, audit: { stats in
            AuditDraft(by: Replica.nodeOperator, action: "copies repaired", subject: peer,
                       detail: "\(entries.count) changes from \(peer), \(stats.applied) applied, \(stats.unrepaired) left out")
        }) { run, _ in
            for entry in entries { try run.apply(entry.change, proof: entry.proof) }
        }
    }

    private func run(from peer: String?, cursor: (name: String, value: Int64)?, recovering: Bool, repairing: Bool = false,
                     audit: ((ApplyStats) -> AuditDraft?)?, _ body: (inout ApplyRun, any ReplicaReading) throws -> Void) throws -> ApplyStats {
        let now = wallClock.millis()
        var outcome: (stats: ApplyStats, newest: Int64, overflowed: [String])?
        try store.write { tx in
            observe(try tx.persistedClock())   // writes by other processes on this store
            var run = ApplyRun(replica: self, tx: tx, from: peer, now: now, recovering: recovering, repairing: repairing)
            try body(&run, tx)
            if let cursor, let peer { try tx.setCursor(peer: peer, name: cursor.name, value: cursor.value, at: now) }
            try run.finish()
            if let draft = audit?(run.stats) { try tx.appendAudit(draft, at: now) }
            outcome = (run.stats, run.newest, run.overflowed)
        }
        guard let outcome else { return ApplyStats() }
        observe(outcome.newest)   // the clock moves past admitted stamps only once they are committed
        if outcome.stats.applied > 0 || outcome.stats.conflicts > 0 { signal.bump() }
        for peer in outcome.overflowed { outboxOverflowed(peer) }
        return outcome.stats
    }
}

/// One transaction's work: what it has applied and must still account for.
struct ApplyRun {
    let replica: Replica
    let tx: any ReplicaWriting
    /// The neighbour the changes come from; nil for writes made here.
    let from: String?
    let now: Int64
    /// This node takes back its own writes from its parent after a restore.
    let recovering: Bool
    /// The changes repair copies that differ (see `Replica.repair`).
    let repairing: Bool
    /// The datasets a repair touched: their record counts are taken again at its end.
    var repaired: Set<String> = []
    var stats = ApplyStats()
    /// The newest stamp admitted, for the clock.
    var newest: Int64 = 0
    /// Outbox entries added per neighbour.
    var added: [String: Int] = [:]
    /// Per dataset: change in live records, newest update, newest authority write.
    var statDeltas: [String: (records: Int, updatedAt: Int64, lastWrite: Int64)] = [:]
    var overflowed: [String] = []
    /// The datasets and their entries in force; set to nil when a catalog change in the batch is
    /// taken, which also drops the destinations worked out from the old entries.
    var known: [String: KnownDataset]? {
        didSet { if known == nil { destinations = [:] } }
    }
    /// Destinations by dataset and region, worked out once per run (a batch is mostly one of each).
    var destinations: [String: [String]] = [:] {
        didSet { lastRoute = nil }
    }
    /// The last of them used: most changes in a batch go where the one before went.
    var lastRoute: (dataset: String, region: String, peers: [String])?
    /// The grants this node releases records to, by dataset; loaded when first needed, dropped when a ticket changes.
    var releases: [String: [ShareTicket]]?
    /// The received change being applied, with its origin's signature.
    var receiving: (proof: ChangeProof, bytes: [UInt8])?
    /// Signed blocks stored in this run, by signature; the last one used.
    var blockIDs: [[UInt8]: Int64] = [:]
    var lastBlockID: (signature: [UInt8], id: Int64)?
    /// The block the last change checked belongs to (a batch is mostly runs of one block; equal blocks
    /// decoded once share their bytes, so comparing them is quick).
    var lastVerifiedBlock: SignedBlock?
    /// The block of changes made here, open until the run ends or it is full.
    var ownBlock: (id: Int64, leaves: [UInt8])?

    init(replica: Replica, tx: any ReplicaWriting, from: String?, now: Int64, recovering: Bool = false, repairing: Bool = false) {
        self.replica = replica
        self.tx = tx
        self.from = from
        self.now = now
        self.recovering = recovering
        self.repairing = repairing
    }

    var node: String { replica.nodeID }

    mutating func apply(_ encoded: EncodedChange, proof: ChangeProof? = nil) throws {
        let change = encoded.change
        stats.received += 1
        do {
            if let from, let refusal = replica.admission.check(change, from: from, nowMillis: now, recovering: recovering) {
                throw ReplicationError(refusal.message, kind: .forbidden)
            }
            // The whole block is compared, not its signature alone: the same signature over other leaves is a forgery.
            try checkProvenance(encoded, proof, verifiedBlock: proof.map { $0.block == lastVerifiedBlock } ?? false)
        } catch let error as ReplicationError where repairing {
            // Checked before anything of it was written: leaving it out leaves nothing half-applied.
            leaveOut(error.message)
            return
        }
        if let proof { lastVerifiedBlock = proof.block }
        receiving = proof.map { ($0, encoded.bytes) }
        defer { receiving = nil }
        if let stamp = change.newestStamp { newest = max(newest, stamp.hlc) }
        if change.dataset == CatalogEntry.catalogDataset {
            try applyCatalog(encoded)
            return
        }
        if change.dataset == RevocationService.dataset {
            try applyRevocationList(encoded)
            return
        }
        if change.dataset == ShareTicket.dataset {
            try applyShare(encoded)
            return
        }
        if change.dataset == CorrectionTicket.dataset {
            try applyCorrection(encoded)
            return
        }
        if change.dataset == ConflictOutcome.dataset {
            try applyConflictOutcome(encoded)
            return
        }
        if change.dataset == VerificationService.logDataset {
            try applyVerificationLog(encoded)
            return
        }
        if let ticket = ShareTicket.ticket(ofGrantDataset: change.dataset) {
            try applyGranted(encoded, ticket: ticket)
            return
        }
        guard !change.isReserved else {
            throw ReplicationError("change \(change.dataset)/\(change.key): '\(change.dataset)' is not a dataset this node knows")
        }
        let dataset: KnownDataset
        do { dataset = try validated(change) } catch let error as ReplicationError where repairing {
            leaveOut(error.message)
            return
        }
        if repairing {
            repaired.insert(change.dataset)
            guard try repairable(change, dataset.definition) else { return }
        }
        let (authoritative, proposals) = Merge.partition(change, dataset: dataset.definition)
        if let authoritative {
            let bytes = proposals == nil ? encoded.bytes : ChangeCodec.encode(authoritative)
            try merge(authoritative, bytes: bytes, into: dataset)
        }
        if let proposals { try propose(proposals, dataset: dataset.definition) }
    }

    private mutating func validated(_ change: Change) throws -> KnownDataset {
        if known == nil { known = try replica.knownDatasets(tx) }
        guard let dataset = known?[change.dataset] else {
            throw ReplicationError("dataset '\(change.dataset)' (record \(change.key)) has no published catalog entry here; "
                                   + "its source must publish it first (syncnode catalog publish)")
        }
        for name in change.items.keys where !dataset.itemNames.contains(name) {
            throw ReplicationError("dataset '\(change.dataset)' has no data item '\(name)' (record \(change.key))")
        }
        return dataset
    }

    /// Joins an authoritative change into its record and routes it on; a
    /// conditional dataset's change also goes to the grants this node releases.
    private mutating func merge(_ change: Change, bytes: [UInt8], into dataset: KnownDataset) throws {
        guard try join(change, bytes: bytes, to: route(change, dataset)) != nil else { return }
        if dataset.definition.shareType != .unconditional { try release(change, of: dataset.definition) }
    }

    /// Joins a change into its record: new records take one append; existing
    /// ones keep only the logged changes their state still needs. A change
    /// logged goes into the outboxes of `peers`. Returns the change's log
    /// sequence number, nil when it changed nothing (a duplicate, or older than what is held).
    mutating func join(_ change: Change, bytes: [UInt8], to peers: [String] = []) throws -> Int64? {
        let entry = try logEntry(change, body: bytes, live: true, to: peers)
        // A write without a tombstone makes a live record; only a delete needs the merge to tell.
        let deleted = change.tombstone != nil && Merge.apply(change, to: nil).state.isDeleted
        if let seq = try tx.createRecord(key: change.key, deleted: deleted, entry: entry, at: now) {
            queued(entry.outboxes)
            count(change.dataset, deleted ? 0 : 1, written: change.newestStamp)
            stats.applied += 1
            return seq
        }
        guard let current = try tx.record(dataset: change.dataset, key: change.key) else {
            throw ReplicationError("record \(change.dataset)/\(change.key) could not be read back")
        }
        let merged = Merge.apply(change, to: current.state)
        var contributions = current.contributions
        if repairing {
            // The same stamps with other content: the logged bytes were changed here (this change's signature
            // verified; in a federation that does not sign, nothing tells which is right, and nothing is replaced).
            let stamps = Set(change.stamps)
            if receiving != nil { contributions.removeAll { $0.change != change && Set($0.change.stamps) == stamps } }
            if !merged.changed {
                if contributions.count == current.contributions.count {
                    try rewrite(change, current)
                    return nil
                }
            }
        } else {
            guard merged.changed else { return nil }
        }
        let seq = try append(entry)
        guard let folded = Merge.fold(contributions.map { (id: $0.seq, change: $0.change) } + [(id: seq, change: change)]) else { return nil }
        try tx.setRecord(dataset: change.dataset, key: change.key, region: folded.state.region, deleted: folded.state.isDeleted,
                         contributions: folded.keep)
        try tx.retire(([seq] + current.contributions.map(\.seq)).filter { !folded.keep.contains($0) })
        count(change.dataset, (folded.state.isDeleted ? 0 : 1) - (current.state.isDeleted ? 0 : 1), written: change.newestStamp)
        stats.applied += 1
        return seq
    }

    /// Non-authority writes: kept as conflicts and sent on toward their authority.
    private mutating func propose(_ proposals: Change, dataset: DatasetDefinition) throws {
        let conflicts = Merge.conflicts(in: proposals, dataset: dataset)
        var added = 0
        var held: [String: Int] = [:]
        for conflict in conflicts {
            // A proposal its authority has answered already is not opened again.
            if try tx.record(dataset: ConflictOutcome.dataset, key: ConflictOutcome.id(of: conflict)) != nil { continue }
            let proposer = conflict.proposed.stamp.origin
            let count = try held[proposer] ?? tx.conflictCount(proposer: proposer)
            guard try withinQuota("open conflicts", of: proposer, held: count, limit: replica.policy.maxConflictsPerNode,
                                  policy: "maxConflictsPerNode") else {
                guard from != nil else {
                    throw ReplicationError("\(proposer) has \(count) open conflicts here, the most policy.maxConflictsPerNode allows: "
                                           + "nothing was written; have their authorities answer some (syncnode conflicts)")
                }
                continue
            }
            if try tx.addConflict(conflict, at: now) {
                added += 1
                held[proposer] = count + 1
            }
        }
        guard added > 0 else { return }
        let authorities = Set(conflicts.map(\.authority))
        let next = Set(authorities.compactMap { replica.routing.towardAuthority($0, at: node, from: from) }).sorted()
        _ = try append(try logEntry(proposals, body: ChangeCodec.encode(proposals), live: false, to: next))
        stats.conflicts += added
    }

    /// The neighbours a change of `dataset` goes to from here (routing, worked out once per dataset and region).
    private mutating func route(_ change: Change, _ dataset: KnownDataset) -> [String] {
        // A withdrawn dataset's (下架) records stop flowing; the copies stay.
        guard !dataset.withdrawn else { return [] }
        if let last = lastRoute, last.dataset == change.dataset, last.region == change.region.code { return last.peers }
        let route = change.dataset + "|" + change.region.code
        let peers = destinations[route] ?? replica.routing.destinations(dataset: dataset.definition, region: change.region, at: node, from: from)
        destinations[route] = peers
        lastRoute = (change.dataset, change.region.code, peers)
        return peers
    }

    /// `peers` without the child on whose side `change` was written (every logged change's outboxes
    /// pass through it, in `logEntry`). Only a change from the parent while this node recovers (or
    /// repairs) can be one: it takes back its subtree's writes, and sending one down again would be
    /// refused by the child it came from, stopping that link for good.
    func notToItsOrigin(_ change: Change, _ peers: [String]) -> [String] {
        guard recovering, !peers.isEmpty else { return peers }
        let topology = replica.topology, origin = change.origin
        return peers.filter { !(origin == $0 || topology.isDescendant(origin, of: $0)) }
    }

    /// Logs `entry` into the outboxes it names (counted for their depths at the end of the run).
    mutating func append(_ entry: LogWrite) throws -> Int64 {
        let seq = try tx.appendLog(entry, at: now)
        queued(entry.outboxes)
        return seq
    }

    /// Counts an entry logged into `peers`' outboxes.
    mutating func queued(_ peers: [String]) {
        for peer in peers { added[peer, default: 0] += 1 }
    }

    private mutating func count(_ dataset: String, _ delta: Int, written: Stamp?) {
        let current = statDeltas[dataset] ?? (0, now, 0)
        statDeltas[dataset] = (current.records + delta, max(current.updatedAt, now), max(current.lastWrite, written?.millis ?? 0))
    }

    /// Bounds the outboxes (an outbox past the policy's bound is dropped and
    /// its neighbour owed a full resync), adds up the statistics and persists the clock.
    mutating func finish() throws {
        try sealOwnBlock()
        let limit = replica.policy.maxOutboxEntries
        for (peer, count) in added.sorted(by: { $0.key < $1.key }) {
            guard try tx.growOutbox(peer: peer, by: count) > limit else { continue }
            try tx.dropOutbox(peer: peer, at: now)
            overflowed.append(peer)
        }
        for (dataset, delta) in statDeltas {
            try tx.adjustDatasetStats(dataset, records: delta.records, updatedAt: delta.updatedAt, lastWrite: delta.lastWrite)
        }
        if repairing { try recount(repaired) }
        try tx.setPersistedClock(max(replica.clockReading, newest))
    }
}

import SyncCore

/// Repairs in the apply pipeline (anti-entropy): what is left out, and why.
extension ApplyRun {
    /// Counts a change a repair leaves out, keeping the first reasons for the operator.
    mutating func leaveOut(_ reason: String) {
        stats.unrepaired += 1
        if stats.reasons.count < 20 { stats.reasons.append(reason) }
    }

    /// Whether a repair may apply `change`. One case is held back: a record this node does not
    /// hold, sent from the side away from its source, and older than the tombstone retention. This
    /// node is nearer the source, so the record was most likely deleted here and its tombstone
    /// purged since; copying it back would bring a deleted record back to life. It is reported.
    mutating func repairable(_ change: Change, _ dataset: DatasetDefinition) throws -> Bool {
        guard let from, let stamp = change.newestStamp else { return true }
        let topology = replica.topology, source = dataset.sourceNode
        let fromSourceSide = topology.parent(of: replica.nodeID)?.id == from
            ? !(source == replica.nodeID || topology.isDescendant(source, of: replica.nodeID))
            : source == from || topology.isDescendant(source, of: from)
        guard !fromSourceSide else { return true }
        let horizon = now - Int64(replica.policy.tombstoneRetentionDays * 86_400_000)
        guard stamp.millis < horizon, try tx.record(dataset: change.dataset, key: change.key) == nil else { return true }
        leaveOut("\(change.dataset)/\(change.key.prefix(80)) is held by \(from) but not here, nearer its source \(source); it was last "
                 + "written \(Int((now - stamp.millis) / 86_400_000)) days ago, past the tombstone retention "
                 + "(\(replica.policy.tombstoneRetentionDays) days): most likely deleted and its tombstone purged, so it is not copied back; "
                 + "delete it at \(from) if the source no longer has it")
        return false
    }

    /// Writes a record's row back as the join of its logged changes says (a flag or region edited by hand).
    mutating func rewrite(_ change: Change, _ current: StoredRecord) throws {
        guard let folded = Merge.fold(current.contributions.map { (id: $0.seq, change: $0.change) }) else { return }
        try tx.setRecord(dataset: change.dataset, key: change.key, region: folded.state.region, deleted: folded.state.isDeleted,
                         contributions: folded.keep)
    }

    /// Sets the live-record counts of `datasets` to what their records say: a copy that needed a
    /// repair may have been edited by hand, and its counts with it.
    func recount(_ datasets: Set<String>) throws {
        let stats = try tx.datasetStats()
        for dataset in datasets.sorted() {
            let exact = try tx.recordCountsByRegion(dataset: dataset).values.reduce(0, +)
            let held = stats[dataset]?.records ?? 0
            if exact != held { try tx.adjustDatasetStats(dataset, records: exact - held, updatedAt: now, lastWrite: 0) }
        }
    }
}

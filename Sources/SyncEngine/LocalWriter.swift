public import SyncCore

/// What a write at this node did.
public struct WriteOutcome: Sendable, Equatable {
    /// Items written with authority: they are the record's values now.
    public var applied: [String]
    /// Items this node is not the authority for: kept as conflicts for their authority.
    public var proposed: [String]
}

/// Writes made at this node: by the CLI, an import, the ingestion API. The
/// change carries this node's stamp; items this node is the authority for
/// are applied, the others become conflicts addressed to their authority (一数一源).
public struct LocalWriter: Sendable {
    public let replica: Replica

    public init(replica: Replica) { self.replica = replica }

    /// What `bulkWrite` hands its producer: write a row, delete a record.
    public struct BulkWriter {
        /// Checks one row against the catalog entry (the label prefixes its errors) and applies it.
        public let write: ([String: JSONValue], _ label: String) throws -> Void
        /// Applies a row a `RowPreparer` of the same dataset checked and stamped (on any thread,
        /// in the order rows are written): what is left of `write` is what reads record state.
        public let writePrepared: (PreparedRow) throws -> Void
        /// Deletes the record with this key (a tombstone).
        public let delete: (_ key: String) throws -> Void
    }

    /// Writes one record.
    /// - Parameter values: data items by name; must include the key and region items.
    /// - Throws: `ReplicationError` naming the dataset, item and what is wrong.
    @discardableResult
    public func write(dataset id: String, values: [String: JSONValue]) throws -> WriteOutcome {
        try write(dataset: id, rows: [values])
    }

    /// Writes many records in one transaction: all of them or, if any row is
    /// invalid, none (the error names the row).
    @discardableResult
    public func write(dataset id: String, rows: [[String: JSONValue]]) throws -> WriteOutcome {
        try bulkWrite(dataset: id) { writer in
            for (index, values) in rows.enumerated() { try writer.write(values, rows.count > 1 ? "row \(index + 1): " : "") }
        }
    }

    /// Writes records as `produce` hands them over, in one transaction, without
    /// holding them in memory: for imports of any size. An error thrown out of
    /// `produce` rolls everything back.
    @discardableResult
    /// - Parameters:
    ///   - action: what the audit log calls it: write, import, ingest.
    ///   - by: who, for the audit log (default: the engine's operator).
    public func bulkWrite(dataset id: String, action: String = "write", by: String? = nil,
                          _ produce: (BulkWriter) throws -> Void) throws -> WriteOutcome {
        let replica = self.replica
        guard let known = try replica.dataset(id) else {
            throw ReplicationError("no published catalog entry for dataset '\(id)' at \(replica.nodeID); datasets are: \(try replica.datasets().map(\.definition.id).joined(separator: ", "))")
        }
        guard !known.withdrawn else {
            throw ReplicationError("dataset '\(id)' has been withdrawn (下架); its source must publish it again before new records are written")
        }
        let dataset = known.definition
        let node = replica.nodeID
        var applied = Set<String>(), proposed = Set<String>()
        let preparer = RowPreparer(replica: replica, dataset: dataset)
        var tally = QualityFigures()
        var rows = 0, deletes = 0
        let audit = { (stats: ApplyStats) -> AuditDraft? in
            AuditDraft(by: by ?? replica.operatorName, action: action, subject: id,
                       detail: "\(rows) rows, \(deletes) deletions; \(stats.applied) applied, \(stats.conflicts) conflicts")
        }
        try replica.transaction(from: nil, cursor: nil, audit: audit) { emitChange, reader in try withoutActuallyEscaping(emitChange) { emit in
            let delete = { (key: String) throws in
                guard let state = try reader.record(dataset: id, key: key)?.state else {
                    throw ReplicationError("dataset '\(id)' has no record '\(key)' at this node")
                }
                try emit(EncodedChange(Change.delete(dataset: id, key: key, region: state.region, origin: node, hlc: replica.tick())))
                deletes += 1
            }
            let writePrepared = { (row: PreparedRow) throws in
                guard row.dataset == id else { throw ReplicationError("a row prepared for dataset '\(row.dataset)' was written to '\(id)'; prepare it with a RowPreparer of '\(id)'") }
                let verdict = try row.verdict ?? preparer.judge(row.values, key: row.key, label: row.label,
                                                                  current: reader.record(dataset: id, key: row.key)?.state)
                tally.checked += 1
                if verdict.flagged { tally.flagged += 1 }
                if verdict.incomplete { tally.incomplete += 1 }
                rows += 1
                var values = row.values
                if row.encoded == nil {
                    // Proposing the value an item already has is no conflict, and the key and region
                    // items only identify the record being written to: leave those out.
                    let current = try reader.record(dataset: id, key: row.key)?.state
                    for name in values.keys where dataset.authority(for: name) != node {
                        let identifies = name == dataset.keyItem || (name == dataset.regionItem && current == nil)
                        if identifies || current?.items[name]?.value == values[name] { values[name] = nil }
                    }
                }
                if let encoded = row.encoded {
                    // Every item is this node's (the common case of an import): once all are named, nothing to add.
                    if applied.count < dataset.items.count { applied.formUnion(values.keys) }
                    try emit(encoded)
                    return
                }
                for name in values.keys {
                    if dataset.authority(for: name) == node { applied.insert(name) } else { proposed.insert(name) }
                }
                if !values.isEmpty {
                    try emit(EncodedChange(Change.write(dataset: id, key: row.key, region: row.region, values: values, origin: node, hlc: row.hlc)))
                }
            }
            try produce(BulkWriter(write: { values, label in try writePrepared(preparer.prepare(values, label: label)) },
                                   writePrepared: writePrepared, delete: delete))
        } }
        try? replica.addQuality(tally, dataset: id)   // figures only: a failure here loses a count, not data
        return WriteOutcome(applied: applied.sorted(), proposed: proposed.sorted())
    }

    /// Deletes a record (a tombstone). Only the dataset's source may delete;
    /// from any other node the deletion is a conflict for the source.
    public func delete(dataset id: String, key: String) throws {
        try bulkWrite(dataset: id) { try $0.delete(key) }
    }
}

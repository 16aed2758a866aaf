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
        let quality = QualityCheck(dataset)
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
            try produce(BulkWriter(write: { values, label in
                let (key, region) = try check(values, dataset: dataset, row: label)
                try judge(values, key: key, of: dataset, quality: quality, reader: reader, row: label, into: &tally)
                rows += 1
                var values = values
                let foreign = values.keys.filter { dataset.authority(for: $0) != node }
                if !foreign.isEmpty {
                    // Proposing the value an item already has is no conflict, and the key and region
                    // items only identify the record being written to: leave those out.
                    let current = try reader.record(dataset: id, key: key)?.state
                    for name in foreign {
                        let identifies = name == dataset.keyItem || (name == dataset.regionItem && current == nil)
                        if identifies || current?.items[name]?.value == values[name] { values[name] = nil }
                    }
                }
                for name in values.keys {
                    if dataset.authority(for: name) == node { applied.insert(name) } else { proposed.insert(name) }
                }
                if !values.isEmpty {
                    try emit(EncodedChange(Change.write(dataset: id, key: key, region: region, values: values, origin: node, hlc: replica.tick())))
                }
            }, delete: delete))
        } }
        try? replica.addQuality(tally, dataset: id)   // figures only: a failure here loses a count, not data
        return WriteOutcome(applied: applied.sorted(), proposed: proposed.sorted())
    }

    /// Checks a row against the dataset's quality rules: a `refuse` rule broken refuses it (naming
    /// the row, the item and the rule); `flag` rules and missing items are counted. A partial
    /// write is judged with the record's current values filled in.
    private func judge(_ values: [String: JSONValue], key: String, of dataset: DatasetDefinition, quality: QualityCheck,
                       reader: any ReplicaReading, row: String, into tally: inout QualityFigures) throws {
        func empty(_ value: JSONValue?) -> Bool { value == nil || value == .null || value == .string("") }
        var full = values
        if dataset.items.contains(where: { empty(values[$0.name]) }), let current = try reader.record(dataset: dataset.id, key: key)?.state {
            for (name, value) in current.values where empty(full[name]) { full[name] = value }
        }
        let violations = quality.isEmpty ? [] : quality.violations(full)
        if let refused = violations.first(where: { !$0.flagOnly }) {
            throw ReplicationError("\(row)dataset '\(dataset.id)', record \(key): \(refused); fix the data (or set the rule's action to flag to accept and count it)")
        }
        tally.checked += 1
        if !violations.isEmpty { tally.flagged += 1 }
        if dataset.items.contains(where: { empty(full[$0.name]) }) { tally.incomplete += 1 }
    }

    /// Deletes a record (a tombstone). Only the dataset's source may delete;
    /// from any other node the deletion is a conflict for the source.
    public func delete(dataset id: String, key: String) throws {
        try bulkWrite(dataset: id) { try $0.delete(key) }
    }

    private func check(_ values: [String: JSONValue], dataset: DatasetDefinition, row: String) throws -> (String, RegionCode) {
        let id = dataset.id
        for (name, value) in values {
            guard let item = dataset.item(name) else {
                throw ReplicationError("\(row)dataset '\(id)' has no data item '\(name)'; its items are: \(dataset.items.map(\.name).joined(separator: ", "))")
            }
            if let problem = ValueCheck.problem(value, for: item) {
                throw ReplicationError("\(row)dataset '\(id)', item '\(name)': \(problem)")
            }
        }
        guard let key = values[dataset.keyItem]?.text, !key.isEmpty else {
            throw ReplicationError("\(row)dataset '\(id)': the key item '\(dataset.keyItem)' is missing or empty")
        }
        guard key.utf8.count <= ChangeCodec.maxKeyBytes else {
            throw ReplicationError("\(row)dataset '\(id)': the key is longer than \(ChangeCodec.maxKeyBytes) bytes")
        }
        guard let regionText = values[dataset.regionItem]?.text else {
            throw ReplicationError("\(row)dataset '\(id)', record \(key): the region item '\(dataset.regionItem)' is missing")
        }
        let region: RegionCode
        do { region = try RegionCode(regionText) } catch {
            throw ReplicationError("\(row)dataset '\(id)', record \(key), item '\(dataset.regionItem)': \(error)")
        }
        if values.keys.contains(where: { dataset.authority(for: $0) == replica.nodeID }) && !replica.node.covers(region) {
            throw ReplicationError("\(row)dataset '\(id)', record \(key): region \(region) is outside this node's area (\(replica.node.region))")
        }
        return (key, region)
    }
}

import SyncCore

/// A row checked and stamped outside the transaction that writes it: everything a local write does
/// that reads no record state. Rows are prepared in the order they are written (their stamps are in
/// that order), on any thread, and handed to `LocalWriter.BulkWriter.writePrepared`.
public struct PreparedRow: Sendable {
    let dataset: String
    let values: [String: JSONValue]
    let label: String
    let key: String
    let region: RegionCode
    let hlc: Int64
    /// The quality rules' verdict when the row names every item; nil when the record's current
    /// values must fill the gaps first (in the transaction).
    let verdict: RowPreparer.Verdict?
    /// The change, when every item in the row is this node's to write: then nothing in it depends on
    /// the record's state. Nil when some item is another node's (a proposal, decided in the transaction).
    let encoded: EncodedChange?
}

/// Checks rows of one dataset against its catalog entry and quality rules, and stamps them.
/// Not `Sendable` (compiled patterns): make one on the thread that uses it.
public struct RowPreparer {
    let replica: Replica
    let dataset: DatasetDefinition
    private let quality: QualityCheck
    /// The dataset's items by name, and the names of those this node is the authority for: looked
    /// up for every item of every row (an import's million rows).
    private let items: [String: ItemDefinition]
    private let owned: Set<String>

    public init(replica: Replica, dataset: DatasetDefinition) {
        self.replica = replica
        self.dataset = dataset
        self.quality = QualityCheck(dataset)
        items = Dictionary(dataset.items.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        owned = Set(dataset.items.map(\.name).filter { dataset.authority(for: $0) == replica.nodeID })
    }

    /// What the quality rules say of a row.
    struct Verdict: Sendable {
        /// A `flag` rule is broken (a `refuse` rule broken throws instead).
        let flagged: Bool
        /// Some item of the dataset has no value, even after the record's current values.
        let incomplete: Bool
    }

    /// Checks one row and stamps it.
    /// - Parameter label: prefixes every error ("row 3: "), may be empty.
    /// - Throws: `ReplicationError` naming the row, the item and what is wrong.
    public func prepare(_ values: [String: JSONValue], label: String) throws -> PreparedRow {
        let (key, region) = try check(values, row: label)
        let node = replica.nodeID
        let complete = !dataset.items.contains { Self.empty(values[$0.name]) }
        let verdict = complete ? try judge(values, key: key, label: label, current: nil) : nil
        let hlc = replica.tick()
        let encoded = values.keys.allSatisfy(owned.contains) ? EncodedChange(Change.write(dataset: dataset.id, key: key, region: region, values: values, origin: node, hlc: hlc)) : nil
        return PreparedRow(dataset: dataset.id, values: values, label: label, key: key, region: region, hlc: hlc, verdict: verdict, encoded: encoded)
    }

    /// Checks a row against the dataset's quality rules: a `refuse` rule broken refuses it (naming
    /// the row, the item and the rule); `flag` rules and missing items are counted. A partial
    /// write is judged with the record's current values filled in.
    func judge(_ values: [String: JSONValue], key: String, label: String, current: RecordState?) throws -> Verdict {
        var full = values
        if let current, dataset.items.contains(where: { Self.empty(values[$0.name]) }) {
            for (name, value) in current.values where Self.empty(full[name]) { full[name] = value }
        }
        let violations = quality.isEmpty ? [] : quality.violations(full)
        if let refused = violations.first(where: { !$0.flagOnly }) {
            throw ReplicationError("\(label)dataset '\(dataset.id)', record \(key): \(refused); fix the data (or set the rule's action to flag to accept and count it)")
        }
        return Verdict(flagged: !violations.isEmpty, incomplete: dataset.items.contains { Self.empty(full[$0.name]) })
    }

    private static func empty(_ value: JSONValue?) -> Bool { value == nil || value == .null || value == .string("") }

    private func check(_ values: [String: JSONValue], row: String) throws -> (String, RegionCode) {
        let id = dataset.id
        for (name, value) in values {
            guard let item = items[name] else {
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
        if values.keys.contains(where: owned.contains) && !replica.node.covers(region) {   // every name is an item by now
            throw ReplicationError("\(row)dataset '\(id)', record \(key): region \(region) is outside this node's area (\(replica.node.region))")
        }
        return (key, region)
    }
}

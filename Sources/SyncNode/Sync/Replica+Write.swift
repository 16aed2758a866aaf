import Foundation
import SyncCore

/// What a write at this node did.
public struct WriteOutcome: Sendable, Equatable {
    /// Items written with authority: they are the record's values now.
    public var applied: [String]
    /// Items this node is not the authority for: kept as conflicts for their authority.
    public var proposed: [String]
}

extension Replica {
    /// Writes a record at this node: the change carries this node's stamp.
    /// Items this node is the authority for are applied; the others become
    /// conflicts addressed to their authority (一数一源).
    /// - Parameter values: data items by name; must include the key and region items.
    /// - Throws: `ReplicationError` naming the dataset, item and what is wrong.
    @discardableResult
    public func write(dataset id: String, values: [String: JSONValue]) throws -> WriteOutcome {
        try write(dataset: id, rows: [values])
    }

    /// Writes many records at this node in one transaction: all of them or, if
    /// any row is invalid, none (the error names the row).
    @discardableResult
    public func write(dataset id: String, rows: [[String: JSONValue]]) throws -> WriteOutcome {
        try bulkWrite(dataset: id) { writer in
            for (index, values) in rows.enumerated() { try writer.write(values, rows.count > 1 ? "row \(index + 1): " : "") }
        }
    }

    /// What `bulkWrite` hands its producer: write a row, delete a record.
    public struct BulkWriter {
        /// Checks one row against the catalog entry (the label prefixes its errors) and applies it.
        public let write: ([String: JSONValue], _ label: String) throws -> Void
        /// Deletes the record with this key (a tombstone).
        public let delete: (_ key: String) throws -> Void
    }

    /// Writes records as `produce` hands them over, in one transaction, without
    /// holding them in memory: for imports of any size. An error thrown out of
    /// `produce` rolls everything back.
    @discardableResult
    public func bulkWrite(dataset id: String, _ produce: (BulkWriter) throws -> Void) throws -> WriteOutcome {
        guard let known = try knownDataset(id) else {
            throw ReplicationError("no published catalog entry for dataset '\(id)' at \(nodeID); datasets are: \(try datasets().map(\.definition.id).joined(separator: ", "))")
        }
        guard !known.withdrawn else {
            throw ReplicationError("dataset '\(id)' has been withdrawn (下架); its source must publish it again before new records are written")
        }
        let dataset = known.definition
        var applied = Set<String>(), proposed = Set<String>()
        try transaction(from: nil, cursor: nil) { emitChange in try withoutActuallyEscaping(emitChange) { emit in
            let delete = { (key: String) throws in
                guard let state = try self.record(dataset: id, key: key) else {
                    throw ReplicationError("dataset '\(id)' has no record '\(key)' at this node")
                }
                try emit(Change.delete(dataset: id, key: key, region: state.region, origin: self.nodeID, hlc: self.tick()), nil)
            }
            try produce(BulkWriter(write: { [self] values, label in
                let (key, region) = try check(values, dataset: dataset, row: label)
                var values = values
                let foreign = values.keys.filter { dataset.authority(for: $0) != nodeID }
                if !foreign.isEmpty {
                    // Proposing the value an item already has is no conflict (e.g. the key and region
                    // items that identify the record being corrected): leave those out.
                    let current = try record(dataset: id, key: key)
                    for name in foreign where current?.items[name]?.value == values[name] { values[name] = nil }
                }
                for name in values.keys {
                    if dataset.authority(for: name) == nodeID { applied.insert(name) } else { proposed.insert(name) }
                }
                if !values.isEmpty {
                    try emit(Change.write(dataset: id, key: key, region: region, values: values, origin: nodeID, hlc: tick()), nil)
                }
            }, delete: delete))
        } }
        return WriteOutcome(applied: applied.sorted(), proposed: proposed.sorted())
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
        guard let regionText = values[dataset.regionItem]?.text else {
            throw ReplicationError("\(row)dataset '\(id)', record \(key): the region item '\(dataset.regionItem)' is missing")
        }
        let region: RegionCode
        do { region = try RegionCode(regionText) } catch {
            throw ReplicationError("\(row)dataset '\(id)', record \(key), item '\(dataset.regionItem)': \(error)")
        }
        if values.keys.contains(where: { dataset.authority(for: $0) == nodeID }) && !context.node.covers(region) {
            throw ReplicationError("\(row)dataset '\(id)', record \(key): region \(region) is outside this node's area (\(context.node.region))")
        }
        return (key, region)
    }

    /// Deletes a record at this node (a tombstone). Only the dataset's source
    /// may delete; from any other node the deletion is a conflict for the source.
    public func delete(dataset id: String, key: String) throws {
        guard try knownDataset(id) != nil else { throw ReplicationError("no published catalog entry for dataset '\(id)'") }
        guard let state = try record(dataset: id, key: key) else {
            throw ReplicationError("dataset '\(id)' has no record '\(key)' at this node")
        }
        try applyLocal { hlc in [Change.delete(dataset: id, key: key, region: state.region, origin: nodeID, hlc: hlc())] }
    }
}

/// Checks a value against its item's declared type.
enum ValueCheck {
    static func problem(_ value: JSONValue, for item: ItemDefinition) -> String? {
        switch (item.type, value) {
        case (_, .null): return nil
        case (.string, .string), (.integer, .int), (.number, .int), (.number, .double), (.boolean, .bool): return nil
        case (.date, .string(let s)):
            return isDate(s) ? nil : "'\(s)' is not a date (YYYY-MM-DD)"
        case (.datetime, .string(let s)):
            return isDate(String(s.prefix(10))) && s.count >= 19 ? nil : "'\(s)' is not a date-time (YYYY-MM-DDThh:mm:ss)"
        default:
            return "'\(value)' is not of type \(item.type.rawValue)"
        }
    }

    static func isDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-")
        guard s.count == 10, parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return false }
        let days = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...12).contains(m) && d >= 1 && d <= days[m - 1]
    }

    /// Parses command-line text as a value of the item's type.
    static func parse(_ text: String, for item: ItemDefinition) -> JSONValue? {
        switch item.type {
        case .string, .date, .datetime: return .string(text)
        case .integer: return Int64(text).map(JSONValue.int)
        case .number: return Int64(text).map(JSONValue.int) ?? Double(text).map(JSONValue.double)
        case .boolean: return ["true": true, "false": false, "1": true, "0": false][text.lowercased()].map(JSONValue.bool)
        }
    }
}

import Foundation
import SyncCore

/// A dataset's quality as its source checked it (坪山 §16, 新昌 四(二)): rows
/// checked where they entered, rows a `flag` rule counted, rows missing an item.
public struct QualityFigures: Sendable, Codable, Equatable {
    public var checked: Int
    public var flagged: Int
    public var incomplete: Int

    public init(checked: Int = 0, flagged: Int = 0, incomplete: Int = 0) {
        self.checked = checked
        self.flagged = flagged
        self.incomplete = incomplete
    }

    /// Share of checked rows with every item filled, 0…1.
    public var completeness: Double { checked == 0 ? 1 : Double(checked - incomplete) / Double(checked) }
    /// Share of checked rows a rule flagged, 0…1.
    public var invalidRate: Double { checked == 0 ? 0 : Double(flagged) / Double(checked) }

    static func metaKey(_ dataset: String) -> String { "quality." + dataset }

    init?(meta: String) {
        let parts = meta.split(separator: " ").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        self.init(checked: parts[0], flagged: parts[1], incomplete: parts[2])
    }

    var meta: String { "\(checked) \(flagged) \(incomplete)" }
}

extension Replica {
    /// Adds one write's tally to a dataset's figures.
    func addQuality(_ tally: QualityFigures, dataset: String) throws {
        guard tally.checked > 0 else { return }
        try store.write(.processCrash) { tx in
            let key = QualityFigures.metaKey(dataset)
            var figures = try tx.nodeMeta(key).flatMap(QualityFigures.init(meta:)) ?? QualityFigures()
            figures.checked += tally.checked
            figures.flagged += tally.flagged
            figures.incomplete += tally.incomplete
            try tx.setNodeMeta(key, figures.meta)
        }
    }

    /// The quality figures of the datasets written at this node, by dataset.
    public func qualityFigures() throws -> [String: QualityFigures] {
        let ids = try datasets().map(\.definition.id)
        return try store.read { reader in
            var figures: [String: QualityFigures] = [:]
            for id in ids {
                if let found = try reader.nodeMeta(QualityFigures.metaKey(id)).flatMap(QualityFigures.init(meta:)) { figures[id] = found }
            }
            return figures
        }
    }
}

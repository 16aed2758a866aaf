import Synchronization
public import SyncCore

/// A dataset's sharing facts as this node knows them now, and whether it has been withdrawn (下架).
public final class KnownDataset: Sendable {   // shared, not copied, by every change of the dataset
    public let definition: DatasetDefinition
    public let withdrawn: Bool
    /// The names of its data items, for checking a change's at a glance.
    public let itemNames: Set<String>

    init(definition: DatasetDefinition, withdrawn: Bool) {
        self.definition = definition
        self.withdrawn = withdrawn
        itemNames = Set(definition.items.map(\.name))
    }
}

/// The datasets a node accepts records of, cached until the catalog changes.
struct KnownDatasets: Sendable {
    var version: String
    var byID: [String: KnownDataset]
}

extension Replica {
    /// Datasets this node accepts records of: published or withdrawn catalog
    /// entries, then the topology's stop-gap definitions for datasets the
    /// catalog does not list yet. Decoded again only when the catalog changed.
    func knownDatasets(_ reader: any ReplicaReading) throws -> [String: KnownDataset] {
        let version = try reader.catalogVersion()
        if let cached = catalogCache.withLock({ $0 }), cached.version == version { return cached.byID }
        var known: [String: KnownDataset] = [:]
        for dataset in topology.datasets { known[dataset.id] = KnownDataset(definition: dataset, withdrawn: false) }
        for entry in try reader.catalogEntries() where entry.isPublished || entry.isWithdrawn {
            known[entry.id] = KnownDataset(definition: entry.definition, withdrawn: entry.isWithdrawn)
        }
        catalogCache.withLock { $0 = KnownDatasets(version: version, byID: known) }
        return known
    }

    /// Every dataset this node accepts records of, by id.
    public func datasets() throws -> [KnownDataset] {
        try store.read { try knownDatasets($0) }.values.sorted { $0.definition.id < $1.definition.id }
    }

    /// The sharing facts of dataset `id`, nil when it is unknown here.
    public func dataset(_ id: String) throws -> KnownDataset? {
        try store.read { try knownDatasets($0)[id] }
    }
}

/// What a child and its parent must both hold of one dataset, by routing's rules:
/// the whole dataset when its source is the child or below it and its records
/// flow up (归集); the records backflow admits to the child (回流) when the source is
/// elsewhere. Reserved datasets, withdrawn ones (their copies may rightly differ),
/// datasets kept at their source and granted copies are outside every scope.
public enum DigestScope: Sendable, Equatable {
    /// Every record of the dataset.
    case all
    /// The records whose region code starts with these digits.
    case region(String)

    /// The region prefix the store reads by ("" for all).
    public var regionPrefix: String {
        switch self {
        case .all: ""
        case .region(let prefix): prefix
        }
    }

    /// The scope of `dataset` between `child` and its parent, nil when the two need not hold the same records of it.
    public static func of(_ dataset: DatasetDefinition, withdrawn: Bool, child: NodeEntry, topology: Topology) -> DigestScope? {
        guard !withdrawn, !dataset.id.hasPrefix("_") else { return nil }
        let source = dataset.sourceNode
        if source == child.id || topology.isDescendant(source, of: child.id) {
            return dataset.shareType != .none || topology.policy.aggregatesUnshared ? .all : nil
        }
        guard dataset.shareType == .unconditional, child.tier != .vertical else { return nil }
        switch dataset.backflow {
        case .all: return .all
        case .region: return .region(String(child.region.prefix(at: child.tier.regionLevel ?? child.region.level)))
        case .none: return nil
        }
    }

    /// Whether a record of `region` is in the scope.
    public func contains(region: String) -> Bool { region.hasPrefix(regionPrefix) }
}

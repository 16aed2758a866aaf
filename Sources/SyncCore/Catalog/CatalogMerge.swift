/// Who may change a catalog entry, and which version wins, as a pure
/// function (DESIGN §5): an id belongs to the source that first published it;
/// only that source publishes new versions, withdraws it, or hands it over to
/// another source (the version that hands over names both). Among the
/// owner's versions the newest stamp wins.
public enum CatalogMerge {
    public enum Decision: Sendable, Equatable {
        /// Store it; `owner` owns the id from now on.
        case accept(owner: String)
        /// Already held, or older than what is held.
        case ignore
        /// Not the owner's to write: keep what is held, raise an alarm.
        case refuse(String)
    }

    /// Decides on `entry` published by `writer` with stamp `hlc`, given what this node holds for its id.
    public static func decide(_ entry: CatalogEntry, key: String, writer: String, hlc: Int64,
                              current: (stampHLC: Int64, owner: String)?) -> Decision {
        guard entry.id == key else { return .refuse("a catalog change for '\(key)' carries entry '\(entry.id)'") }
        let handsOver = entry.handover.map { $0.from == writer && $0.to == entry.sourceNode } ?? false
        guard entry.sourceNode == writer || handsOver else {
            return .refuse("catalog entry '\(entry.id)' names '\(entry.sourceNode)' as its source but was written by '\(writer)'")
        }
        guard let current else { return .accept(owner: entry.sourceNode) }
        guard current.owner == writer else {
            return .refuse("catalog entry '\(entry.id)' belongs to '\(current.owner)'; '\(writer)' may not publish, withdraw or take it over (the owner hands it over with syncnode catalog handover)")
        }
        return hlc > current.stampHLC ? .accept(owner: entry.sourceNode) : .ignore
    }
}

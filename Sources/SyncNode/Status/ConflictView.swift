import Foundation
import SyncCore
import SyncEngine

/// A conflict as operators see it (`syncnode conflicts`, the dashboard,
/// `/api/conflicts`): the proposal beside the value currently held.
public struct ConflictView: Encodable, Sendable, Equatable {
    /// The conflict's id (the same at every node that holds it): `syncnode conflicts accept|refuse ID` at the authority.
    public var id: String
    public var dataset: String
    public var key: String
    public var item: String
    public var origin: String
    public var hlc: Int64
    public var proposedValue: JSONValue
    public var authority: String
    public var currentValue: JSONValue?
    public var receivedAt: String

    /// Every conflict the node holds, newest first.
    public static func all(_ replica: Replica) throws -> [ConflictView] {
        try replica.store.read { reader in
            try reader.conflicts().map { stored in
                let c = stored.conflict
                return ConflictView(id: ConflictOutcome.id(of: c), dataset: c.dataset, key: c.key, item: c.item, origin: c.proposed.stamp.origin, hlc: c.proposed.stamp.hlc,
                                    proposedValue: c.proposed.value, authority: c.authority,
                                    currentValue: try reader.record(dataset: c.dataset, key: c.key)?.state.items[c.item]?.value,
                                    receivedAt: Timestamp.iso(Timestamp.date(millis: stored.receivedAt)))
            }
        }
    }
}

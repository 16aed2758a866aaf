import SyncStore

/// Stores for tests.
public enum SQLiteStoreFactory {
    /// An in-memory store for node `id` of federation `t`.
    public static func memory(_ id: String, federation: String = "t") throws -> SQLiteStore {
        try SQLiteStore.inMemory(nodeID: id, federation: federation)
    }
}

/// The store's schema as numbered migrations, applied in order at start and
/// recorded in `PRAGMA user_version`. Append only: never edit a released one.
enum Schema {
    struct Migration {
        let version: Int
        let name: String
        let sql: String
    }

    static var latestVersion: Int { migrations.last!.version }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "node meta and peers", sql: """
            -- Facts about this node's database: which node and federation it belongs
            -- to, so a data directory can never be started as another node.
            CREATE TABLE node_meta (
                key   TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );

            -- One row per neighbour (parent or child), keyed by its topology id,
            -- never by host, port or address: a node moved to a new host keeps its history.
            CREATE TABLE peer (
                node_id              TEXT PRIMARY KEY,
                last_heard_at        INTEGER,          -- ms since epoch of the last successful exchange
                last_error           TEXT,             -- the last failure, as an operator reads it
                last_error_at        INTEGER,
                consecutive_failures INTEGER NOT NULL DEFAULT 0,
                cert_not_after       INTEGER,          -- the peer certificate's expiry, as last seen (ms)
                peer_time_offset_ms  INTEGER           -- the peer's clock minus ours at the last exchange
            );
            """),
    ]
}

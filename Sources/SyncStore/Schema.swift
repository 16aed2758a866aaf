import SQLite

/// The store's schema as numbered migrations, applied in order at start and
/// recorded in `PRAGMA user_version`. Append only: never edit a released one.
enum Schema {
    struct Migration: Sendable {
        let version: Int
        let name: String
        let sql: String
        /// Data the SQL alone cannot move, run in the same transaction after it.
        var transform: (@Sendable (Database, MigrationContext) throws -> Void)? = nil
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
                cert_not_after       INTEGER           -- the peer certificate's expiry, as last seen (ms)
            );
            """),
        Migration(version: 2, name: "records, change log, outboxes, cursors, conflicts", sql: """
            -- Records: one row per (dataset, key) holding the merged state, every data
            -- item with the stamp (hybrid logical clock + origin) of the write that set it.
            CREATE TABLE record (
                dataset    TEXT NOT NULL,
                key        TEXT NOT NULL,
                region     TEXT NOT NULL,
                state      TEXT NOT NULL,      -- RecordState as JSON
                deleted    INTEGER NOT NULL,   -- 1 when only a tombstone remains
                updated_at INTEGER NOT NULL,   -- ms, local time of the last change
                PRIMARY KEY (dataset, key)
            ) WITHOUT ROWID;
            -- A full resync for a child reads its region's records through this index.
            CREATE INDEX record_by_region ON record(dataset, region);

            -- The change log: every change that altered this node's state, in local order.
            CREATE TABLE change_log (
                seq       INTEGER PRIMARY KEY AUTOINCREMENT,
                dataset   TEXT NOT NULL,
                from_peer TEXT,                -- the neighbour it came from; NULL when written here
                body      TEXT NOT NULL,       -- the Change as JSON
                logged_at INTEGER NOT NULL
            );

            -- Per-peer outboxes: the log entries each neighbour is still to receive,
            -- decided by routing when the entry is logged. What a child pulls is an
            -- index range on (peer, seq): its cost does not grow with other regions' data.
            CREATE TABLE outbox (
                peer TEXT NOT NULL,
                seq  INTEGER NOT NULL,
                PRIMARY KEY (peer, seq)
            ) WITHOUT ROWID;
            CREATE INDEX outbox_by_seq ON outbox(seq);

            -- Cursors, keyed by the neighbour's node id (never host or address), each
            -- written in the same transaction as the changes it covers:
            --   pushed   (child)  the highest own seq the parent acknowledged
            --   pulled   (child)  the highest parent seq applied here
            --   received (parent) the highest child seq applied here
            CREATE TABLE cursor (
                peer       TEXT NOT NULL,
                name       TEXT NOT NULL,
                value      INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (peer, name)
            ) WITHOUT ROWID;

            -- Conflicts: writes by a node that is not the item's authority. Never
            -- applied; kept, visible on both sides, addressed to the authority (一数一源).
            CREATE TABLE conflict (
                dataset     TEXT NOT NULL,
                key         TEXT NOT NULL,
                item        TEXT NOT NULL,     -- or '(delete)' for a proposed deletion
                origin      TEXT NOT NULL,
                hlc         INTEGER NOT NULL,
                value       TEXT NOT NULL,     -- the proposed value as JSON
                authority   TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                PRIMARY KEY (dataset, key, item, origin, hlc)
            ) WITHOUT ROWID;
            """),
        Migration(version: 3, name: "bounded outboxes", sql: """
            -- Per neighbour: how many outbox entries wait, and whether the outbox
            -- overflowed its bound (policy maxOutboxEntries) while the neighbour was
            -- away. An overflowed outbox is dropped and the neighbour gets a full
            -- resync of what it is entitled to instead: the disk does not fill, and
            -- nothing is skipped.
            CREATE TABLE outbox_state (
                peer          TEXT PRIMARY KEY,
                depth         INTEGER NOT NULL DEFAULT 0,
                resync        INTEGER NOT NULL DEFAULT 0,  -- 1: a full resync is owed
                overflowed_at INTEGER                      -- ms, when it last overflowed
            ) WITHOUT ROWID;
            INSERT INTO outbox_state(peer, depth) SELECT peer, COUNT(*) FROM outbox GROUP BY peer;
            """),
        Migration(version: 4, name: "subtree reports", sql: """
            -- Status summaries of the nodes below this one, as the children report them
            -- with each health exchange (a child sends its own and its subtree's). The
            -- age is kept relative (seconds old when received, plus time since), so
            -- nodes' clocks need not agree.
            CREATE TABLE subtree_report (
                node_id      TEXT PRIMARY KEY,
                via          TEXT NOT NULL,     -- the child it came through
                report       TEXT NOT NULL,     -- NodeSummary as JSON
                age_seconds  INTEGER NOT NULL,  -- how old the report was when received
                received_at  INTEGER NOT NULL   -- ms, local clock
            ) WITHOUT ROWID;
            """),
        Migration(version: 5, name: "resource catalog", sql: """
            -- The federated resource catalog (资源目录): every entry published anywhere
            -- in the federation, metadata only. Only an entry's source node may publish
            -- or change it; the newest stamp wins (its version rises with each change).
            CREATE TABLE catalog_entry (
                id           TEXT PRIMARY KEY,
                version      INTEGER NOT NULL,
                source_node  TEXT NOT NULL,
                status       TEXT NOT NULL,     -- draft, published, withdrawn
                body         TEXT NOT NULL,     -- the entry as JSON
                stamp_hlc    INTEGER NOT NULL,
                updated_at   INTEGER NOT NULL
            ) WITHOUT ROWID;
            """),
        Migration(version: 6, name: "dataset statistics", sql: """
            -- Live records, the last change and the last authority write (its stamp's
            -- time, for update-frequency monitoring) per dataset, kept up to date in
            -- the same transactions as the records: status and metrics never count rows.
            CREATE TABLE dataset_stats (
                dataset    TEXT PRIMARY KEY,
                records    INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                last_write INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID;
            INSERT INTO dataset_stats(dataset, records, updated_at)
                SELECT dataset, SUM(deleted = 0), MAX(updated_at) FROM record GROUP BY dataset;
            """),
        Migration(version: 7, name: "records by reference to the log; alarms; catalog owners", sql: """
            -- The log holds every change in its canonical bytes, once. A record's state is the
            -- join of the few logged changes it names (usually one: the change that created it),
            -- so a new record costs one append and one small index row, and every state can be
            -- re-sent as the changes their origins wrote. An entry stays while it is live (part of
            -- a state) or waiting in an outbox; the highest entry always stays, so sequence numbers
            -- are never reused.
            CREATE TABLE log (
                seq       INTEGER PRIMARY KEY,
                dataset   TEXT NOT NULL,
                region    TEXT NOT NULL,
                from_peer TEXT,                -- the neighbour it came from; NULL when written here
                live      INTEGER NOT NULL,    -- 1 while a record's (or the catalog's) state includes it
                logged_at INTEGER NOT NULL,    -- ms, local clock
                body      BLOB NOT NULL        -- the change, canonical JSON
            );
            -- Retired entries, for trimming the log once they are delivered.
            CREATE INDEX log_retired ON log(seq) WHERE live = 0;
            -- Entries of the reserved datasets (the catalog, …), which a full resync sends first.
            CREATE INDEX log_reserved ON log(seq) WHERE substr(dataset, 1, 1) = '_';

            -- One row per record: where its state lives in the log.
            CREATE TABLE record_state (
                dataset TEXT NOT NULL,
                key     TEXT NOT NULL,
                region  TEXT NOT NULL,
                deleted INTEGER NOT NULL,      -- 1 when only a tombstone remains
                seq     INTEGER NOT NULL,      -- the first contributing log entry
                more    TEXT,                  -- further contributing entries, "seq,seq", or NULL
                PRIMARY KEY (dataset, key)
            ) WITHOUT ROWID;

            -- Who owns each catalog id: the source that first published it, or the one it was
            -- handed over to. Only the owner's versions are taken.
            ALTER TABLE catalog_entry ADD COLUMN owner TEXT;
            UPDATE catalog_entry SET owner = source_node;

            -- Things an operator must look at that are not a link's or a dataset's state:
            -- a change kept out (a catalog takeover attempt), a refused batch, …
            CREATE TABLE alarm (
                kind     TEXT NOT NULL,
                subject  TEXT NOT NULL,
                message  TEXT NOT NULL,
                first_at INTEGER NOT NULL,
                last_at  INTEGER NOT NULL,
                count    INTEGER NOT NULL,
                PRIMARY KEY (kind, subject)
            ) WITHOUT ROWID;

            -- Outbox entries are found per peer by the primary key; the log trims by its own index.
            DROP INDEX outbox_by_seq;
            """, transform: LegacyRecords.migrate),
        Migration(version: 8, name: "revocation list; resync base", sql: """
            -- The federation CA's current revocation list, as it travels down (and up) the tree in
            -- the reserved dataset _revocations. Only a list the CA signed is kept, and only a newer
            -- one (by its CRL number) replaces it. Nodes reload their TLS from it without a restart.
            CREATE TABLE revocation_list (
                id         INTEGER PRIMARY KEY CHECK (id = 1),
                number     INTEGER NOT NULL,   -- the CRL number the CA gave it
                pem        TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            );

            -- Where a full resync owed to a neighbour starts from: this node's last log sequence
            -- number when it became owed. The neighbour's cursor is set to it once the resync is
            -- complete (what came after is in its outbox).
            ALTER TABLE outbox_state ADD COLUMN resync_from INTEGER;
            """),
        Migration(version: 9, name: "tombstones by age", sql: """
            -- Deleted records, for purging their tombstones once every neighbour has them and the
            -- retention period has passed.
            CREATE INDEX record_tombstones ON record_state(seq) WHERE deleted = 1;
            """),
        Migration(version: 10, name: "audit log", sql: """
            -- Everything done at this node, append-only and hash-chained (AuditChain): each entry
            -- carries the hash of the one before. Nothing in syncnode updates or deletes a row.
            CREATE TABLE audit (
                seq      INTEGER PRIMARY KEY,
                at       INTEGER NOT NULL,
                by       TEXT NOT NULL,
                action   TEXT NOT NULL,
                subject  TEXT NOT NULL,
                detail   TEXT NOT NULL,
                previous TEXT NOT NULL,
                hash     TEXT NOT NULL
            );
            -- The signed heads of each child's audit log, as its health messages brought them.
            CREATE TABLE audit_head (
                child     TEXT NOT NULL,
                seq       INTEGER NOT NULL,
                hash      TEXT NOT NULL,
                signature TEXT NOT NULL,
                at        INTEGER NOT NULL,
                PRIMARY KEY (child, seq)
            ) WITHOUT ROWID;
            """),
        Migration(version: 11, name: "signed blocks", sql: """
            -- The origins' signed blocks (SignedBlock): the hashes of up to 256 changes one node
            -- made, with its signature and certificate. Each log entry names its block and its place
            -- in it; a relayed entry keeps its origin's block, so every node can check every change.
            CREATE TABLE signed_block (
                id          INTEGER PRIMARY KEY,
                origin      TEXT NOT NULL,
                leaves      BLOB NOT NULL,     -- 32-byte SHA-256 hashes, in order
                signature   BLOB NOT NULL,
                certificate BLOB NOT NULL      -- DER
            );
            CREATE UNIQUE INDEX signed_block_identity ON signed_block(origin, signature);
            ALTER TABLE log ADD COLUMN block INTEGER;   -- signed_block.id; NULL for entries logged before signing
            ALTER TABLE log ADD COLUMN leaf INTEGER;    -- the entry's place in its block
            ALTER TABLE log ADD COLUMN whole BLOB;     -- the signed change when the entry is a part of it
            """),
        Migration(version: 12, name: "the parent's outbox as a range of the log", sql: """
            -- Most entries go to the parent (归集): instead of an outbox row each, the parent's outbox is
            -- the entries marked `up` after its range start (outbox_state.range_after), read in log
            -- order and acknowledged by moving the start: one B-tree insert fewer for each of them.
            -- Which neighbour that is (node_meta 'fact:outbox.range') is set by the engine, which knows
            -- the topology; until it is, and for every other neighbour, outboxes are rows as before.
            ALTER TABLE log ADD COLUMN up INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE outbox_state ADD COLUMN range_after INTEGER;
            """),
        Migration(version: 13, name: "anti-entropy: what each comparison with a neighbour found; the quotas' indexes", sql: """
            -- Neighbours compare digests of the records both must hold, per dataset (anti-entropy).
            -- One row per neighbour and dataset: the last comparison, the last time the copies were
            -- proven equal, and the records that differed and are not yet proven repaired.
            CREATE TABLE link_digest (
                peer       TEXT NOT NULL,
                dataset    TEXT NOT NULL,
                checked_at INTEGER NOT NULL,   -- ms, local clock
                equal_at   INTEGER,            -- ms; NULL: never proven equal
                records    INTEGER NOT NULL,   -- records both must hold, as this node counted them
                differing  INTEGER NOT NULL,   -- 0 when the copies agree
                note       TEXT,               -- why some could not be repaired
                PRIMARY KEY (peer, dataset)
            ) WITHOUT ROWID;
            -- Quotas count what one node made this one keep: its open conflicts, its catalog entries.
            CREATE INDEX conflict_by_origin ON conflict(origin);
            CREATE INDEX catalog_by_source ON catalog_entry(source_node);
            """),
    ]
}

import Foundation
public import SQLite
public import SyncCore

/// A node's state in one SQLite database in its data directory (WAL,
/// synchronous=FULL, numbered migrations): the `ReplicaStore` a running node uses.
///
/// One writer connection, behind a lock, and up to three readers, so status
/// pages and outbox reads never wait behind a write transaction (WAL lets
/// readers run beside the writer) nor, mostly, behind each other: a long read
/// (a page counting records per region) does not hold up the replication
/// loops' short ones. Readers are opened as reads overlap. An in-memory store
/// (`inMemory`) uses one connection for everything.
public final class SQLiteStore: ReplicaStore, @unchecked Sendable {   // each connection is used under its own lock only
    private let writer: Database
    private let writeLock = NSLock()
    /// The first reader; it alone answers `externalCommits` (its data version counts others' commits).
    private let reader: Database
    private let readLock = NSLock()
    /// Readers not in use, and how many may be in use at once.
    private var idleReaders: [Database] = []
    private let poolLock = NSLock()
    private let readerSlots: DispatchSemaphore
    /// The write-ahead log's copies into the database (nil: read-only or in memory).
    private let checkpoints: LogCheckpoints?
    /// The database file, or ":memory:".
    public let path: String
    private let readOnly: Bool

    public var location: String { path }

    /// Opens the store of `nodeID` at `path`, creating the directory and
    /// database when needed and applying migrations.
    /// - Throws: a `StoreError` when the database is unreadable, newer than
    ///   this binary, or belongs to another node.
    public init(path: String, nodeID: String, federation: String, migration: MigrationContext = .none) throws {
        self.path = path
        readOnly = false
        checkpoints = path == ":memory:" ? nil : LogCheckpoints(path: path)
        if path != ":memory:" {
            let directory = (path as NSString).deletingLastPathComponent
            do {
                try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError("create data directory \(directory)", error.localizedDescription, hint: "use a data directory this user can write")
            }
        }
        do {
            writer = try Database(path: path)
            if path != ":memory:" { try SQLiteStore.enableWAL(writer) }
            // A 16 MiB page cache for the writer. Random keys touch pages all over the record index, but
            // the pages come from the OS's cache at ~1 µs: 256 MiB or mmap measured no faster beyond
            // this machine's run-to-run noise (`syncnode-bench stages --keys random`, 1M records;
            // docs/scaling.md), and every MiB is resident at a hub. What a 32 or 64 MiB cache did gain
            // (13.3 and 12.6 µs a change against 14.1–15.0) is the spilling below,
            // which `cache_spill` avoids without keeping the pages resident.
            // A log restarted after a checkpoint is cut back to 256 MiB, no further: a bulk load does not
            // leave a huge file behind, and the log a bulk hop keeps (at most ~180 MB with random keys)
            // is written again over pages the kernel already holds. Cut back to 64 MiB, two thirds of
            // each cycle's writes went to new pages: the kernel allocated page-cache and disk blocks for
            // them, and the apply with random keys took 20.0 µs a change instead of 16.6
            // (`syncnode-bench stages --keys random --records 1000000`).
            // Dirty pages are spilled into the log before the commit only past `spillPages`.
            try writer.execute("""
                PRAGMA synchronous=FULL; PRAGMA cache_size=-16384; PRAGMA cache_spill=\(SQLiteStore.spillPages);
                PRAGMA journal_size_limit=268435456;
                """)
            if path == ":memory:" {
                reader = writer
            } else {
                reader = try Database(path: path)
                try reader.execute(SQLiteStore.readerSettings)
            }
            readerSlots = DispatchSemaphore(value: path == ":memory:" ? 1 : SQLiteStore.readerLimit)
        } catch let error as SQLiteError {
            throw SQLiteStore.explain(error, path: path)
        }
        try migrate(migration)
        try claim(nodeID: nodeID, federation: federation)
        try applySizeLimit()
    }

    /// Moves the write-ahead log's pages into the database without blocking the writer or readers
    /// (a passive checkpoint on a connection of its own), so commits never pay for it. The node
    /// serving the store calls it when it is due (`checkpointIfDue`); returns the pages left in the log.
    @discardableResult
    public func checkpoint() throws -> Int {
        try checkpoints?.copy() ?? 0
    }

    /// Pages (~24 MB) a write transaction may hold in the writer's cache before SQLite writes some
    /// of them to the log ahead of the commit ("spills"), instead of when the 16 MiB are full. A
    /// batch of 4,000 changes with random keys dirties ~5,000–6,000 pages at 1M records; each page
    /// spilled and changed again was written twice and made the commit re-read the log after it for
    /// checksums (apply 14.1–15.0 → 13.0–13.3 µs a change, `syncnode-bench stages --keys random
    /// --records 1000000`). The cache grows past 16 MiB only while such a transaction lasts; an
    /// import's one transaction spills from here on, so its cache stays bounded.
    /// Not a multiple of 256: SQLite reads `PRAGMA cache_spill=N` also as a boolean, truncated to
    /// 8 bits, so 6,144 (or 8,192) would turn spilling off altogether (a test checks that a larger
    /// transaction spills).
    public static let spillPages = 6_000

    /// Pages (64 MiB at 4 KiB a page) past which the writer finishes the checkpoint after its next
    /// commit, so the log starts again from its beginning (the file itself is cut back to
    /// `journal_size_limit`, 256 MiB, only when it has grown past that).
    public static let logRestartPages = 16_384

    /// Runs `checkpoint()` when it is due: the log holds `pages` pages or more, anything
    /// committed since the last checkpoint is `seconds` old, or another process (a command) added
    /// `pages` pages or more to the log since the last look while this store's writer committed
    /// nothing (a smaller commit of another process waits like the writer's own). An idle node then leaves its few
    /// small commits (a health exchange every few seconds) in the log instead of copying each into
    /// the database with two fsyncs and starting the log again with a third. When the log still
    /// holds `restartPages` after the copy (commits streamed in during it), the writer finishes
    /// the copy after its next commit (`LogCheckpoints`). Returns whether it ran.
    @discardableResult
    public func checkpointIfDue(pages: Int = 256, seconds: Double = 30, restartPages: Int = SQLiteStore.logRestartPages) throws -> Bool {
        try checkpoints?.copyIfDue(pages: pages, seconds: seconds, restartPages: restartPages) ?? false
    }

    /// Pages in the write-ahead log after the last commit, once checkpoints are left to the node (for tests).
    var logPages: Int? { checkpoints?.pages }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL), for tests.
    func synchronousSetting() throws -> Int {
        writeLock.lock()
        defer { writeLock.unlock() }
        return try wrap { try writer.first("PRAGMA synchronous") { $0.int(0) } ?? -1 }
    }

    /// Leaves checkpoints to `checkpoint()` (the serving node's maintenance): commits no longer run them.
    public func checkpointInBackground() throws {
        guard !readOnly, path != ":memory:" else { return }
        writeLock.lock()
        defer { writeLock.unlock() }
        try wrap { _ = try writer.first("PRAGMA wal_autocheckpoint = 0") { $0.int(0) } }
        checkpoints?.track(writer.trackLog())   // after the pragma: turning automatic checkpoints off removes any WAL hook
    }

    /// Node metadata: the most MiB the database may grow to (absent: no limit but the disk's).
    public static let sizeLimitKey = "store.maxMiB"

    /// Caps the database at `mebibytes` (nil: no cap) for every process that opens it from now on,
    /// and for this one at once. Past it, writes fail as on a full disk; reads go on.
    public func setSizeLimit(mebibytes: Int?) throws {
        try write { try $0.setNodeMeta(SQLiteStore.sizeLimitKey, mebibytes.map(String.init) ?? "") }
        try applySizeLimit()
    }

    private func applySizeLimit() throws {
        guard !readOnly, path != ":memory:" else { return }
        let limit = try read { try $0.nodeMeta(SQLiteStore.sizeLimitKey) }.flatMap { Int64($0) }
        writeLock.lock()
        defer { writeLock.unlock() }
        try wrap {
            let pageSize = try writer.first("PRAGMA page_size") { $0.int64(0) } ?? 4096
            // SQLite's own ceiling when there is no limit.
            let pages = limit.map { max(1, $0 << 20 / pageSize) } ?? 4_294_967_294
            _ = try writer.first("PRAGMA max_page_count = \(pages)") { $0.int64(0) }
        }
    }

    /// Opens an existing store for reading only, beside the node that owns it
    /// (no migration, no claim, no write lock taken): for observers such as the benchmark.
    public init(readingOnly path: String) throws {
        self.path = path
        readOnly = true
        checkpoints = nil
        do {
            reader = try Database(path: path, readOnly: true)
            try reader.execute("PRAGMA query_only = 1")
            writer = reader
            readerSlots = DispatchSemaphore(value: 1)
        } catch let error as SQLiteError {
            throw SQLiteStore.explain(error, path: path)
        }
    }

    /// A store that lives in memory only, for tests of the engine.
    public static func inMemory(nodeID: String, federation: String) throws -> SQLiteStore {
        try SQLiteStore(path: ":memory:", nodeID: nodeID, federation: federation)
    }

    /// Most reader connections open at once.
    static let readerLimit = 3
    /// Every reader: reads only, 4 MiB of pages (its reads are mostly sequential: outbox pages, status).
    static let readerSettings = "PRAGMA query_only = 1; PRAGMA cache_size=-4096;"

    public func read<T>(_ body: (any ReplicaReading) throws -> T) throws -> T {
        if reader === writer && !readOnly { return try write { try body($0) } }
        if readOnly {
            readLock.lock()
            defer { readLock.unlock() }
            return try wrap { try body(StoreAccess(db: reader)) }
        }
        readerSlots.wait()
        defer { readerSlots.signal() }
        let connection = try takeReader()
        defer { giveBack(connection) }
        return try wrap { try body(StoreAccess(db: connection)) }
    }

    /// A reader not in use (the first one under its lock), or a new one: a slot is held, so one is free or may be opened.
    private func takeReader() throws -> Database {
        if readLock.try() { return reader }
        poolLock.lock()
        let idle = idleReaders.popLast()
        poolLock.unlock()
        if let idle { return idle }
        let opened = try wrap { try Database(path: path) }
        try wrap { try opened.execute(SQLiteStore.readerSettings) }
        return opened
    }

    private func giveBack(_ connection: Database) {
        if connection === reader {
            readLock.unlock()
            return
        }
        poolLock.lock()
        idleReaders.append(connection)
        poolLock.unlock()
    }

    /// WAL mode keeps commits in order, so a commit with synchronous=NORMAL (no fsync) becomes
    /// durable with the next synchronous=FULL commit or checkpoint that syncs the log after it.
    @discardableResult
    public func write<T>(_ durability: Durability, _ body: (any ReplicaWriting) throws -> T) throws -> T {
        guard !readOnly else { throw StoreError("write to \(path)", "the store was opened for reading only") }
        writeLock.lock()
        defer {
            checkpoints?.finishIfAsked()
            writeLock.unlock()
        }
        return try wrap {
            if durability == .processCrash { try writer.execute("PRAGMA synchronous=NORMAL") }
            defer { if durability == .processCrash { try? writer.execute("PRAGMA synchronous=FULL") } }
            return try writer.transaction {
                let access = StoreAccess(db: writer)
                let result = try body(access)
                try access.finishTransaction()
                return result
            }
        }
    }

    public func externalCommits() throws -> Int64 {
        readLock.lock()
        defer { readLock.unlock() }
        return try reader.dataVersion()
    }

    /// Writes a consistent copy of the database at `path` into `copy` while it is in use (the copy
    /// is what one read transaction sees: every committed transaction or none of it).
    public static func onlineCopy(of path: String, to copy: String) throws {
        do {
            let source = try Database(path: path, readOnly: true)
            source.setBusyTimeout(milliseconds: 10_000)
            try source.run("VACUUM INTO ?", copy)
        } catch let error as SQLiteError {
            throw StoreError("copy the store \(path)", error.description, hint: error.code & 0xff == 13 ? "the disk is full" : nil, underlying: error)
        }
    }

    /// Runs SQLite's integrity check on the database at `path`; the problems it reports (none when sound).
    public static func integrityProblems(_ path: String) throws -> [String] {
        let db = try Database(path: path, readOnly: true)
        let rows = try db.rows("PRAGMA integrity_check") { $0.text(0) }
        return rows == ["ok"] ? [] : rows
    }

    /// The query plan SQLite chooses for `sql` (for tests that a query uses its index).
    func queryPlan(_ sql: String, _ values: any SQLConvertible...) throws -> [String] {
        writeLock.lock()
        defer { writeLock.unlock() }
        return try writer.rows("EXPLAIN QUERY PLAN " + sql, values) { $0.text(3) }
    }

    /// SQLite errors become store errors that say what to do; others pass through.
    private func wrap<T>(_ body: () throws -> T) throws -> T {
        try SQLiteStore.storeErrors(path, body)
    }

    /// `wrap` for the store at `path`.
    static func storeErrors<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as SQLiteError {
            throw StoreError("use the store \(path)", error.description,
                             hint: error.code & 0xff == 13 ? "the disk is full: free space in the data directory" : "check the file's permissions and free disk space",
                             underlying: error)
        }
    }

    /// Brings the schema up to date. The version is read inside the write
    /// transaction, so two processes opening the same database at once (a node
    /// and a command) never apply a migration twice.
    private func migrate(_ context: MigrationContext) throws {
        let version = { [writer] in try writer.first("PRAGMA user_version") { $0.int(0) } ?? 0 }
        let current: Int
        do { current = try version() } catch let error as SQLiteError {
            throw SQLiteStore.explain(error, path: path)
        }
        if current > Schema.latestVersion {
            throw StoreError("open the store \(path)",
                             "its schema is version \(current) but this syncnode knows versions up to \(Schema.latestVersion): a newer syncnode wrote it",
                             hint: "run the newer syncnode binary on this data directory (downgrading is not supported)")
        }
        guard current < Schema.latestVersion else { return }
        var applying = Schema.migrations[0]
        do {
            try writer.transaction {
                let locked = try version()
                for migration in Schema.migrations where migration.version > locked {
                    applying = migration
                    // A fresh database gets the final layout at once: migrations that move
                    // old data have nothing to move.
                    try writer.execute(migration.sql)
                    try migration.transform?(writer, context)
                    try writer.execute("PRAGMA user_version = \(migration.version)")
                }
            }
        } catch let error as SQLiteError {
            throw StoreError("apply migration \(applying.version) (\(applying.name)) to \(path)", error.description,
                             hint: "the database is unchanged; check disk space and permissions, then restart", underlying: error)
        }
    }

    private func claim(nodeID: String, federation: String) throws {
        try write { _ in
            for (key, value) in [("node_id", nodeID), ("federation", federation)] {
                if let existing = try writer.first("SELECT value FROM node_meta WHERE key = ?", key, map: { $0.text(0) }) {
                    guard existing == value else {
                        throw StoreError("open the store \(path)", "it belongs to \(key == "node_id" ? "node" : "federation") '\(existing)', not '\(value)'",
                                         hint: "use the data directory of '\(value)'")
                    }
                } else {
                    try writer.run("INSERT INTO node_meta(key, value) VALUES (?, ?)", key, value)
                }
            }
        }
    }

    /// Switches to WAL once per database file. Switching needs an exclusive lock
    /// and SQLite reports a concurrent opener as busy at once, without waiting:
    /// retry for a while.
    static func enableWAL(_ database: Database) throws {
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                if try database.first("PRAGMA journal_mode", map: { $0.text(0) }) == "wal" { return }
                try database.execute("PRAGMA journal_mode=WAL")
            } catch let error as SQLiteError where error.code & 0xff == 5 && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
    }

    static func explain(_ error: SQLiteError, path: String) -> StoreError {
        if error.isUnreadable {
            return StoreError("open the store \(path)", "it is not a readable syncnode database (\(error.message))",
                              hint: "restore the file from a backup, or move it aside to start this node afresh (it will resync from its peers)",
                              underlying: error)
        }
        return StoreError("open the store \(path)", error.description, hint: "check the file's permissions and free disk space", underlying: error)
    }
}

/// A store operation that failed: what was being done, why, and what to do;
/// the SQLite error it came from, when there is one.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let cause: String
    public let hint: String?
    public let underlying: SQLiteError?

    public init(_ operation: String, _ cause: String, hint: String? = nil, underlying: SQLiteError? = nil) {
        self.operation = operation
        self.cause = cause
        self.hint = hint
        self.underlying = underlying
    }

    /// True when the disk (or the database's size limit) is full.
    public var isDiskFull: Bool { underlying.map { $0.code & 0xff == 13 } ?? false }

    public var description: String {
        var text = "cannot \(operation): \(cause)"
        if let hint { text += "\n  hint: \(hint)" }
        return text
    }
}

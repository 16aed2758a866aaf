import Foundation
import SQLite

/// A node's state: one SQLite database in its data directory, in WAL mode,
/// its schema brought up to date at open.
///
/// The connection lives behind a serial queue: any thread may call `read` or
/// `write`, and SQLite only ever sees one at a time.
public final class Store: @unchecked Sendable {
    private let database: Database
    private let queue: DispatchQueue
    /// A second connection for reads, so status pages and outbox reads never wait
    /// behind a write transaction (WAL lets readers run beside the writer).
    private let reader: Database
    private let readQueue: DispatchQueue
    /// The database file.
    public let path: String

    /// Opens the store for `nodeID`, creating the directory and database when
    /// needed and applying migrations.
    /// - Throws: a `SyncNodeError` when the database is unreadable, newer than
    ///   this binary, or belongs to another node.
    public init(path: String, nodeID: String, federation: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw SyncNodeError("create data directory \(directory)", error.localizedDescription,
                                hint: "pass a writable --data DIR")
        }
        do {
            database = try Database(path: path)
            try Store.enableWAL(database)
            try database.execute("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")
        } catch let error as SQLiteError {
            throw Store.explain(error, path: path)
        }
        queue = DispatchQueue(label: "syncnode.store.\(nodeID)")
        readQueue = DispatchQueue(label: "syncnode.store.\(nodeID).read")
        do {
            reader = try Database(path: path)
            try reader.execute("PRAGMA query_only = 1")
        } catch let error as SQLiteError {
            throw Store.explain(error, path: path)
        }
        try migrate()
        try claim(nodeID: nodeID, federation: federation)
    }

    /// Runs `body` with the read connection: it sees what is committed and never waits for a writer.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try readQueue.sync { try body(reader) }
    }

    /// Runs `body` in one immediate transaction: all of it is committed or none.
    @discardableResult
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.sync { try database.transaction { try body(database) } }
    }

    /// The schema version of the open database.
    public func schemaVersion() throws -> Int {
        try read { try $0.first("PRAGMA user_version") { $0.int(0) } ?? 0 }
    }

    /// Brings the schema up to date. The version is read inside the write
    /// transaction, so two processes opening the same database at once (a node
    /// and a command) never apply a migration twice.
    private func migrate() throws {
        let version = { [database] in try database.first("PRAGMA user_version") { $0.int(0) } ?? 0 }
        let current: Int
        do { current = try version() } catch let error as SQLiteError {
            throw Store.explain(error, path: path)
        }
        if current > Schema.latestVersion {
            throw SyncNodeError("open the store \(path)",
                                "its schema is version \(current) but this syncnode knows versions up to \(Schema.latestVersion): a newer syncnode wrote it",
                                hint: "run the newer syncnode binary on this data directory (downgrading is not supported)")
        }
        guard current < Schema.latestVersion else { return }
        var applying = Schema.migrations[0]
        do {
            try database.transaction {
                let locked = try version()
                for migration in Schema.migrations where migration.version > locked {
                    applying = migration
                    try database.execute(migration.sql)
                    try database.execute("PRAGMA user_version = \(migration.version)")
                }
            }
        } catch let error as SQLiteError {
            throw SyncNodeError("apply migration \(applying.version) (\(applying.name)) to \(path)", error.description,
                                hint: "the database is unchanged; check disk space and permissions, then restart")
        }
    }

    private func claim(nodeID: String, federation: String) throws {
        try write { db in
            for (key, value) in [("node_id", nodeID), ("federation", federation)] {
                if let existing = try db.first("SELECT value FROM node_meta WHERE key = ?", key, map: { $0.text(0) }) {
                    guard existing == value else {
                        throw SyncNodeError("open the store \(path)", "it belongs to \(key == "node_id" ? "node" : "federation") '\(existing)', not '\(value)'",
                                            hint: "pass the data directory of '\(value)' with --data")
                    }
                } else {
                    try db.run("INSERT INTO node_meta(key, value) VALUES (?, ?)", key, value)
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

    static func explain(_ error: SQLiteError, path: String) -> SyncNodeError {
        if error.isUnreadable {
            return SyncNodeError("open the store \(path)", "it is not a readable syncnode database (\(error.message))",
                                 hint: "restore the file from a backup, or move it aside to start this node afresh (it will resync from its peers)")
        }
        return SyncNodeError("open the store \(path)", error.description, hint: "check the file's permissions and free disk space")
    }
}

import Foundation
import SQLite
import XCTest

/// The write-ahead log's gathered writes (`CSQLiteLog`): whatever a connection has committed is in
/// the log file when the commit returns, with valid checksums, so another connection sees it and a
/// crash at that moment (the files as the kernel holds them) loses nothing.
final class LogVFSTests: XCTestCase {
    func testConnectionsOpenWithTheGatheringVFS() {
        XCTAssertTrue(Database.gathersLogWrites)
    }

    /// Commits of every size, with a cache of 20 pages so that large transactions spill pages into
    /// the log early and then write some of them again (SQLite rewrites those frames and their
    /// checksums at the commit), and synchronous=NORMAL so that no sync writes the buffer out.
    /// After each commit, the files copied as they are (what a process crash would leave) open
    /// with every committed row, and the log's checksums hold (SQLite recovers the copy's log
    /// from them: a frame with a wrong checksum ends the log there).
    func testEachCommitIsInTheLogFileWhenItReturns() throws {
        let (dir, path) = try database()
        let writer = try writerConnection(path, copying: false)
        let other = try Database(path: path)
        var generator = SeededGenerator(seed: 7)
        var expected: [Int64: Int] = [:]
        var nextKey: Int64 = 1
        let sizes = [1, 2, 40, 1, 900, 3, 2_500, 1, 60, 4_000, 7, 1, 1_500]
        for (round, count) in sizes.enumerated() {
            try writer.transaction {
                var written: [Int64] = []
                for _ in 0..<count {
                    let length = Int.random(in: 50...1_500, using: &generator)
                    try writer.run("INSERT INTO t (k, v) VALUES (?, randomblob(?))", nextKey, Int64(length))
                    expected[nextKey] = length
                    written.append(nextKey)
                    nextKey += 1
                }
                // Pages spilled early in this transaction, changed again.
                for key in written.prefix(count / 3) {
                    let length = Int.random(in: 50...1_500, using: &generator)
                    try writer.run("UPDATE t SET v = randomblob(?) WHERE k = ?", Int64(length), key)
                    expected[key] = length
                }
            }
            XCTAssertEqual(try lengths(other), Summary(expected), "round \(round): another connection after the commit")
            try assertACrashNowLosesNothing(path: path, copy: dir + "/copy\(round)", expected: Summary(expected), round: round)
            if round % 4 == 3 {
                // The log copied into the database by another connection; the writer starts it again.
                _ = try other.first("PRAGMA wal_checkpoint(PASSIVE)") { $0.int(0) }
            }
        }
    }

    /// Two writers on one database, as a serving node and a command are: each commits in turn, and
    /// the log is copied and started again (or truncated to nothing) by a third connection between,
    /// so a writer's next frames land below where its own last commit ended.
    func testTwoWritersTakingTurnsAroundRestartsLoseNothing() throws {
        let (dir, path) = try database()
        let first = try writerConnection(path, copying: false)
        let second = try writerConnection(path, copying: false)
        let copier = try Database(path: path)
        var generator = SeededGenerator(seed: 11)
        var expected: [Int64: Int] = [:]
        var nextKey: Int64 = 1
        for round in 0..<24 {
            let writer = round % 2 == 0 ? first : second
            let count = [1, 300, 2, 1_200, 40, 5][round % 6]
            try writer.transaction {
                for _ in 0..<count {
                    let length = Int.random(in: 50...1_500, using: &generator)
                    try writer.run("INSERT INTO t (k, v) VALUES (?, randomblob(?))", nextKey, Int64(length))
                    expected[nextKey] = length
                    nextKey += 1
                }
            }
            try assertACrashNowLosesNothing(path: path, copy: dir + "/copy\(round)", expected: Summary(expected), round: round)
            switch round % 3 {
            case 0: _ = try copier.first("PRAGMA wal_checkpoint(RESTART)") { $0.int(0) }
            case 1: _ = try copier.first("PRAGMA wal_checkpoint(TRUNCATE)") { $0.int(0) }
            default: break
            }
        }
        XCTAssertEqual(try lengths(copier), Summary(expected))
    }

    /// A rolled-back transaction leaves nothing behind, and the next commit is whole.
    func testARolledBackTransactionLeavesNothing() throws {
        let (_, path) = try database()
        let writer = try writerConnection(path, copying: true)
        struct Abandon: Error {}
        XCTAssertThrowsError(try writer.transaction {
            for k in 1...2_000 { try writer.run("INSERT INTO t (k, v) VALUES (?, randomblob(700))", Int64(k)) }
            throw Abandon()
        })
        try writer.transaction {
            for k in 1...10 { try writer.run("INSERT INTO t (k, v) VALUES (?, randomblob(70))", Int64(k)) }
        }
        let other = try Database(path: path)
        XCTAssertEqual(try other.first("SELECT count(*), sum(length(v)) FROM t") { [$0.int(0), $0.int(1)] }, [10, 700])
        XCTAssertEqual(try other.first("PRAGMA integrity_check") { $0.text(0) }, "ok")
    }

    /// The database and its log copied as they are in the kernel (what a process crash would leave
    /// behind) open whole: `integrity_check` passes and every committed row is there.
    private func assertACrashNowLosesNothing(path: String, copy: String, expected: Summary, round: Int) throws {
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        for suffix in ["", "-wal"] {
            try FileManager.default.copyItem(atPath: path + suffix, toPath: copy + "/t.db" + suffix)
        }
        let crashed = try Database(path: copy + "/t.db")
        XCTAssertEqual(try crashed.first("PRAGMA integrity_check") { $0.text(0) }, "ok", "round \(round)")
        XCTAssertEqual(try lengths(crashed), expected, "round \(round): the files as a crash would leave them")
    }

    /// The rows' count, and their keys' and lengths' sums (what a failure prints, instead of every row).
    private struct Summary: Equatable {
        var rows = 0, keys: Int64 = 0, bytes = 0, weighted: Int64 = 0
        init(_ lengths: [Int64: Int]) {
            for (key, length) in lengths { add(key, length) }
        }
        init() {}
        mutating func add(_ key: Int64, _ length: Int) {
            rows += 1
            keys += key
            bytes += length
            weighted &+= key &* Int64(length)
        }
    }

    private func lengths(_ db: Database) throws -> Summary {
        var result = Summary()
        try db.forEach("SELECT k, length(v) FROM t") { result.add($0.int64(0), $0.int(1)) }
        return result
    }

    /// A new database in WAL mode with the table `t`, in a temporary directory removed when the test ends.
    private func database() throws -> (dir: String, path: String) {
        let dir = NSTemporaryDirectory() + "sqlite-log-vfs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/t.db"
        try Database(path: path).execute("PRAGMA journal_mode=WAL; CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB NOT NULL)")
        return (dir, path)
    }

    /// A connection that writes with synchronous=NORMAL (no sync writes the buffer out) and a cache
    /// of 20 pages (large transactions spill pages into the log); `copying: false` turns off
    /// SQLite's automatic checkpoints, so every frame stays in the log.
    private func writerConnection(_ path: String, copying: Bool) throws -> Database {
        let db = try Database(path: path)
        try db.execute("PRAGMA synchronous=NORMAL; PRAGMA cache_size=20" + (copying ? "" : "; PRAGMA wal_autocheckpoint=0"))
        return db
    }
}

/// A small deterministic generator (SplitMix64), so a failing round can be run again.
private struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

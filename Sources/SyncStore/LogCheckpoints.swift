import Foundation
import Posix
import SQLite

/// When and how a serving node's write-ahead log is copied into its database: passive
/// checkpoints on a connection of their own, so no commit waits for one, and a log that starts
/// again from its beginning even while commits stream in.
///
/// Under a steady stream of commits (a bulk push: with random keys ~140 MB of log a second) a
/// passive checkpoint never catches up with the last commit, so the log never started again: it
/// grew to 4 GB during 1M records, and the first commit after the stream cut it back to 64 MiB
/// inside the commit (`ftruncate` of 4 GB of cached pages: 1.0–1.4 s, the first single change
/// after a bulk hop). So when the log still holds `restartPages` or more after a copy, the writer
/// copies the rest after its next commit, holding the write lock (no commit can overtake it: tens
/// of ms a second during a bulk stream), and the commit after that starts the log again.
final class LogCheckpoints: @unchecked Sendable {   // every field under `lock`
    private let path: String
    private let lock = NSLock()
    private var connection: Database?
    /// The writer's log, once checkpoints are left to the node, and since when it holds commits a
    /// checkpoint has not copied (nil: none).
    private var tracker: LogTracker?
    private var uncopiedSince: Date?
    /// The database's data version at the last look (SQLite's `data_version`, on the copier's
    /// connection: it changes with every commit of any other connection, the writer's too).
    private var seenVersion: Int64?
    /// The log file's size at the last look.
    private var seenLogBytes = 0
    /// The log outgrew `restartPages` while commits streamed in: the writer finishes the copy after its next commit.
    private var copyAfterCommit = false

    init(path: String) {
        self.path = path
    }

    /// From now on commits are counted (the writer's log hook), and copies are left to `copyIfDue`.
    func track(_ log: LogTracker) {
        lock.lock()
        tracker = log
        seenVersion = try? versionLocked()   // what others commit from now on is theirs
        seenLogBytes = logBytes()
        lock.unlock()
    }

    /// Pages in the log after the last commit, once commits are counted.
    var pages: Int? {
        lock.lock()
        defer { lock.unlock() }
        return tracker?.pages
    }

    /// A passive checkpoint (a RESTART would block commits while it waits for readers); the pages
    /// left, of those the log held when it began.
    func copy() throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        return try copyLocked()
    }

    /// `copy()` when it is due (see `SQLiteStore.checkpointIfDue`); whether it ran.
    func copyIfDue(pages: Int, seconds: Double, restartPages: Int) throws -> Bool {
        lock.lock()
        let due: Bool
        if let tracker {
            let own = tracker.takeCommits()
            let other = committedElsewhere(writerCommitted: own > 0, largePages: pages)
            if (own > 0 || other != nil) && uncopiedSince == nil { uncopiedSince = Date() }
            due = other == .large || (uncopiedSince.map { tracker.pages >= pages || Date().timeIntervalSince($0) >= seconds } ?? false)
        } else {
            due = true   // commits are not counted (checkpoints not left to the node): copy whatever is there
        }
        lock.unlock()
        guard due else { return false }
        let left = try copy()
        lock.lock()
        if left == 0 { uncopiedSince = nil }   // else readers held part of it back: try again at the next look
        if let tracker, tracker.pages >= restartPages { copyAfterCommit = true }   // the copy covered only what was committed before it began
        lock.unlock()
        return true
    }

    private enum OtherCommit { case small, large }

    /// Whether another process committed since the last look, under `lock`. The writer's hook counts
    /// only the writer's commits; a command's (`syncnode import`, `write`: they leave the copy to the
    /// serving node, see `NodeContext.openReplica`) shows as a change of the data version on the
    /// copier's connection with none of the writer's. Large when the log file grew by `largePages`
    /// since the last look (an import: ~500 MB for 1M rows), to be copied at once; a small one
    /// waits like the writer's own.
    private func committedElsewhere(writerCommitted: Bool, largePages: Int) -> OtherCommit? {
        guard let version = try? versionLocked() else { return nil }   // a failed look changes nothing
        let bytes = logBytes()
        defer { seenVersion = version; seenLogBytes = bytes }
        guard let seen = seenVersion, version != seen, !writerCommitted else { return nil }
        return bytes - seenLogBytes >= largePages * 4096 ? .large : .small   // 4 KiB pages, a frame each
    }

    private func logBytes() -> Int { Int(fileStatus(atPath: path + "-wal")?.size ?? 0) }

    /// Under the store's write lock, after a commit: the copy `copyIfDue` asked for, unless a copy
    /// is running right now (then after a later commit).
    func finishIfAsked() {
        guard lock.try() else { return }
        defer { lock.unlock() }
        guard copyAfterCommit else { return }
        // A failure leaves the flag set: the checkpointer's next look reports it, the next commit tries again.
        if (try? copyLocked()) == 0 { copyAfterCommit = false }
    }

    private func copyLocked() throws -> Int {
        try SQLiteStore.storeErrors(path) {
            try copier().first("PRAGMA wal_checkpoint(PASSIVE)") { $0.int(1) - $0.int(2) } ?? 0
        }
    }

    private func versionLocked() throws -> Int64 {
        try SQLiteStore.storeErrors(path) { try copier().dataVersion() }
    }

    /// The copier's own connection, opened when first needed.
    private func copier() throws -> Database {
        if let connection { return connection }
        let db = try Database(path: path)
        db.setBusyTimeout(milliseconds: 1000)
        connection = db
        return db
    }
}

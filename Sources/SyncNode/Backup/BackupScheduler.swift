import Foundation
import SyncCore
import SyncEngine

/// When and where `serve` makes backups by itself (no cron needed).
public struct BackupSchedule: Sendable {
    /// The key file (checked when the node starts).
    public var keyFile: String
    /// Where backups are written.
    public var directory: String
    /// Seconds between backups.
    public var interval: Double
    /// Backups kept in the directory.
    public var keep: Int
    /// Also send each one to the parent as an off-site copy.
    public var toParent: Bool

    public init(keyFile: String, directory: String, interval: Double, keep: Int, toParent: Bool) {
        self.keyFile = keyFile
        self.directory = directory
        self.interval = interval
        self.keep = keep
        self.toParent = toParent
    }
}

/// Makes a backup every interval while the node serves and, when asked, sends
/// it to the parent. The first one is due one interval after the last one the
/// store remembers (at once when there is none). A failure is logged, raised
/// as an alarm, and tried again a minute later (or at the interval, if shorter).
final class BackupScheduler: Service {
    let name = "backup scheduler"
    private let context: NodeContext
    private let replica: Replica
    private let schedule: BackupSchedule
    private let key: BackupKey
    private let log: Log
    private let worker: PeriodicWorker

    init(context: NodeContext, replica: Replica, schedule: BackupSchedule, log: Log) throws {
        self.context = context
        self.replica = replica
        self.schedule = schedule
        self.log = log
        key = try BackupKey(file: schedule.keyFile)
        if schedule.toParent && context.parent == nil {
            throw SyncNodeError("schedule off-site backups for \(context.node.id)", "it is the root: it has no parent to keep them",
                                hint: "drop backup.toParent for the root and copy its backups off-site by other means")
        }
        worker = PeriodicWorker(name: "syncnode-backup", interval: min(60, max(0.2, schedule.interval / 4)))
    }

    func start() {
        worker.start { [self] in
            if let last = meta("backup.lastAt"), Date().timeIntervalSince(last) < schedule.interval { return }
            if let failed = meta("backup.failedAt"), Date().timeIntervalSince(failed) < min(60, schedule.interval) { return }
            run()
        }
    }

    func stop() { worker.stop() }

    private func meta(_ key: String) -> Date? {
        (try? replica.store.read { try $0.nodeMeta(key) })?.flatMap { Int64($0) }.map { Timestamp.date(millis: $0) }
    }

    private func run() {
        do {
            let made = try Backups.makeInto(directory: schedule.directory, context: context, key: key, keep: schedule.keep)
            try Backups.recordMade(made, store: replica.store, by: Replica.nodeOperator)
            try replica.store.write { try $0.clearAlarm(kind: "backup", subject: context.node.id) }
            log.info("backup_made", ["file": made.file, "bytes": made.bytes, "seconds": String(format: "%.1f", made.seconds)])
            if schedule.toParent, let parent = context.parent {
                let copy = try OffsiteTransfer.upload(context: context, file: made.file)
                try Backups.recordSent(copy, parent: parent.id, store: replica.store, by: Replica.nodeOperator)
                log.info("offsite_copy_sent", ["parent": parent.id, "id": copy.id, "bytes": copy.size])
            }
        } catch {
            log.error("backup_failed", ["error": "\(error)", "retry_in_s": Int(min(60, schedule.interval))])
            let now = Date()
            try? replica.store.write { w in
                try w.setNodeMeta("backup.failedAt", String(Timestamp.millis(now)))
                try w.raiseAlarm(kind: "backup", subject: context.node.id,
                                 message: "a scheduled backup failed: \(error)", at: Int64(now.timeIntervalSince1970 * 1000))
            }
        }
    }
}

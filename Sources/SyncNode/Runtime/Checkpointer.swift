import Foundation
import SyncStore

/// Moves the write-ahead log into the database on a connection of its own, so no
/// commit (and no change's latency) pays for a checkpoint: looks once a second,
/// copies when the log holds 256 pages (1 MiB) or its oldest uncopied commit is 30 s old, and at
/// once when a command (`syncnode import`, `write`: they leave the copy to a serving node) has
/// added as much to the log. When
/// commits stream in faster than it copies and the log passes 64 MiB, the writer finishes the copy
/// after its next commit, so the log starts again instead of growing for as long as the stream lasts.
final class Checkpointer: Service {
    let name = "checkpointer"
    private let store: SQLiteStore
    private let log: Log
    private let worker = PeriodicWorker(name: "syncnode-checkpoint", interval: 1)

    init(store: SQLiteStore, log: Log) throws {
        self.store = store
        self.log = log
        try store.checkpointInBackground()
    }

    func start() {
        worker.start { [self] in
            do { try store.checkpointIfDue() } catch { log.warning("checkpoint_failed", ["error": "\(error)"]) }
        }
    }

    func stop() {
        worker.stop()
        _ = try? store.checkpoint()
    }
}

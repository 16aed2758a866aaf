import Foundation
import Synchronization
import SyncCore
import SyncEngine

/// Notices commits by other processes on the node's store (`syncnode write`
/// or `import` while serve runs) and wakes pushes and long-polls.
final class ExternalWriteWatcher: Service {
    let name = "write watcher"
    private let replica: Replica
    private let worker: PeriodicWorker

    init(replica: Replica, interval: Double = 0.05) {
        self.replica = replica
        worker = PeriodicWorker(name: "syncnode-watcher", interval: interval)
    }

    func start() throws {
        let store = replica.store, signal = replica.signal
        let last = Mutex(try store.externalCommits())
        worker.start {
            guard let version = try? store.externalCommits() else { return }
            if last.withLock({ seen in defer { seen = version }; return seen != version }) { signal.bump() }
        }
    }

    func stop() { worker.stop() }
}

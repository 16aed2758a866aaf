import Foundation
import Synchronization
import SyncCore
import SyncEngine

/// Notices commits by other processes on the node's store (`syncnode write`
/// or `import` while serve runs) and wakes pushes and long-polls.
final class ExternalWriteWatcher: Service {
    let name = "write watcher"
    private let replica: Replica
    private let interval: Double
    private let stopped = Mutex(false)
    private let done = DispatchSemaphore(value: 0)

    init(replica: Replica, interval: Double = 0.05) {
        self.replica = replica
        self.interval = interval
    }

    func start() throws {
        let store = replica.store, signal = replica.signal
        let first = try store.externalCommits()
        let thread = Thread { [self] in
            var last = first
            while !stopped.withLock({ $0 }) {
                Thread.sleep(forTimeInterval: interval)
                guard let version = try? store.externalCommits() else { continue }
                if version != last {
                    last = version
                    signal.bump()
                }
            }
            done.signal()
        }
        thread.name = "syncnode-watcher"
        thread.start()
    }

    func stop() {
        stopped.withLock { $0 = true }
        done.wait()
    }
}

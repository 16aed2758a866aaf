import Foundation
import Posix
import Synchronization
import SyncCore
import SyncEngine

/// Notices commits by other processes on the node's store (`syncnode write`
/// or `import` while serve runs) and wakes pushes and long-polls: at once when
/// the command pokes the node's wake socket (commands do after each commit),
/// and within `interval` for any other writer (SQLite's data version, polled).
final class ExternalWriteWatcher: Service {
    let name = "write watcher"
    private let replica: Replica
    private let wakeName: String
    private let log: Log
    private let worker: PeriodicWorker
    private let stopped = Mutex(false)
    private let done = DispatchSemaphore(value: 0)
    private let receiver = Mutex<WakeReceiver?>(nil)

    init(replica: Replica, wakeName: String, log: Log, interval: Double = 1) {
        self.replica = replica
        self.wakeName = wakeName
        self.log = log
        worker = PeriodicWorker(name: "syncnode-watcher", interval: interval)
    }

    func start() throws {
        let store = replica.store, signal = replica.signal
        let last = Mutex(try store.externalCommits())
        worker.start {
            guard let version = try? store.externalCommits() else { return }
            if last.withLock({ seen in defer { seen = version }; return seen != version }) { signal.bump() }
        }
        do {
            let wake = try WakeReceiver(name: wakeName)
            receiver.withLock { $0 = wake }
            let thread = Thread { [self] in
                while !stopped.withLock({ $0 }) {
                    if wake.wait(milliseconds: 10_000) && !stopped.withLock({ $0 }) { signal.bump() }   // `stop` pokes it
                }
                done.signal()
            }
            thread.name = "syncnode-wake"
            thread.start()
        } catch {
            log.warning("wake_socket_unavailable", ["error": "\(error)", "effect": "commands' writes are noticed within a second instead of at once"])
            done.signal()
        }
    }

    func stop() {
        stopped.withLock { $0 = true }
        WakeReceiver.poke(name: wakeName)
        done.wait()
        receiver.withLock { $0?.close() }
        worker.stop()
    }
}

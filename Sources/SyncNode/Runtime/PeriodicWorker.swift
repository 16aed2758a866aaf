import Foundation
import Synchronization

/// A thread that runs a task every `interval` seconds, or at once when poked,
/// until stopped. The task runs on its own thread (it may block on files,
/// SQLite or the network); `stop` waits for a run in progress to end.
final class PeriodicWorker: Sendable {
    private let name: String
    private let interval: Double
    private let stopped = Mutex(false)
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    /// - Parameter name: the thread's name, for debuggers and `top -H`.
    init(name: String, interval: Double) {
        self.name = name
        self.interval = interval
    }

    var isStopped: Bool { stopped.withLock { $0 } }

    /// Starts the thread; `task` first runs after one interval (or a poke).
    func start(_ task: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            while !isStopped {
                _ = wake.wait(timeout: .now() + interval)
                if isStopped { break }
                task()
            }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Runs the task now instead of at the end of the interval.
    func poke() { wake.signal() }

    /// Stops the thread and waits for it to end.
    func stop() {
        stopped.withLock { $0 = true }
        wake.signal()
        done.wait()
    }
}

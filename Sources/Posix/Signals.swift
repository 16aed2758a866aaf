import Dispatch
import Glibc
import Synchronization

/// Ignores SIGPIPE for the whole process, so a peer that hangs up mid-write
/// gives an error on that write instead of killing the server.
public func ignoreSIGPIPE() {
    signal(SIGPIPE, SIG_IGN)
}

/// A process signal an operator sends to a running node.
public enum ProcessSignal: String, Sendable {
    /// Stop gracefully.
    case interrupt = "SIGINT", terminate = "SIGTERM"
    /// Reload what can be reloaded (certificates) without stopping.
    case hangup = "SIGHUP"

    var number: Int32 {
        switch self {
        case .interrupt: SIGINT
        case .terminate: SIGTERM
        case .hangup: SIGHUP
        }
    }
}

/// Delivers SIGINT, SIGTERM and SIGHUP as events instead of the default
/// (killing the process). SIGPIPE is ignored while it is installed.
public final class SignalWaiter: @unchecked Sendable {   // `sources` is set in init and only cancelled after
    private let received = Mutex<[ProcessSignal]>([])
    private let semaphore = DispatchSemaphore(value: 0)
    private var sources: [any DispatchSourceSignal] = []

    /// Starts catching the signals. `onHangup` runs on a private queue for each SIGHUP.
    public init(onHangup: (@Sendable () -> Void)? = nil) {
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "syncnode.signals")
        var made: [any DispatchSourceSignal] = []
        for kind in [ProcessSignal.interrupt, .terminate, .hangup] {
            signal(kind.number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: kind.number, queue: queue)
            source.setEventHandler { [self] in
                if kind == .hangup {
                    onHangup?()
                } else {
                    received.withLock { $0.append(kind) }
                    semaphore.signal()
                }
            }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    /// Blocks until SIGINT or SIGTERM arrives; returns which.
    public func waitForTermination() -> ProcessSignal {
        semaphore.wait()
        return received.withLock { $0.first ?? .terminate }
    }

    /// Stops catching signals (their default action applies again).
    public func cancel() {
        sources.forEach { $0.cancel() }
        for kind in [ProcessSignal.interrupt, .terminate, .hangup] { signal(kind.number, SIG_DFL) }
    }
}

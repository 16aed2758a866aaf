import Dispatch
import Glibc

/// Blocks the calling thread until the process receives SIGINT or SIGTERM,
/// then returns the signal's name. SIGPIPE is ignored for the whole process
/// so that a peer hanging up mid-write fails that write instead of killing us.
public func waitForTerminationSignal() -> String {
    signal(SIGPIPE, SIG_IGN)
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    let semaphore = DispatchSemaphore(value: 0)
    let received = SignalBox()
    let queue = DispatchQueue(label: "syncnode.signals")
    var sources: [any DispatchSourceSignal] = []
    for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
        let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
        source.setEventHandler {
            received.set(name)
            semaphore.signal()
        }
        source.resume()
        sources.append(source)
    }
    semaphore.wait()
    sources.forEach { $0.cancel() }
    return received.get()
}

private final class SignalBox: @unchecked Sendable {
    private var name = ""
    private let lock = DispatchQueue(label: "syncnode.signals.box")
    func set(_ value: String) { lock.sync { name = value } }
    func get() -> String { lock.sync { name } }
}

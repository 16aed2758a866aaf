import Synchronization

/// A long-running part of a node: a listener, the parent link, a watcher.
/// Its work runs on threads of its own (blocking socket, TLS and SQLite calls
/// stay off Swift's cooperative pool).
public protocol Service: AnyObject, Sendable {
    /// For logs and errors.
    var name: String { get }
    /// Starts it; returns once it runs.
    func start() throws
    /// Stops it and waits until its work has ended.
    func stop()
}

/// Starts services in order and stops them in the reverse order, so what
/// depends on another part stops first (the parent link before the
/// listeners, the listeners before the watcher). If one fails to start, those
/// already started are stopped again.
public final class ServiceGroup: Sendable {
    private let services: [any Service]
    private let running = Mutex<[any Service]>([])

    public init(_ services: [any Service]) { self.services = services }

    public func start() throws {
        for service in services {
            do {
                try service.start()
                running.withLock { $0.append(service) }
            } catch {
                stop()
                throw error
            }
        }
    }

    /// Stops every running service, last started first.
    public func stop() {
        let started = running.withLock { list -> [any Service] in defer { list.removeAll() }; return list }
        for service in started.reversed() { service.stop() }
    }
}

import Foundation
import Posix
import SyncCore
import SyncNode

/// `syncnode serve`: runs a node until SIGINT or SIGTERM.
enum ServeCommand: Command {
    static let name = "serve"
    static let summary = "run a node: listen for its children, dial its parent"
    static let details = """
        Listens on the node's URL from the topology (HTTP/1.1 over TLS 1.2+, client
        certificate required and verified against the federation CA; only the node's
        parent and children are served). Unless it is the root, the node dials its
        parent and exchanges health messages, retrying with backoff while it is down.
        The operators' listener (dashboard at /, Prometheus metrics at /metrics, JSON
        at /api/status, /api/tree, /api/conflicts) is plain HTTP on 127.0.0.1 only.
        Stops gracefully on SIGINT or SIGTERM. A renewed certificate and key in the
        certificate directory, and a new revocation list from the federation, are
        picked up within seconds without a restart (at once on SIGHUP). Logs go to
        standard error, one key=value line per event.
        """
    static let flags = NodeFlags.all + [
        Flag("health-interval", value: "SECONDS", help: "seconds between health exchanges with the parent (default: 5)"),
        Flag("log-level", value: "LEVEL", help: "debug, info, warning or error (default: info)"),
        Flag("admin-port", value: "PORT", help: "loopback port for the dashboard and /metrics (default: the node's adminPort in the topology; 0 for none)"),
        Flag("handshake-timeout", value: "SECONDS", help: "longest a TLS handshake may take (default: 10)"),
        Flag("request-timeout", value: "SECONDS", help: "longest one request may take to arrive, and one answer to leave (default: 120 and 60)"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode serve")
        let levelName = arguments.value("log-level") ?? "info"
        guard let level = LogLevel(name: levelName) else {
            throw SyncNodeError("run 'syncnode serve'", "unknown log level '\(levelName)'", hint: "use debug, info, warning or error")
        }
        let interval = Double(arguments.value("health-interval") ?? "5") ?? 5
        let log = Log(node: context.node.id, level: level)
        let adminPort = try arguments.int("admin-port", default: context.node.adminPort ?? 0, command: "syncnode serve")
        var limits = ServerLimits()
        if let text = arguments.value("handshake-timeout") {
            guard let seconds = Double(text), seconds > 0 else { throw SyncNodeError("run 'syncnode serve'", "--handshake-timeout must be seconds, not '\(text)'") }
            limits.handshakeTimeout = seconds
        }
        if let text = arguments.value("request-timeout") {
            guard let seconds = Double(text), seconds > 0 else { throw SyncNodeError("run 'syncnode serve'", "--request-timeout must be seconds, not '\(text)'") }
            limits.requestTimeout = seconds
            limits.writeTimeout = seconds
        }
        let node = try Node(context: context, log: log, healthInterval: max(0.1, interval), adminPort: adminPort > 0 ? adminPort : nil, limits: limits)
        let signals = SignalWaiter(onHangup: {
            log.info("reload_requested", ["signal": "SIGHUP"])
            node.reloadCredentials()
        })
        try node.start()
        let signal = signals.waitForTermination()
        log.info("shutdown_requested", ["signal": signal.rawValue])
        node.stop()
        return 0
    }
}

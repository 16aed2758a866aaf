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
        With --backup-every (or backup.intervalHours in the configuration file) it
        makes encrypted backups by itself, keeps the newest N, and with
        --backup-to-parent sends each to the parent as an off-site copy.
        Stops gracefully on SIGINT or SIGTERM. A renewed certificate and key in the
        certificate directory, and a new revocation list from the federation, are
        picked up within seconds without a restart (at once on SIGHUP). Logs go to
        standard error, one key=value line per event.
        """
    static let flags = NodeFlags.all + [
        Flag("health-interval", value: "SECONDS", help: "seconds between health exchanges with the parent (default: 5)"),
        Flag("history-interval", value: "SECONDS", help: "seconds between the dashboard's samples for its charts (default: 60; a day is kept, at most 1,440)"),
        Flag("log-level", value: "LEVEL", help: "debug, info, warning or error (default: info)"),
        Flag("admin-port", value: "PORT", help: "loopback port for the dashboard and /metrics (default: the node's adminPort in the topology; 0 for none)"),
        Flag("handshake-timeout", value: "SECONDS", help: "longest a TLS handshake may take (default: 10)"),
        Flag("request-timeout", value: "SECONDS", help: "longest one request may take to arrive, and one answer to leave (default: 120 and 60)"),
        Flag("parent-timeout", value: "SECONDS", help: "longest a request to the parent may take before the link counts it failed (default: 60)"),
        Flag("retry-max", value: "SECONDS", help: "longest wait between retries while the parent is unreachable (default: 30)"),
        Flag("max-db-mib", value: "MIB", help: "cap the database's size; past it writes fail as on a full disk, reads go on (0: no cap)"),
        Flag("backup-every", value: "HOURS", help: "make an encrypted backup this often while serving (needs --backup-key)"),
        Flag("backup-key", value: "FILE", help: "the backup key file (syncnode backup key)"),
        Flag("backup-dir", value: "DIR", help: "where scheduled backups go (default: DATA/backups)"),
        Flag("backup-keep", value: "N", help: "scheduled backups kept in that directory (default: 7)"),
        Flag("backup-to-parent", help: "also send each scheduled backup to the parent as an off-site copy"),
    ]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let context = try NodeFlags.context(arguments, command: "syncnode serve")
        let levelName = arguments.value("log-level") ?? "info"
        guard let level = LogLevel(name: levelName) else {
            throw SyncNodeError("run 'syncnode serve'", "unknown log level '\(levelName)'", hint: "use debug, info, warning or error")
        }
        let command = "syncnode serve"
        let log = Log(node: context.node.id, level: level)
        var options = NodeOptions()
        options.healthInterval = max(0.1, try seconds(arguments, "health-interval") ?? 5)
        options.historyInterval = max(0.2, try seconds(arguments, "history-interval") ?? 60)
        let adminPort = try arguments.int("admin-port", default: context.node.adminPort ?? 0, command: command)
        options.adminPort = adminPort > 0 ? adminPort : nil
        if let value = try seconds(arguments, "handshake-timeout") { options.limits.handshakeTimeout = value }
        if let value = try seconds(arguments, "request-timeout") {
            options.limits.requestTimeout = value
            options.limits.writeTimeout = value
        }
        if let value = try seconds(arguments, "parent-timeout") { options.parentTimeout = value }
        if let value = try seconds(arguments, "retry-max") { options.retryMaxSeconds = value }
        if arguments.value("max-db-mib") != nil { options.maxDatabaseMiB = try arguments.int("max-db-mib", default: 0, command: command) }
        options.backups = try schedule(arguments, context: context)
        let node = try Node(context: context, log: log, options: options)
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

    /// A flag holding seconds (more than 0), or nil when not given.
    static func seconds(_ arguments: Arguments, _ name: String) throws -> Double? {
        guard let text = arguments.value(name) else { return nil }
        guard let value = Double(text), value > 0, value.isFinite else {
            throw SyncNodeError("run 'syncnode serve'", "--\(name) must be seconds (more than 0), not '\(text)'")
        }
        return value
    }

    static func schedule(_ arguments: Arguments, context: NodeContext) throws -> BackupSchedule? {
        guard let text = arguments.value("backup-every") else {
            if arguments.value("backup-key") != nil || arguments.has("backup-to-parent") {
                throw SyncNodeError("run 'syncnode serve'", "backups are set up but not scheduled", hint: "add --backup-every HOURS (or backup.intervalHours in the configuration)")
            }
            return nil
        }
        guard let hours = Double(text), hours > 0 else { throw SyncNodeError("run 'syncnode serve'", "--backup-every must be hours, not '\(text)'") }
        guard let key = arguments.value("backup-key") else {
            throw SyncNodeError("run 'syncnode serve'", "scheduled backups need a key", hint: "pass --backup-key FILE (make one with syncnode backup key --out FILE)")
        }
        return BackupSchedule(keyFile: key, directory: arguments.value("backup-dir") ?? (context.dataDirectory as NSString).appendingPathComponent("backups"),
                              interval: hours * 3600, keep: try arguments.int("backup-keep", default: 7, command: "syncnode serve"),
                              toParent: arguments.has("backup-to-parent"))
    }
}

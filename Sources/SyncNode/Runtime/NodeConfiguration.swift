import Foundation

/// One node's configuration file, so operators do not repeat long flags
/// (`syncnode COMMAND --config FILE`, or `$SYNCNODE_CONFIG`). Every key is
/// optional; a flag given on the command line wins over the file. Relative
/// paths are taken from the file's own directory.
///
///     {
///       "topology": "/etc/syncnode/topology.json",
///       "node": "gd-sz-ft",
///       "data": "/var/lib/syncnode",
///       "certs": "/etc/syncnode/certs",
///       "adminPort": 8601,
///       "logLevel": "info",
///       "healthInterval": 5,
///       "handshakeTimeout": 10,
///       "requestTimeout": 120,
///       "parentTimeout": 60,
///       "retryMaxSeconds": 30,
///       "maxDatabaseMiB": 0,
///       "backup": {"key": "/etc/syncnode/backup.key", "directory": "/var/lib/syncnode/backups",
///                  "intervalHours": 24, "keep": 7, "toParent": true}
///     }
public struct NodeConfiguration: Codable, Sendable, Equatable {
    /// The scheduled backups `serve` makes.
    public struct Backup: Codable, Sendable, Equatable {
        /// The key file (64 hex digits, mode 0600).
        public var key: String?
        /// Where backups are written (default: DATA/backups).
        public var directory: String?
        /// Hours between backups; none are scheduled without it.
        public var intervalHours: Double?
        /// Backups kept in the directory, newest first (default 7).
        public var keep: Int?
        /// Also send each backup to the parent as an off-site copy.
        public var toParent: Bool?
    }

    public var topology: String?
    public var node: String?
    public var data: String?
    public var certs: String?
    public var adminPort: Int?
    public var logLevel: String?
    public var healthInterval: Double?
    public var historyInterval: Double?
    /// Who runs the commands that use this file, for the audit log.
    public var `operator`: String?
    public var handshakeTimeout: Double?
    public var requestTimeout: Double?
    public var parentTimeout: Double?
    public var retryMaxSeconds: Double?
    public var maxDatabaseMiB: Int?
    public var backup: Backup?

    /// Reads and checks a configuration file; unknown keys are refused (a typo would otherwise go unnoticed).
    public static func load(_ file: String) throws -> NodeConfiguration {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SyncNodeError("read the configuration \(file)", "the file is missing or unreadable",
                                hint: "see deploy/syncnode.example.json for one to start from")
        }
        let raw = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        guard let raw else { throw SyncNodeError("read the configuration \(file)", "it is not a JSON object") }
        let known = ["topology", "node", "data", "certs", "adminPort", "logLevel", "healthInterval", "historyInterval", "operator", "handshakeTimeout", "requestTimeout", "parentTimeout",
                     "retryMaxSeconds", "maxDatabaseMiB", "backup"]
        let knownBackup = ["key", "directory", "intervalHours", "keep", "toParent"]
        let unknown = raw.keys.filter { !known.contains($0) }.sorted()
            + ((raw["backup"] as? [String: Any])?.keys.filter { !knownBackup.contains($0) }.map { "backup.\($0)" }.sorted() ?? [])
        guard unknown.isEmpty else {
            throw SyncNodeError("read the configuration \(file)", "unknown key(s): \(unknown.joined(separator: ", "))",
                                hint: "known keys: \(known.joined(separator: ", ")); in backup: \(knownBackup.joined(separator: ", "))")
        }
        var configuration: NodeConfiguration
        do { configuration = try JSONDecoder().decode(NodeConfiguration.self, from: data) } catch let DecodingError.typeMismatch(_, context) {
            throw SyncNodeError("read the configuration \(file)", "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch {
            throw SyncNodeError("read the configuration \(file)", "it cannot be read: \(error)")
        }
        if let hours = configuration.backup?.intervalHours, !(hours > 0) {
            throw SyncNodeError("read the configuration \(file)", "backup.intervalHours must be more than 0")
        }
        if let keep = configuration.backup?.keep, keep < 1 {
            throw SyncNodeError("read the configuration \(file)", "backup.keep must be at least 1")
        }
        configuration.resolvePaths(from: (file as NSString).deletingLastPathComponent)
        return configuration
    }

    /// Makes relative paths relative to `directory`.
    mutating func resolvePaths(from directory: String) {
        func resolve(_ path: String?) -> String? {
            guard let path, !path.hasPrefix("/"), !directory.isEmpty else { return path }
            return (directory as NSString).appendingPathComponent(path)
        }
        topology = resolve(topology)
        data = resolve(data)
        certs = resolve(certs)
        if var backup {
            backup.key = resolve(backup.key)
            backup.directory = resolve(backup.directory)
            self.backup = backup
        }
    }

    /// The file's settings as command-line flags (name without dashes → value);
    /// switches map to "true". A command takes the ones it has flags for.
    public var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["topology"] = topology
        flags["node"] = node
        flags["data"] = data
        flags["certs"] = certs
        flags["admin-port"] = adminPort.map(String.init)
        flags["log-level"] = logLevel
        flags["health-interval"] = healthInterval.map { "\($0)" }
        flags["history-interval"] = historyInterval.map { "\($0)" }
        flags["operator"] = `operator`
        flags["handshake-timeout"] = handshakeTimeout.map { "\($0)" }
        flags["request-timeout"] = requestTimeout.map { "\($0)" }
        flags["parent-timeout"] = parentTimeout.map { "\($0)" }
        flags["retry-max"] = retryMaxSeconds.map { "\($0)" }
        flags["max-db-mib"] = maxDatabaseMiB.map(String.init)
        flags["key"] = backup?.key
        flags["backup-key"] = backup?.key
        flags["backup-dir"] = backup?.directory
        flags["backup-every"] = backup?.intervalHours.map { "\($0)" }
        flags["backup-keep"] = backup?.keep.map(String.init)
        if backup?.toParent == true { flags["backup-to-parent"] = "true" }
        return flags
    }
}

import Foundation
import SyncCore
import SyncEngine
import SyncNode
import SyncStore

/// One `syncnode` subcommand: its name, help, flags, and what it does.
protocol Command: SendableMetatype {
    /// The words after `syncnode`, e.g. "cert issue".
    static var name: String { get }
    /// One line for `syncnode --help`.
    static var summary: String { get }
    /// Paragraphs for `syncnode NAME --help`.
    static var details: String { get }
    static var flags: [Flag] { get }
    /// Runs the command; returns the exit status.
    static func run(_ arguments: Arguments) throws -> Int32
}

/// A command as the dispatcher sees it (built from a `Command` type with `init(_:)`).
struct CommandSpec: Sendable {
    let name: String
    let summary: String
    let details: String
    let flags: [Flag]
    let run: @Sendable (Arguments) throws -> Int32

    init<C: Command>(_ command: C.Type) {
        name = C.name
        summary = C.summary
        details = C.details
        flags = C.flags
        run = { try C.run($0) }
    }

    var usage: String {
        var text = "usage: syncnode \(name) [flags]\n\n\(summary)\n"
        if !details.isEmpty { text += "\n\(details)\n" }
        if !flags.isEmpty {
            text += "\nflags:\n"
            let rows = flags.map { flag in ("  --\(flag.name)" + (flag.value.map { " \($0)" } ?? ""), flag.help) }
            let width = (rows.map { $0.0.count }.max() ?? 0) + 2
            for (left, help) in rows {
                text += left.padding(toLength: width, withPad: " ", startingAt: 0) + help + "\n"
            }
        }
        return text
    }
}

/// The flags every command that works on one node takes, with the same defaults.
enum NodeFlags {
    static let all: [Flag] = [
        Flag("config", value: "FILE", help: "the node's configuration file; flags given here win over it (default: $SYNCNODE_CONFIG)"),
        Flag("topology", value: "FILE", help: "the federation's topology file (default: $SYNCNODE_TOPOLOGY)"),
        Flag("node", value: "ID", help: "this node's id in the topology (default: $SYNCNODE_NODE)"),
        Flag("data", value: "DIR", help: "the node's data directory, holding node.db (default: data/ID)"),
        Flag("certs", value: "DIR", help: "the node's certificate directory: ca.pem, ID.pem, ID.key (default: certs/ID)"),
        Flag("operator", value: "NAME", help: "who runs this, for the audit log (default: $SYNCNODE_OPERATOR); required to change or release data"),
    ]

    /// The operator named by `--operator`, the configuration file or `$SYNCNODE_OPERATOR`; commands that change or
    /// release data refuse to run without one (the audit log names who did what).
    static func operatorName(_ arguments: Arguments, command: String) throws -> String {
        guard let name = (arguments.value("operator") ?? ProcessInfo.processInfo.environment["SYNCNODE_OPERATOR"])?
            .trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw SyncNodeError("run '\(command)'", "it changes or releases data, so the audit log must name who runs it",
                                hint: "pass --operator NAME (your name or staff id), or set SYNCNODE_OPERATOR, or \"operator\" in the node's configuration file")
        }
        guard name.count <= 64, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw SyncNodeError("run '\(command)'", "--operator must be 1-64 characters without control characters")
        }
        return name
    }

    /// The topology path from `--topology` or `$SYNCNODE_TOPOLOGY`.
    static func topologyPath(_ arguments: Arguments, command: String) throws -> String {
        if let path = arguments.value("topology") ?? ProcessInfo.processInfo.environment["SYNCNODE_TOPOLOGY"] { return path }
        throw SyncNodeError("run '\(command)'", "no topology given", hint: "pass --topology FILE (e.g. Topology/guangdong-demo.json) or set SYNCNODE_TOPOLOGY")
    }

    /// Loads the topology and resolves the node, data and certificate directories.
    static func context(_ arguments: Arguments, command: String) throws -> NodeContext {
        let topology = try Topology.load(path: topologyPath(arguments, command: command))
        guard let nodeID = arguments.value("node") ?? ProcessInfo.processInfo.environment["SYNCNODE_NODE"] else {
            throw SyncNodeError("run '\(command)'", "no node given",
                                hint: "pass --node ID, one of: \(topology.nodes.map(\.id).joined(separator: ", "))")
        }
        return try NodeContext(topology: topology, nodeID: nodeID, dataDirectory: arguments.value("data"),
                               certificateDirectory: arguments.value("certs"))
    }
}

extension NodeContext {
    /// The node's engine for a command, warning on standard error when an
    /// outbox overflows (the neighbour will get a full resync).
    /// Needs an operator (`NodeFlags.operatorName`): what it does is audited under that name.
    func openReplicaForCommand(_ arguments: Arguments, command: String? = nil) throws -> Replica {
        let name = try NodeFlags.operatorName(arguments, command: command ?? "syncnode")
        let replica = try openReplica(announcing: true)
        replica.operatorName = name
        let limit = topology.policy.maxOutboxEntries
        replica.onOutboxOverflow { peer in
            Output.warn("warning: more than \(limit) changes were waiting for \(peer): its outbox was dropped and \(peer) "
                        + "will get a full resync when it is back (policy maxOutboxEntries)")
        }
        return replica
    }
}

extension NodeFlags {
    /// Runs a command that acts on one ticket — a share request, a conflict, a correction — named by
    /// the first positional argument: opens the node, runs `act`, prints the line it returns.
    static func onTicket(_ arguments: Arguments, command: String, what: String, example: String,
                         _ act: (_ replica: Replica, _ id: String) throws -> String) throws -> Int32 {
        let context = try context(arguments, command: command)
        let id = try arguments.positional(what, command: command, example: example)
        Output.line(try act(try context.openReplicaForCommand(arguments, command: command), id))
        return 0
    }
}

extension Replica {
    /// Audits a read (`records`, `export`, `verify`). On a full disk the read still goes ahead — a full
    /// disk refuses writes and keeps serving reads — and says on standard error that it is not in the log.
    func auditRead(_ action: String, _ subject: String, _ detail: String) throws {
        try evenWhenFull("this \(action) of \(subject) by \(operatorName) is not in the audit log (\(detail))") {
            try audit(action, subject, detail)
        }
    }

    /// Runs the bookkeeping a read makes (its audit entry, a grant's usage count); on a full disk the
    /// read goes ahead and `lost` is said on standard error.
    func evenWhenFull(_ lost: String, _ body: () throws -> Void) throws {
        do { try body() } catch let error as StoreError where error.isDiskFull {
            Output.warn("warning: the disk is full: \(lost)")
        }
    }
}

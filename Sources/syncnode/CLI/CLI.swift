import Foundation
import SyncCore
import Posix
import SyncEngine
import SyncNode
import SyncStore

/// The `syncnode` command line: dispatches to one subcommand.
enum CLI {
    static let commands: [CommandSpec] = [
        CommandSpec(ServeCommand.self), CommandSpec(StatusCommand.self), CommandSpec(CertCACommand.self),
        CommandSpec(CertIssueCommand.self), CommandSpec(CertRequestCommand.self), CommandSpec(CertSignCommand.self),
        CommandSpec(CertRevokeCommand.self), CommandSpec(CertPublishCRLCommand.self), CommandSpec(WriteCommand.self), CommandSpec(ImportCommand.self),
        CommandSpec(ExportCommand.self), CommandSpec(RecordsCommand.self),
        CommandSpec(ConflictsCommand.self), CommandSpec(CatalogPublishCommand.self), CommandSpec(CatalogWithdrawCommand.self),
        CommandSpec(CatalogHandoverCommand.self), CommandSpec(CatalogListCommand.self), CommandSpec(CatalogShowCommand.self),
        CommandSpec(CatalogDCATCommand.self), CommandSpec(BackupCommand.self), CommandSpec(BackupKeyCommand.self),
        CommandSpec(BackupListCommand.self), CommandSpec(RestoreCommand.self), CommandSpec(CalendarCommand.self), CommandSpec(ShareRequestCommand.self),
        CommandSpec(ShareListCommand.self), CommandSpec(ShareGrantCommand.self), CommandSpec(ShareRefuseCommand.self),
        CommandSpec(ShareRevokeCommand.self), CommandSpec(VerifyCommand.self), CommandSpec(ConflictsAcceptCommand.self),
        CommandSpec(ConflictsRefuseCommand.self), CommandSpec(CorrectCommand.self), CommandSpec(CorrectionsListCommand.self),
        CommandSpec(CorrectionsAckCommand.self), CommandSpec(CorrectionsExtendCommand.self), CommandSpec(CorrectionsResolveCommand.self),
        CommandSpec(CorrectionsRefuseCommand.self), CommandSpec(QualityNotifyCommand.self), CommandSpec(AuditListCommand.self),
        CommandSpec(AuditVerifyCommand.self), CommandSpec(AuditSignaturesCommand.self), CommandSpec(DemoCommand.self),
    ]

    static var overview: String {
        var text = """
            syncnode \(SyncNodeVersion.current): a federated sync node for public-data platforms
            (district ↔ city ↔ province ↔ vertical systems, over mutually authenticated HTTPS).

            usage: syncnode COMMAND [flags]

            commands:

            """
        let width = (commands.map { $0.name.count }.max() ?? 0) + 4
        for command in commands {
            text += "  " + command.name.padding(toLength: width, withPad: " ", startingAt: 0) + command.summary + "\n"
        }
        text += "\nRun 'syncnode COMMAND --help' for a command's flags.\n"
        return text
    }

    /// Runs the command line `words` (without the program name); returns the exit status.
    static func main(_ words: [String]) -> Int32 {
        ignoreSIGPIPE()
        if words.isEmpty || ["--help", "-h", "help"].contains(words[0]) {
            Output.write(overview)
            return words.isEmpty ? 2 : 0
        }
        if words[0] == "--version" {
            Output.line("syncnode \(SyncNodeVersion.current)")
            return 0
        }
        // Longest match first: "cert issue" before "cert".
        let match = commands
            .filter { words.starts(with: $0.name.split(separator: " ").map(String.init)) }
            .max { $0.name.count < $1.name.count }
        guard let command = match else {
            let group = commands.filter { $0.name.hasPrefix(words[0] + " ") }
            if !group.isEmpty {
                FileHandle.standardError.write(Data("syncnode \(words[0]): choose one of: \(group.map(\.name).joined(separator: ", "))\n".utf8))
                return 2
            }
            FileHandle.standardError.write(Data("syncnode: unknown command '\(words[0])'; run 'syncnode --help' for the list\n".utf8))
            return 2
        }
        let rest = Array(words.dropFirst(command.name.split(separator: " ").count))
        if rest.contains("--help") || rest.contains("-h") {
            Output.write(command.usage)
            return 0
        }
        do {
            var arguments = try Arguments(rest, flags: command.flags, command: "syncnode \(command.name)")
            if command.flags.contains(where: { $0.name == "config" }),
               let file = arguments.value("config") ?? ProcessInfo.processInfo.environment["SYNCNODE_CONFIG"] {
                arguments.fill(from: try NodeConfiguration.load(file).flags, flags: command.flags)
            }
            return try command.run(arguments)
        } catch {
            FileHandle.standardError.write(Data("syncnode \(command.name): \(error)\(hint(for: error))\n".utf8))
            return 1
        }
    }
}

extension CLI {
    /// What the command line adds to an error from below it: the flag to use.
    static func hint(for error: any Error) -> String {
        let text = "\(error)"
        if text.contains("hint:") { return "" }
        if error is TopologyError { return "\n  hint: check the file given with --topology (or $SYNCNODE_TOPOLOGY)" }
        if let error = error as? StoreError, !error.isDiskFull { return "\n  hint: check the directory given with --data" }
        return ""
    }
}

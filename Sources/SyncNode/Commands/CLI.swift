import Foundation
import SyncCore
import TLS

/// The `syncnode` command line: dispatches to one subcommand.
public enum CLI {
    static let commands: [CommandSpec] = [
        CommandSpec(ServeCommand.self), CommandSpec(StatusCommand.self), CommandSpec(CertCACommand.self),
        CommandSpec(CertIssueCommand.self), CommandSpec(WriteCommand.self), CommandSpec(ImportCommand.self),
        CommandSpec(ExportCommand.self), CommandSpec(RecordsCommand.self),
        CommandSpec(ConflictsCommand.self), CommandSpec(CatalogPublishCommand.self), CommandSpec(CatalogWithdrawCommand.self),
        CommandSpec(CatalogListCommand.self), CommandSpec(CatalogShowCommand.self), CommandSpec(CatalogDCATCommand.self),
        CommandSpec(DemoCommand.self),
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
    public static func main(_ words: [String]) -> Int32 {
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
            let arguments = try Arguments(rest, flags: command.flags, command: "syncnode \(command.name)")
            return try command.run(arguments)
        } catch {
            FileHandle.standardError.write(Data("syncnode \(command.name): \(error)\n".utf8))
            return 1
        }
    }
}

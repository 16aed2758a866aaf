import Foundation
import SyncNode

/// `syncnode backup key`: makes a new backup key file.
enum BackupKeyCommand: Command {
    static let name = "backup key"
    static let summary = "make a new backup key file (32 random bytes, mode 0600)"
    static let details = """
        Writes 64 hex digits to FILE with mode 0600. Keep a copy offline (a sealed
        envelope, a safe): backups cannot be restored without it, and the parent that
        keeps off-site copies never has it. It refuses to overwrite an existing file.
        """
    static let flags = [Flag("out", value: "FILE", help: "where to write the key (required)")]

    static func run(_ arguments: Arguments) throws -> Int32 {
        let file = try arguments.required("out", command: "syncnode backup key")
        try BackupKey.create(file: file)
        Output.line("wrote a new backup key to \(file) (mode 0600); keep a copy offline")
        return 0
    }
}

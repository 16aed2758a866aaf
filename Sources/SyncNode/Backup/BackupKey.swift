import Foundation
import SyncCore
import TLS

/// The key that encrypts a node's backups: 32 random bytes, kept by the
/// operator in a file only its owner can read (64 hex digits). Parents that
/// keep off-site copies never have it, so they cannot read them.
public struct BackupKey: Sendable {
    let bytes: [UInt8]

    /// Reads the key file; refuses one that is missing, malformed or readable by others.
    public init(file: String) throws {
        guard FileManager.default.fileExists(atPath: file) else {
            throw SyncNodeError("read the backup key \(file)", "there is no such file", hint: "make one with syncnode backup key --out \(file), and keep a copy offline")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw SyncNodeError("read the backup key \(file)", "it can be read by other users (mode \(String(mode, radix: 8)))", hint: "chmod 600 \(file)")
        }
        let text = (try String(contentsOfFile: file, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count == 64, let bytes = BackupKey.hex(text) else {
            throw SyncNodeError("read the backup key \(file)", "it must hold 64 hex digits (32 bytes)", hint: "make one with syncnode backup key")
        }
        self.bytes = bytes
    }

    /// Makes a new key file with mode 0600.
    public static func create(file: String) throws {
        guard !FileManager.default.fileExists(atPath: file) else {
            throw SyncNodeError("make a backup key", "\(file) exists already", hint: "a new key cannot open backups made with the old one: keep it")
        }
        let key = try randomBytes(AES256GCM.keyBytes)
        try Files.write(hexString(key) + "\n", to: file, private: true)
    }

    static func hex(_ text: String) -> [UInt8]? { Hex.bytes(text) }
}

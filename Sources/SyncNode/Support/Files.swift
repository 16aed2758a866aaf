import Foundation

/// Writing the files syncnode produces.
public enum Files {
    /// Writes `text` to `path`. Private files (keys) are created with mode 0600
    /// before any byte is written, and checked afterwards.
    public static func write(_ text: String, to path: String, private isPrivate: Bool = false) throws {
        let manager = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                        attributes: isPrivate ? [.posixPermissions: 0o700] : nil)
        }
        if manager.fileExists(atPath: path) { try manager.removeItem(atPath: path) }
        guard manager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: isPrivate ? 0o600 : 0o644]) else {
            throw SyncNodeError("write \(path)", "the file cannot be created", hint: "check the directory exists and is writable")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
        if isPrivate {
            try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
    }
}

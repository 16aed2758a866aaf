import Foundation
import SyncCore
import SyncNode
import TLS

/// A federation CA's directory: `ca.pem`, `ca.key` (0600, offline), the
/// register of what it issued (`issued.jsonl`), what it revoked
/// (`revoked.jsonl`) and its current revocation list (`crl.pem`).
struct CADirectory {
    let path: String

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func certificate() throws -> Certificate { try Certificate(pemFile: file("ca.pem")) }

    func key() throws -> PrivateKey {
        let keyFile = file("ca.key")
        if let mode = (try? FileManager.default.attributesOfItem(atPath: keyFile))?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw SyncNodeError("use the CA key \(keyFile)", "it can be read by other users (mode \(String(mode, radix: 8)))", hint: "chmod 600 \(keyFile)")
        }
        return try PrivateKey(pemFile: keyFile)
    }

    /// One certificate the CA issued or revoked, as its register keeps it.
    struct Entry: Codable {
        var serial: String
        var identity: String
        var notAfter: String
        var at: String
        var reason: String?
    }

    func entries(_ name: String) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: file(name)) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONDecoder().decode(Entry.self, from: Data($0)) }
    }

    func append(_ entry: Entry, to name: String) throws {
        let line = String(decoding: try JSON.encode(entry) as Data, as: UTF8.self) + "\n"
        let path = file(name)
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(line.utf8))
    }

    /// Records a certificate it issued.
    func register(_ certificate: Certificate) throws {
        let identity = certificate.syncnodeURIs.first ?? certificate.commonName ?? ""
        try append(Entry(serial: certificate.serial, identity: identity, notAfter: Timestamp.iso(certificate.notAfter),
                         at: Timestamp.iso(Date()), reason: nil), to: "issued.jsonl")
    }
}

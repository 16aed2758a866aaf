import Foundation
import SyncCore
import TLS

/// What a backup file says about itself, readable without the key.
public struct BackupHeader: Codable, Sendable, Equatable {
    public var node: String
    public var federation: String
    /// RFC 3339.
    public var createdAt: String
    public var schemaVersion: Int
    /// Bytes of the database inside.
    public var size: Int64
    /// SHA-256 of the database inside, hex.
    public var sha256: String
    public var chunkBytes: Int
}

/// The encrypted backup format: a magic line, a header (JSON, readable
/// without the key, authenticated with every chunk), a random base nonce,
/// then the database in chunks sealed with AES-256-GCM, each bound to the
/// header, its position and whether it is the last (so chunks cannot be
/// reordered, dropped, added or cut off unnoticed).
///
///     "SYNCNODE-BACKUP\n" version(1) | u32 header length | header | nonce(12) | (u32 length | sealed chunk)*
enum BackupFile {
    static let magic = Array("SYNCNODE-BACKUP\n".utf8) + [1]
    static let chunkBytes = 1 << 20

    /// Encrypts the database at `database` into `output` (written whole, then renamed into place).
    static func seal(database: String, to output: String, key: BackupKey, node: String, federation: String, schemaVersion: Int) throws -> BackupHeader {
        guard let input = FileHandle(forReadingAtPath: database) else { throw SyncNodeError("read \(database)", "the file cannot be read") }
        defer { try? input.close() }
        let size = Int64((try FileManager.default.attributesOfItem(atPath: database)[.size] as? Int) ?? 0)
        let digest = try SHA256Digest()
        while let chunk = try input.read(upToCount: chunkBytes), !chunk.isEmpty { digest.update(Array(chunk)) }
        let header = BackupHeader(node: node, federation: federation, createdAt: Timestamp.iso(Date()), schemaVersion: schemaVersion,
                                  size: size, sha256: hexString(digest.finish()), chunkBytes: chunkBytes)
        let headerBytes: [UInt8] = try JSON.encode(header)
        let binding = try SHA256Digest.of(headerBytes)
        let nonce = try randomBytes(AES256GCM.nonceBytes)
        let temporary = output + ".partial"
        try Files.write("", to: temporary, private: true)
        guard let out = FileHandle(forWritingAtPath: temporary) else { throw SyncNodeError("write \(output)", "the file cannot be created") }
        defer { try? out.close() }
        out.write(Data(magic + u32(headerBytes.count) + headerBytes + nonce))
        try input.seek(toOffset: 0)
        var index: UInt64 = 0
        var pending = Array(try input.read(upToCount: chunkBytes) ?? Data())
        repeat {
            let next = Array(try input.read(upToCount: chunkBytes) ?? Data())
            let last = next.isEmpty
            let sealed = try AES256GCM.seal(pending, key: key.bytes, nonce: chunkNonce(nonce, index), aad: aad(binding, index, last))
            out.write(Data(u32(sealed.count) + sealed))
            index += 1
            pending = next
            if last { break }
        } while true
        try out.synchronize()
        try out.close()
        if FileManager.default.fileExists(atPath: output) { try FileManager.default.removeItem(atPath: output) }
        try FileManager.default.moveItem(atPath: temporary, toPath: output)
        return header
    }

    /// The header of a backup file, without the key.
    static func header(of file: String) throws -> BackupHeader {
        guard let input = FileHandle(forReadingAtPath: file) else { throw SyncNodeError("read \(file)", "the file cannot be read", hint: "check the path") }
        defer { try? input.close() }
        return try readHeader(input, file: file).header
    }

    private static func readHeader(_ input: FileHandle, file: String) throws -> (header: BackupHeader, bytes: [UInt8], nonce: [UInt8]) {
        let start = Array(try input.read(upToCount: magic.count + 4) ?? Data())
        guard start.count == magic.count + 4, Array(start.prefix(magic.count)) == magic else {
            throw SyncNodeError("read backup \(file)", "it is not a syncnode backup (or a version this syncnode does not know)")
        }
        let length = Int(readU32(Array(start.suffix(4))))
        guard length > 0, length < 1 << 16 else { throw SyncNodeError("read backup \(file)", "its header is damaged") }
        let headerBytes = Array(try input.read(upToCount: length) ?? Data())
        let nonce = Array(try input.read(upToCount: AES256GCM.nonceBytes) ?? Data())
        guard headerBytes.count == length, nonce.count == AES256GCM.nonceBytes,
              let header = try? JSONDecoder().decode(BackupHeader.self, from: Data(headerBytes)),
              (1...(16 << 20)).contains(header.chunkBytes), header.size >= 0 else {
            throw SyncNodeError("read backup \(file)", "its header is damaged")
        }
        return (header, headerBytes, nonce)
    }

    /// Decrypts `file` into the database file `output`, checking every chunk's tag, the order, the end, the size and the digest.
    static func open(_ file: String, to output: String, key: BackupKey) throws -> BackupHeader {
        guard let input = FileHandle(forReadingAtPath: file) else { throw SyncNodeError("read \(file)", "the file cannot be read", hint: "check the path") }
        defer { try? input.close() }
        let (header, headerBytes, nonce) = try readHeader(input, file: file)
        let binding = try SHA256Digest.of(headerBytes)
        try Files.write("", to: output, private: true)
        guard let out = FileHandle(forWritingAtPath: output) else { throw SyncNodeError("write \(output)", "the file cannot be created") }
        defer { try? out.close() }
        let digest = try SHA256Digest()
        var written: Int64 = 0
        var index: UInt64 = 0
        func refuse(_ why: String) -> SyncNodeError {
            SyncNodeError("restore from \(file)", why, hint: "check the key file; if it is right, this copy was changed or cut short: use another one")
        }
        var lengthBytes = Array(try input.read(upToCount: 4) ?? Data())
        while lengthBytes.count == 4 {
            let length = Int(readU32(lengthBytes))
            guard length >= AES256GCM.tagBytes, length <= header.chunkBytes + AES256GCM.tagBytes else { throw refuse("chunk \(index) is damaged") }
            let sealed = Array(try input.read(upToCount: length) ?? Data())
            guard sealed.count == length else { throw refuse("it is cut off inside chunk \(index)") }
            lengthBytes = Array(try input.read(upToCount: 4) ?? Data())
            let last = lengthBytes.isEmpty
            let plain: [UInt8]
            do { plain = try AES256GCM.open(sealed, key: key.bytes, nonce: chunkNonce(nonce, index), aad: aad(binding, index, last)) } catch {
                throw refuse("chunk \(index) does not authenticate (AES-256-GCM tag): this is the wrong key, or the file was tampered with or cut off")
            }
            digest.update(plain)
            out.write(Data(plain))
            written += Int64(plain.count)
            index += 1
        }
        guard lengthBytes.isEmpty else { throw refuse("it is cut off inside a chunk's length") }
        let sha = hexString(digest.finish())
        guard written == header.size, sha == header.sha256 else { throw refuse("its content does not match its header") }
        try out.synchronize()
        return header
    }

    static func u32(_ value: Int) -> [UInt8] { bigEndian(UInt64(value), bytes: 4) }

    static func bigEndian(_ value: UInt64, bytes: Int) -> [UInt8] {
        (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64(bytes - 1 - $0))) }
    }
    static func readU32(_ bytes: [UInt8]) -> UInt32 { bytes.reduce(0) { $0 << 8 | UInt32($1) } }

    static func chunkNonce(_ base: [UInt8], _ index: UInt64) -> [UInt8] {
        var nonce = base
        for i in 0..<8 { nonce[4 + i] ^= UInt8(truncatingIfNeeded: index >> (8 * UInt64(7 - i))) }
        return nonce
    }

    static func aad(_ binding: [UInt8], _ index: UInt64, _ last: Bool) -> [UInt8] {
        binding + bigEndian(index, bytes: 8) + [last ? 1 : 0]
    }
}

import Foundation
import Posix
import Synchronization
import SyncCore
import TLS

/// Encrypted backups children keep at their parent (异地备份): stored under
/// `DATA/offsite/CHILD/`, the newest `keep` per child, bounded in size. The
/// parent never has the key: it can keep the copies, not read them. Copies
/// arrive in parts (each within a request's size limit) and are committed
/// whole once their size and SHA-256 match what the child announced.
public final class OffsiteCopies: Sendable {
    /// A stored copy.
    public struct Copy: Codable, Sendable, Equatable {
        public var id: String
        public var size: Int64
        public var sha256: String
        /// RFC 3339, when it was committed here.
        public var storedAt: String
        /// The same, in milliseconds since the epoch.
        public var storedAtMillis: Int64
        public var parts: Int
    }

    /// Bytes of one part on the wire.
    public static let partBytes = 16 << 20

    let root: String
    let keep: Int
    /// Most bytes one child's copies and its upload in progress hold together.
    let maxBytes: Int64
    /// Free disk an upload must leave on the parent's disk, beside what it still brings.
    let minFreeBytes: Int64
    /// Uploads are received one part at a time, so the bounds are checked and kept with no race.
    private let receiving = Mutex(())

    public init(dataDirectory: String, keep: Int, maxBytes: Int64, minFreeBytes: Int64 = 0) {
        root = (dataDirectory as NSString).appendingPathComponent("offsite")
        self.keep = max(1, keep)
        self.maxBytes = maxBytes
        self.minFreeBytes = minFreeBytes
    }

    private func directory(_ child: String) -> String { (root as NSString).appendingPathComponent(child) }

    static func validID(_ id: String) -> Bool {
        (16...64).contains(id.utf8.count) && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Keeps part `index` of copy `id` from `child`. A child has one upload in progress at most: a
    /// part of another copy ends the one before (whatever part it had got to). What a child's
    /// copies and its upload hold stays within `maxBytes`: the oldest copies go to make room, but
    /// never the newest, and a part that would pass the bound even so is refused. A part is also
    /// refused while the disk would be left with less than `minFreeBytes` beside what the upload
    /// still brings (`announced`, its whole size, when the child says it).
    public func receive(child: String, id: String, index: Int, bytes: [UInt8], announced: Int64? = nil) throws {
        guard OffsiteCopies.validID(id), (0..<100_000).contains(index), bytes.count <= OffsiteCopies.partBytes else {
            throw SyncNodeError("keep an off-site copy part", "the copy id must be 16-64 hex digits and a part at most \(OffsiteCopies.partBytes) bytes")
        }
        guard Int64(index) * Int64(OffsiteCopies.partBytes) < maxBytes, (announced ?? 0) <= maxBytes else {
            throw SyncNodeError("keep an off-site copy of \(child)", "it is larger than the \(maxBytes >> 20) MiB kept per child (policy offsiteBackupMaxMiB)",
                                hint: "raise offsiteBackupMaxMiB in the topology's policy, or keep this node's backups elsewhere")
        }
        try receiving.withLock { _ in
            let name = "incoming-\(id)"
            let incoming = (directory(child) as NSString).appendingPathComponent(name)
            dropIncoming(child, except: name)   // one upload per child at a time: an abandoned one goes
            let uploaded = OffsiteCopies.bytes(in: incoming)
            if let free = Posix.freeDiskBytes(atPath: FileManager.default.fileExists(atPath: root) ? root : (root as NSString).deletingLastPathComponent) {
                let still = max(Int64(bytes.count), (announced ?? 0) - uploaded)
                guard free - still >= minFreeBytes else {
                    throw SyncNodeError("keep an off-site copy of \(child)",
                                        "this node's disk has \(free >> 20) MiB free; the copy needs \(still >> 20) MiB more and \(minFreeBytes >> 20) MiB must stay free (policy minFreeDiskMiB)",
                                        hint: "nothing was kept; send the copy again once the parent's operator has freed space")
                }
            }
            var stored = try copies(child)
            func held() -> Int64 { stored.reduce(0) { $0 + $1.size } + uploaded + Int64(bytes.count) }
            while held() > maxBytes, stored.count > 1, let oldest = stored.popLast() { drop(child, oldest) }
            guard held() <= maxBytes else {
                throw SyncNodeError("keep an off-site copy of \(child)",
                                    "its newest copy and this upload would hold more than the \(maxBytes >> 20) MiB kept per child (policy offsiteBackupMaxMiB)",
                                    hint: "raise offsiteBackupMaxMiB in the topology's policy")
            }
            try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let part = (incoming as NSString).appendingPathComponent(String(format: "part-%05d", index))
            guard FileManager.default.createFile(atPath: part, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
                throw SyncNodeError("keep an off-site copy of \(child)", "\(part) cannot be written")
            }
        }
    }

    /// Bytes of the files in `directory` (0 when there is none).
    static func bytes(in directory: String) -> Int64 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: (directory as NSString).appendingPathComponent(name))[.size] as? Int).flatMap { Int64($0) } ?? 0)
        }
    }

    private func dropIncoming(_ child: String, except keep: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory(child))) ?? [] where name.hasPrefix("incoming-") && name != keep {
            try? FileManager.default.removeItem(atPath: (directory(child) as NSString).appendingPathComponent(name))
        }
    }

    private func drop(_ child: String, _ copy: Copy) {
        let path = (directory(child) as NSString).appendingPathComponent("\(copy.id).snbk")
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: path + ".json")
    }

    /// Assembles copy `id` from its parts, checks it, keeps it, and drops the oldest beyond `keep`.
    public func commit(child: String, id: String, parts: Int, size: Int64, sha256: String) throws -> Copy {
        guard OffsiteCopies.validID(id), parts > 0, size >= 0, size <= maxBytes, sha256.utf8.count == 64 else {
            throw SyncNodeError("commit an off-site copy of \(child)", "the id, part count, size (at most \(maxBytes) bytes) or digest is not valid")
        }
        let incoming = (directory(child) as NSString).appendingPathComponent("incoming-\(id)")
        defer { try? FileManager.default.removeItem(atPath: incoming) }
        let file = (directory(child) as NSString).appendingPathComponent("\(id).snbk")
        let temporary = file + ".partial"
        _ = FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600])
        guard let out = FileHandle(forWritingAtPath: temporary) else { throw SyncNodeError("store an off-site copy", "\(temporary) cannot be written") }
        let digest = try SHA256Digest()
        var written: Int64 = 0
        for index in 0..<parts {
            let part = (incoming as NSString).appendingPathComponent(String(format: "part-%05d", index))
            guard let data = FileManager.default.contents(atPath: part) else {
                try? out.close()
                try? FileManager.default.removeItem(atPath: temporary)
                throw SyncNodeError("commit an off-site copy of \(child)", "part \(index) of \(parts) never arrived", hint: "send the copy again")
            }
            digest.update(Array(data))
            out.write(data)
            written += Int64(data.count)
        }
        try out.synchronize()
        try out.close()
        let actual = hexString(digest.finish())
        guard written == size, actual == sha256 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw SyncNodeError("commit an off-site copy of \(child)", "it is \(written) bytes with digest \(actual.prefix(12))…, not what was announced", hint: "send the copy again")
        }
        try FileManager.default.moveItem(atPath: temporary, toPath: file)
        let now = Date()
        let copy = Copy(id: id, size: size, sha256: sha256, storedAt: Timestamp.iso(now), storedAtMillis: Timestamp.millis(now), parts: parts)
        try JSON.encode(copy).write(to: URL(fileURLWithPath: file + ".json"))
        for old in try copies(child).dropFirst(keep) { drop(child, old) }
        return copy
    }

    /// The copies kept for `child`, newest first.
    public func copies(_ child: String) throws -> [Copy] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory(child))) ?? []
        return names.filter { $0.hasSuffix(".snbk.json") }.compactMap { name in
            FileManager.default.contents(atPath: (directory(child) as NSString).appendingPathComponent(name))
                .flatMap { try? JSONDecoder().decode(Copy.self, from: $0) }
        }.sorted { ($0.storedAtMillis, $0.id) > ($1.storedAtMillis, $1.id) }
    }

    /// Part `index` of copy `id` of `child`.
    public func part(child: String, id: String, index: Int) throws -> [UInt8] {
        guard OffsiteCopies.validID(id), index >= 0 else { throw SyncNodeError("read an off-site copy", "no such copy") }
        let file = (directory(child) as NSString).appendingPathComponent("\(id).snbk")
        guard let handle = FileHandle(forReadingAtPath: file) else { throw SyncNodeError("read an off-site copy of \(child)", "there is no copy \(id)") }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(index) * UInt64(OffsiteCopies.partBytes))
        return Array(try handle.read(upToCount: OffsiteCopies.partBytes) ?? Data())
    }

    /// The newest copy of each child that has one.
    public func newest() -> [String: Copy] {
        let children = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        var result: [String: Copy] = [:]
        for child in children { if let copy = try? copies(child).first { result[child] = copy } }
        return result
    }
}

import Foundation
import SyncCore
import TLS

/// A child's side of off-site copies: sends an encrypted backup file to its
/// parent in parts, lists the copies kept there, and fetches one back. The
/// file travels as it is (already sealed under a key the parent never sees).
public enum OffsiteTransfer {
    /// Sends `file` to the parent. `progress` hears bytes sent so far and the total.
    @discardableResult
    public static func upload(context: NodeContext, file: String, progress: (Int64, Int64) -> Void = { _, _ in }) throws -> OffsiteCopies.Copy {
        _ = try BackupFile.header(of: file)   // refuses what is not a backup before anything is sent
        guard let input = FileHandle(forReadingAtPath: file) else { throw SyncNodeError("send \(file) to the parent", "the file cannot be read") }
        defer { try? input.close() }
        let total = Int64((try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        let client = try ParentClient(context: context)
        let id = hexString(try randomBytes(16))
        let digest = try SHA256Digest()
        var parts = 0, sent: Int64 = 0
        while let chunk = try input.read(upToCount: OffsiteCopies.partBytes), !chunk.isEmpty {
            let bytes = Array(chunk)
            digest.update(bytes)
            _ = try client.send("POST", "\(OffsiteEndpoints.part)?id=\(id)&part=\(parts)&size=\(total)", bytes, timeout: 300, contentType: "application/octet-stream")
            parts += 1
            sent += Int64(bytes.count)
            progress(sent, total)
        }
        let answer = try client.send("POST", "\(OffsiteEndpoints.commit)?id=\(id)&parts=\(parts)&size=\(sent)&sha256=\(hexString(digest.finish()))",
                                     [], timeout: 300)
        return try decode(answer, what: "the parent's receipt")
    }

    /// The copies the parent keeps for this node, newest first.
    public static func list(context: NodeContext) throws -> [OffsiteCopies.Copy] {
        try decode(try ParentClient(context: context).send("GET", OffsiteEndpoints.list, nil, timeout: 30), what: "the parent's list of copies")
    }

    /// Fetches copy `id` (the newest when nil) into `output`, checking its size and digest.
    @discardableResult
    public static func download(context: NodeContext, id: String?, to output: String,
                                progress: (Int64, Int64) -> Void = { _, _ in }) throws -> OffsiteCopies.Copy {
        let client = try ParentClient(context: context)
        let copies: [OffsiteCopies.Copy] = try decode(try client.send("GET", OffsiteEndpoints.list, nil, timeout: 30), what: "the parent's list of copies")
        guard let copy = id.map({ id in copies.first { $0.id == id } }) ?? copies.first else {
            throw SyncNodeError("fetch an off-site copy of \(context.node.id) from \(client.parent.id)",
                                id.map { "the parent keeps no copy \($0)" } ?? "the parent keeps no copy of this node",
                                hint: copies.isEmpty ? "send one first: syncnode backup --to-parent" : "copies kept: \(copies.map(\.id).joined(separator: ", "))")
        }
        let temporary = output + ".partial"
        try Files.write("", to: temporary, private: true)
        guard let out = FileHandle(forWritingAtPath: temporary) else { throw SyncNodeError("write \(output)", "the file cannot be created") }
        defer { try? out.close(); try? FileManager.default.removeItem(atPath: temporary) }
        let digest = try SHA256Digest()
        var received: Int64 = 0
        for part in 0..<copy.parts {
            let bytes = try client.send("GET", "\(OffsiteEndpoints.part)?id=\(copy.id)&part=\(part)", nil, timeout: 300)
            guard received + Int64(bytes.count) <= copy.size else { break }
            digest.update(bytes)
            out.write(Data(bytes))
            received += Int64(bytes.count)
            progress(received, copy.size)
        }
        try out.synchronize()
        let actual = hexString(digest.finish())
        guard received == copy.size, actual == copy.sha256 else {
            throw SyncNodeError("fetch off-site copy \(copy.id) from \(client.parent.id)",
                                "it arrived as \(received) bytes with digest \(actual.prefix(12))…, not the \(copy.size) bytes the parent stored",
                                hint: "try again; if it repeats, fetch an older copy with --id")
        }
        try FileManager.default.moveItem(atPath: temporary, toPath: output)
        return copy
    }

    private static func decode<T: Decodable>(_ bytes: [UInt8], what: String) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw SyncNodeError("read \(what)", "it is not the JSON expected: \(error)")
        }
    }
}

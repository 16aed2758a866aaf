// libFuzzer targets for what SyncCore reads from peers, files and source
// systems, compiled together with Sources/SyncCore by Fuzz/run.sh. One binary;
// the target is chosen with FUZZ_TARGET: json-reader, change-codec, csv-reader or tickets.
import Foundation

private let target = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? "json-reader"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSyncCore(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    switch target {
    case "change-codec": changeCodec(bytes)
    case "csv-reader": csvReader(bytes)
    case "tickets": tickets(bytes)
    default: jsonReader(bytes)
    }
    return 0
}

/// Whatever parses writes back and reads again the same; what the reader
/// calls canonical is exactly what the writer writes.
private func jsonReader(_ bytes: [UInt8]) {
    var reader = JSONReader(bytes: bytes)
    guard let node = try? reader.value(depth: 0), (try? reader.end()) != nil else { return }
    var w = JSONWriter()
    w.node(node)
    guard let again = try? JSONNode.parse(w.bytes) else { fatalError("the writer wrote what the reader refuses: \(w.bytes)") }
    if again != node && !containsNaNOrZeroSign(node) { fatalError("a round trip changed the value") }
    if reader.canonical && w.bytes != bytes { fatalError("called canonical but the writer writes it otherwise") }
}

private func containsNaNOrZeroSign(_ node: JSONNode) -> Bool {
    switch node {
    case .double(let d): d.isNaN || d == 0
    case .array(let a): a.contains(where: containsNaNOrZeroSign)
    case .object(let m): m.contains { containsNaNOrZeroSign($0.1) }
    default: false
    }
}

/// A change decodes to its canonical bytes, which decode to the same change;
/// a batch, a health message, a push answer and the digest messages never trap.
private func changeCodec(_ bytes: [UInt8]) {
    if let decoded = try? ChangeCodec.decode(bytes) {
        if ChangeCodec.encode(decoded.change) != decoded.bytes { fatalError("kept bytes are not the canonical encoding") }
        guard let again = try? ChangeCodec.decode(decoded.bytes) else { fatalError("canonical bytes do not decode") }
        if again.change != decoded.change { fatalError("a round trip changed the change") }
    }
    if let batch = try? Batch.decode(bytes) {
        for entry in batch.entries where ChangeCodec.encode(entry.change.change) != entry.change.bytes {
            fatalError("a batch entry's bytes are not canonical")
        }
        let again = Batch.encode(batch.entries.map { LogEntry(seq: $0.seq, body: $0.change.bytes, proof: $0.proof) },
                                 last: batch.last, resync: batch.resync)
        guard let reread = try? Batch.decode(again) else { fatalError("an encoded batch does not decode") }
        if reread.entries.map(\.proof) != batch.entries.map(\.proof) { fatalError("a batch's signatures do not round-trip") }
        // The checks a receiver makes never trap, whatever the proof claims.
        for entry in batch.entries { _ = ProvenanceCheck.problem(with: entry.change, proof: entry.proof, signer: FuzzSigner()) }
    }
    // Digest requests (anti-entropy): a request taken is within its bounds and reads back the same.
    if let request = try? DigestRequest.decode(bytes) {
        guard let again = try? DigestRequest.decode(request.encoded()), again == request else { fatalError("a digest request does not round-trip") }
        if (request.buckets ?? []).contains(where: { !(0..<DigestTree.buckets).contains($0) }) { fatalError("a bucket out of range was taken") }
        if (request.keys?.count ?? 0) > DigestRequest.Limits.keys { fatalError("too many keys were taken") }
    }
    _ = try? DigestAnswer.decode(bytes)
    _ = try? RepairAnswer.decode(bytes)
    if let message = try? HealthMessage.decode(bytes), (try? HealthMessage.decode(message.encoded())) != message {
        fatalError("a health message does not round-trip")
    }
    _ = try? PushAnswer.decode(bytes)
    _ = try? CatalogEntry.decode(json: bytes)
}

/// The same bytes fed in any split give the same records.
private func csvReader(_ bytes: [UInt8]) {
    func read(_ split: Int) -> String {
        var reader = CSVReader()
        var out: [[String]] = []
        var i = 0
        while i < bytes.count {
            let end = min(bytes.count, i + split)
            out += reader.feed(bytes[i..<end]).map(\.fields)
            i = end
        }
        do { if let last = try reader.finish() { out.append(last.fields) } } catch { return "error \(error.line)" }
        return "\(out)"
    }
    let whole = read(max(1, bytes.count))
    let pieces = read(1 + (bytes.first.map(Int.init) ?? 0) % 5)
    if whole != pieces { fatalError("one file, two readings") }
}

/// Tickets' items (share requests, corrections, conflict outcomes) as a peer may send them, mask
/// rules and identifiers never trap; a mask rule reads back from its own text.
private func tickets(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    let stamp = Stamp(hlc: 1, origin: "n")
    let write = ItemWrite(value: .string(text), stamp: stamp)
    for item in [ShareTicket.answerItem, ShareTicket.usageItem] {
        if let ticket = try? ShareTicket(id: "n-1", items: [ShareTicket.requestItem: write, item: write]) {
            _ = ticket.status(on: CivilDate(dayNumber: 20_000))
            _ = ticket.isOverdue(on: CivilDate(dayNumber: 20_000))
            _ = ticket.maskRules
            _ = ticket.covers(try! RegionCode("440310"))
        }
    }
    if let ticket = try? CorrectionTicket(id: "n-1", items: [CorrectionTicket.requestItem: write, CorrectionTicket.answerItem: write]) {
        _ = ticket.isEscalated(on: CivilDate(dayNumber: 20_000))
        _ = ticket.deadline
    }
    _ = try? TicketJSON.decode(ConflictOutcome.self, text, what: "outcome")
    if let rule = try? MaskRule(parsing: text) {
        if (try? MaskRule(parsing: rule.description)) != rule { fatalError("a mask rule does not read back from its text") }
        _ = rule.apply(.string(text), salt: text)
    }
    _ = Identifiers.isValidUSCC(text)
    _ = Identifiers.isValidIDCard(text)
    _ = SHA256Digest.hash(bytes)
}

/// A signer that hashes for real and accepts every block signature (the fuzzer exercises the checks around it).
private struct FuzzSigner: ChangeSigner {
    func digest(_ bytes: [UInt8]) -> [UInt8] { SHA256Digest.hash(bytes) }
    func sign(leaves: [UInt8]) throws -> SignedBlock { SignedBlock(origin: "fuzz", leaves: leaves, signature: [1], certificate: [1]) }
    func verify(_ block: SignedBlock) throws(ProvenanceError) {}
}

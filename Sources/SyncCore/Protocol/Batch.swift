import Foundation

/// A change as a node's log holds it: its local sequence number, its
/// canonical bytes and its origin's signature, forwarded as stored.
public struct LogEntry: Sendable, Equatable {
    public var seq: Int64
    public var body: [UInt8]
    /// The origin's signed block and the change's place in it (nil in a federation that does not sign).
    public var proof: ChangeProof?

    public init(seq: Int64, body: [UInt8], proof: ChangeProof? = nil) {
        self.seq = seq
        self.body = body
        self.proof = proof
    }

    /// The change, decoded.
    public func change() throws(WireError) -> Change {
        do { return try ChangeCodec.decode(body).change } catch {
            throw WireError("log entry \(seq) is unreadable: \(error)")
        }
    }
}

/// One change received in a batch, with the sender's sequence number (0 in a resync page).
public struct BatchEntry: Sendable {
    public var seq: Int64
    public var change: EncodedChange
    /// Its origin's signature: the block and its place in it.
    public var proof: ChangeProof?

    public init(seq: Int64, change: EncodedChange, proof: ChangeProof? = nil) {
        self.seq = seq
        self.change = change
        self.proof = proof
    }
}

/// The body of a push and of a pull's answer:
/// `{"blocks":[{"cert":B64,"leaves":B64,"origin":ID,"sig":B64},…],
///   "changes":[{"b":0,"change":{…},"i":N,"seq":N,"whole":{…}},…],"last":N,"resync":"MARK"}`.
/// `blocks` are the origins' signed blocks the changes belong to, each sent
/// once; a change names its block (`b`, an index into `blocks`) and its place
/// in it (`i`), and `whole` when it is a part of the signed change. `last`
/// (pull answers) is the sequence number to ask after next; `resync` marks a
/// page of a full resync (the live changes, seq 0). `after` (pushes sent
/// ahead) says the batch continues the push that ended at that sequence
/// number: the parent applies it only once it holds everything up to there.
public struct Batch: Sendable {
    public var entries: [BatchEntry]
    public var last: Int64?
    public var resync: ResyncMark?
    public var after: Int64?

    public init(entries: [BatchEntry], last: Int64? = nil, resync: ResyncMark? = nil, after: Int64? = nil) {
        self.entries = entries
        self.last = last
        self.resync = resync
        self.after = after
    }

    /// The body for `entries`, their bytes written as stored.
    public static func encode(_ entries: [LogEntry], last: Int64? = nil, resync: ResyncMark? = nil, after: Int64? = nil) -> [UInt8] {
        var w = JSONWriter(capacity: entries.reduce(64) { $0 + $1.body.count + 48 })
        // Each block once, in the order first needed.
        var blocks: [SignedBlock] = []
        var index: [[UInt8]: Int] = [:]
        var places: [Int?] = []
        places.reserveCapacity(entries.count)
        for entry in entries {
            guard let block = entry.proof?.block else { places.append(nil); continue }
            // A block's changes come one after another: the last block is checked before the index,
            // which hashes the signature byte by byte (~7 % of a district's CPU in a bulk push).
            if let last = blocks.last, last.signature == block.signature { places.append(blocks.count - 1); continue }
            if let known = index[block.signature] { places.append(known); continue }
            index[block.signature] = blocks.count
            places.append(blocks.count)
            blocks.append(block)
        }
        w.raw("{")
        if let after { w.raw("\"after\":"); w.int(after); w.raw(",") }
        if !blocks.isEmpty {
            w.raw("\"blocks\":[")
            for (i, block) in blocks.enumerated() {
                if i > 0 { w.comma() }
                w.raw("{\"cert\":"); w.string(Data(block.certificate).base64EncodedString())
                w.raw(",\"leaves\":"); w.string(Data(block.leaves).base64EncodedString())
                w.raw(",\"origin\":"); w.string(block.origin)
                w.raw(",\"sig\":"); w.string(Data(block.signature).base64EncodedString())
                w.raw("}")
            }
            w.raw("],")
        }
        w.raw("\"changes\":[")
        for (i, entry) in entries.enumerated() {
            if i > 0 { w.comma() }
            w.raw("{")
            if let place = places[i], let proof = entry.proof {
                w.raw("\"b\":"); w.int(Int64(place)); w.raw(",")
                w.raw("\"change\":"); w.raw(entry.body)
                w.raw(",\"i\":"); w.int(Int64(proof.leaf))
            } else {
                w.raw("\"change\":"); w.raw(entry.body)
            }
            w.raw(",\"seq\":"); w.int(entry.seq)
            if let whole = entry.proof?.whole { w.raw(",\"whole\":"); w.raw(whole) }
            w.raw("}")
        }
        w.raw("]")
        if let last { w.raw(",\"last\":"); w.int(last) }
        if let resync { w.raw(",\"resync\":"); w.string(resync.token) }
        w.raw("}")
        return w.bytes
    }

    /// Reads a batch. Errors name the entry and the field; sequence numbers
    /// must rise within a batch (and be 0 in a resync page).
    public static func decode(_ bytes: [UInt8], maxEntries: Int = ProtocolLimits.maxBatchEntries) throws(WireError) -> Batch {
        var reader = JSONReader(bytes: bytes)
        var batch = Batch(entries: [])
        var seen: Set<String> = []
        var sawChanges = false
        var blocks: [SignedBlock] = []
        var places: [(block: Int, leaf: Int, whole: [UInt8]?)?] = []
        do {
            try reader.object { r, member in
                guard seen.insert(member).inserted else { throw WireError("the batch has member '\(member.prefix(40))' twice") }
                switch member {
                case "after":
                    guard let after = try r.integer(), after >= 0 else { throw WireError("'after' must be a sequence number") }
                    batch.after = after
                case "blocks":
                    try r.array { r in
                        guard blocks.count < maxEntries else { throw WireError("a batch may carry at most \(maxEntries) signed blocks") }
                        blocks.append(try block(&r, number: blocks.count))
                    }
                case "changes":
                    sawChanges = true
                    try r.array { r in
                        guard batch.entries.count < maxEntries else {
                            throw WireError("a batch may hold at most \(maxEntries) changes")
                        }
                        let (entry, place) = try entry(&r, number: batch.entries.count)
                        batch.entries.append(entry)
                        places.append(place)
                    }
                case "last":
                    guard let last = try r.integer(), last >= 0 else { throw WireError("'last' must be a sequence number") }
                    batch.last = last
                case "resync":
                    guard r.peek == UInt8(ascii: "\""), let mark = ResyncMark(token: try r.string()) else {
                        throw WireError("'resync' must be a resync position or \"complete\"")
                    }
                    batch.resync = mark
                default:
                    throw WireError("the batch has no member '\(member.prefix(40))' (members: after, blocks, changes, last, resync)")
                }
            }
            try reader.end()
        } catch let error as WireError {
            throw error
        } catch {
            throw WireError("the batch is not valid JSON: \(error)")
        }
        guard sawChanges else { throw WireError("the batch needs \"changes\"") }
        for (i, place) in places.enumerated() {
            guard let place else { continue }
            guard place.block < blocks.count else {
                throw WireError("changes[\(i)]: \"b\" is \(place.block), but the batch carries \(blocks.count) signed blocks")
            }
            batch.entries[i].proof = ChangeProof(block: blocks[place.block], leaf: place.leaf, whole: place.whole)
        }
        var previous: Int64 = 0
        for (i, entry) in batch.entries.enumerated() {
            if batch.resync != nil {
                guard entry.seq == 0 else { throw WireError("changes[\(i)]: a resync page carries seq 0, not \(entry.seq)") }
            } else {
                guard entry.seq > previous else {
                    throw WireError("changes[\(i)]: seq \(entry.seq) does not follow \(previous); sequence numbers rise within a batch")
                }
                previous = entry.seq
            }
        }
        return batch
    }

    private static func entry(_ r: inout JSONReader, number: Int) throws -> (BatchEntry, (block: Int, leaf: Int, whole: [UInt8]?)?) {
        var seq: Int64?
        var change: EncodedChange?
        var block: Int64?, leaf: Int64?
        var whole: [UInt8]?
        try r.object { r, member in
            switch member {
            case "b" where block == nil, "i" where leaf == nil:
                guard let value = try r.integer(), value >= 0, value < Int64(ProtocolLimits.maxBatchEntries) else {
                    throw WireError("changes[\(number)]: \"\(member)\" must be a whole number from 0 to \(ProtocolLimits.maxBatchEntries - 1)")
                }
                if member == "b" { block = value } else { leaf = value }
            case "whole" where whole == nil:
                do { whole = try ChangeCodec.read(&r).bytes } catch { throw WireError("changes[\(number)].whole: \(error)") }
            case "seq" where seq == nil:
                guard let value = try r.integer(), value >= 0 else {
                    throw WireError("changes[\(number)]: \"seq\" must be a whole number, 0 or more")
                }
                seq = value
            case "change" where change == nil:
                do { change = try ChangeCodec.read(&r) } catch { throw WireError("changes[\(number)]: \(error)") }
            default:
                throw WireError("changes[\(number)] has an unknown or repeated member '\(member.prefix(40))' (members: b, change, i, seq, whole)")
            }
        }
        guard let seq, let change else { throw WireError("changes[\(number)] needs \"seq\" and \"change\"") }
        guard (block == nil) == (leaf == nil), whole == nil || block != nil else {
            throw WireError("changes[\(number)]: a signed change carries both \"b\" and \"i\" (and \"whole\" only with them)")
        }
        let place = block.map { (block: Int($0), leaf: Int(leaf ?? 0), whole: whole) }
        return (BatchEntry(seq: seq, change: change), place)
    }

    private static func block(_ r: inout JSONReader, number: Int) throws -> SignedBlock {
        var fields: [String: [UInt8]] = [:]
        var origin: String?
        let limits = ["cert": 16_384, "leaves": SignedBlock.capacity * 32, "sig": 512]
        try r.object { r, member in
            guard r.peek == UInt8(ascii: "\"") else { throw WireError("blocks[\(number)].\(member.prefix(40)) must be a string") }
            switch member {
            case "origin" where origin == nil:
                let text = try r.string()
                guard !text.isEmpty, text.utf8.count <= 63 else { throw WireError("blocks[\(number)].origin must be a node id") }
                origin = text
            case "cert", "leaves", "sig":
                guard fields[member] == nil, let limit = limits[member] else { throw WireError("blocks[\(number)] has '\(member)' twice") }
                let text = try r.string()
                guard text.utf8.count <= (limit + 2) / 3 * 4, let data = Data(base64Encoded: text), !data.isEmpty, data.count <= limit else {
                    throw WireError("blocks[\(number)].\(member) must be base64 of at most \(limit) bytes")
                }
                fields[member] = Array(data)
            default:
                throw WireError("blocks[\(number)] has an unknown or repeated member '\(member.prefix(40))' (members: cert, leaves, origin, sig)")
            }
        }
        guard let origin, let cert = fields["cert"], let leaves = fields["leaves"], let sig = fields["sig"] else {
            throw WireError("blocks[\(number)] needs \"cert\", \"leaves\", \"origin\" and \"sig\"")
        }
        guard leaves.count % 32 == 0 else { throw WireError("blocks[\(number)].leaves must be 32-byte hashes") }
        return SignedBlock(origin: origin, leaves: leaves, signature: sig, certificate: cert)
    }
}

/// `POST /v1/push` answer: the highest child sequence number the parent holds durably.
public struct PushAnswer: Sendable, Equatable {
    public var received: Int64

    public init(received: Int64) { self.received = received }

    public func encoded() -> [UInt8] {
        var w = JSONWriter(capacity: 32)
        w.raw("{\"received\":"); w.int(received); w.raw("}")
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> PushAnswer {
        let fields = try MessageFields(bytes, what: "push answer")
        let answer = PushAnswer(received: try fields.int("received", in: 0...Int64.max))
        try fields.noOthers(["received"])
        return answer
    }
}

/// A change as a node's log holds it: its local sequence number and its
/// canonical bytes, forwarded as stored.
public struct LogEntry: Sendable, Equatable {
    public var seq: Int64
    public var body: [UInt8]

    public init(seq: Int64, body: [UInt8]) {
        self.seq = seq
        self.body = body
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

    public init(seq: Int64, change: EncodedChange) {
        self.seq = seq
        self.change = change
    }
}

/// The body of a push and of a pull's answer:
/// `{"changes":[{"change":{…},"seq":N},…],"last":N,"resync":"MARK"}`.
/// `last` (pull answers) is the sequence number to ask after next; `resync`
/// marks a page of a full resync (whole record states, seq 0).
public struct Batch: Sendable {
    public var entries: [BatchEntry]
    public var last: Int64?
    public var resync: ResyncMark?

    public init(entries: [BatchEntry], last: Int64? = nil, resync: ResyncMark? = nil) {
        self.entries = entries
        self.last = last
        self.resync = resync
    }

    /// The body for `entries`, their bytes written as stored.
    public static func encode(_ entries: [LogEntry], last: Int64? = nil, resync: ResyncMark? = nil) -> [UInt8] {
        var w = JSONWriter(capacity: entries.reduce(64) { $0 + $1.body.count + 24 })
        w.raw("{\"changes\":[")
        for (i, entry) in entries.enumerated() {
            if i > 0 { w.comma() }
            w.raw("{\"change\":"); w.raw(entry.body); w.raw(",\"seq\":"); w.int(entry.seq); w.raw("}")
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
        do {
            try reader.object { r, member in
                guard seen.insert(member).inserted else { throw WireError("the batch has member '\(member.prefix(40))' twice") }
                switch member {
                case "changes":
                    sawChanges = true
                    try r.array { r in
                        guard batch.entries.count < maxEntries else {
                            throw WireError("a batch may hold at most \(maxEntries) changes")
                        }
                        batch.entries.append(try entry(&r, number: batch.entries.count))
                    }
                case "last":
                    guard case .int(let last) = try r.number(), last >= 0 else { throw WireError("'last' must be a sequence number") }
                    batch.last = last
                case "resync":
                    guard r.peek == UInt8(ascii: "\""), let mark = ResyncMark(token: try r.string()) else {
                        throw WireError("'resync' must be a resync position or \"complete\"")
                    }
                    batch.resync = mark
                default:
                    throw WireError("the batch has no member '\(member.prefix(40))' (members: changes, last, resync)")
                }
            }
            try reader.end()
        } catch let error as WireError {
            throw error
        } catch {
            throw WireError("the batch is not valid JSON: \(error)")
        }
        guard sawChanges else { throw WireError("the batch needs \"changes\"") }
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

    private static func entry(_ r: inout JSONReader, number: Int) throws -> BatchEntry {
        var seq: Int64?
        var change: EncodedChange?
        try r.object { r, member in
            switch member {
            case "seq" where seq == nil:
                guard case .int(let value) = try r.number(), value >= 0 else {
                    throw WireError("changes[\(number)]: \"seq\" must be a whole number, 0 or more")
                }
                seq = value
            case "change" where change == nil:
                do { change = try ChangeCodec.read(&r) } catch { throw WireError("changes[\(number)]: \(error)") }
            default:
                throw WireError("changes[\(number)] has an unknown or repeated member '\(member.prefix(40))' (members: change, seq)")
            }
        }
        guard let seq, let change else { throw WireError("changes[\(number)] needs \"seq\" and \"change\"") }
        return BatchEntry(seq: seq, change: change)
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

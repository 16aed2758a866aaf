/// The health exchange: a child tells its parent it is alive, with its own
/// status summary and its subtree's; the parent answers with its own message.
/// Each side records when it last heard the other.
public struct HealthMessage: Sendable, Equatable {
    /// The sender's node id.
    public var node: String
    /// The sender's clock, ms since the epoch (lets the other side see clock skew).
    public var time: Int64
    /// The sender's syncnode version.
    public var version: String
    /// From a child: its own status summary first, then those of the nodes below it.
    public var reports: [NodeSummary]?
    /// From a child: the head of its audit log, signed with its key (its parent keeps it).
    public var auditHead: AuditHead?

    public init(node: String, time: Int64, version: String, reports: [NodeSummary]? = nil, auditHead: AuditHead? = nil) {
        self.node = node
        self.time = time
        self.version = version
        self.reports = reports
        self.auditHead = auditHead
    }

    public func encoded() -> [UInt8] {
        var w = JSONWriter(capacity: 128 + (reports?.count ?? 0) * 256)
        w.raw("{")
        if let auditHead {
            w.raw("\"auditHash\":"); w.string(auditHead.hash)
            w.raw(",\"auditSeq\":"); w.int(auditHead.seq)
            w.raw(",\"auditSignature\":"); w.string(auditHead.signature)
            w.raw(",")
        }
        w.raw("\"node\":"); w.string(node)
        if let reports {
            w.raw(",\"reports\":[")
            for (i, report) in reports.enumerated() {
                if i > 0 { w.comma() }
                report.write(to: &w)
            }
            w.raw("]")
        }
        w.raw(",\"time\":"); w.int(time)
        w.raw(",\"version\":"); w.string(version)
        w.raw("}")
        return w.bytes
    }

    /// Reads a health message; every number is range-checked. Members a newer
    /// node may add are ignored, so nodes of different versions still talk.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> HealthMessage {
        let fields = try MessageFields(bytes, what: "health message")
        var reports: [NodeSummary]?
        if let nodes = try fields.optionalArray("reports", max: ProtocolLimits.maxReports) {
            var read: [NodeSummary] = []
            for (i, node) in nodes.enumerated() {
                read.append(try NodeSummary(fields: try MessageFields(node: node, what: "health message reports[\(i)]")))
            }
            reports = read
        }
        var head: AuditHead?
        if let seq = try fields.optionalInt("auditSeq", in: 1...(Int64.max >> 1)) {
            let hash = try fields.string("auditHash", maxBytes: 64), signature = try fields.string("auditSignature", maxBytes: 512)
            guard hash.utf8.count == 64, hash.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }),
                  signature.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
                throw WireError("auditHash must be 64 and auditSignature at most 512 lowercase hex digits")
            }
            head = AuditHead(seq: seq, hash: hash, signature: signature)
        }
        return HealthMessage(node: try fields.string("node", maxBytes: 63),
                             time: try fields.int("time", in: 0...(HybridClock.ceiling >> 16)),
                             version: try fields.string("version", maxBytes: 64), reports: reports, auditHead: head)
    }
}

/// One node's status in a line: what each node reports up the tree with its
/// health messages, so a city or the province can show its whole subtree.
public struct NodeSummary: Encodable, Sendable, Equatable {
    /// The most a count in a report may say (anything larger is a lie or a bug).
    public static let maxCount: Int64 = 1 << 40
    /// The oldest a report may be, in seconds (about 30 years).
    public static let maxAgeSeconds: Int64 = 1 << 30

    public var id: String
    public var name: String
    public var tier: String
    public var region: String
    /// "ok" or "attention".
    public var state: String
    public var problems: [String]
    /// Changes waiting to be sent, over all its links.
    public var outbox: Int
    /// The longest any of them has waited.
    public var lagSeconds: Int
    public var conflicts: Int
    public var records: Int
    public var certificateDaysLeft: Int?
    /// The node's weakest dataset by quality, e.g. "ps-enterprise 97.5% complete, 1.2% invalid" (at sources that check).
    public var quality: String?
    /// How old the report is: 0 from the node itself, more as it is relayed.
    public var ageSeconds: Int

    public init(id: String, name: String, tier: String, region: String, state: String, problems: [String], outbox: Int,
                lagSeconds: Int, conflicts: Int, records: Int, certificateDaysLeft: Int?, ageSeconds: Int, quality: String? = nil) {
        self.id = id
        self.name = name
        self.tier = tier
        self.region = region
        self.state = state
        self.problems = problems
        self.outbox = outbox
        self.lagSeconds = lagSeconds
        self.conflicts = conflicts
        self.records = records
        self.certificateDaysLeft = certificateDaysLeft
        self.ageSeconds = ageSeconds
        self.quality = quality
    }

    /// Reads a report, refusing counts and ages out of range and long texts.
    public init(fields f: MessageFields) throws(WireError) {
        let count = 0...NodeSummary.maxCount
        self.init(id: try f.string("id", maxBytes: 63), name: try f.string("name", maxBytes: 256), tier: try f.string("tier", maxBytes: 16),
                  region: try f.string("region", maxBytes: 6), state: try f.string("state", maxBytes: 32),
                  problems: try f.strings("problems", max: 64, maxBytes: 1024),
                  outbox: Int(try f.int("outbox", in: count)), lagSeconds: Int(try f.int("lagSeconds", in: 0...NodeSummary.maxAgeSeconds)),
                  conflicts: Int(try f.int("conflicts", in: count)), records: Int(try f.int("records", in: count)),
                  certificateDaysLeft: try f.optionalInt("certificateDaysLeft", in: -1_000_000...1_000_000).map(Int.init),
                  ageSeconds: Int(try f.int("ageSeconds", in: 0...NodeSummary.maxAgeSeconds)),
                  quality: try f.optionalString("quality", maxBytes: 256))
    }

    /// Reads a report stored as JSON.
    public init(json bytes: [UInt8]) throws(WireError) {
        try self.init(fields: try MessageFields(bytes, what: "report"))
    }

    public func write(to w: inout JSONWriter) {
        w.raw("{\"ageSeconds\":"); w.int(Int64(ageSeconds))
        if let certificateDaysLeft { w.raw(",\"certificateDaysLeft\":"); w.int(Int64(certificateDaysLeft)) }
        w.raw(",\"conflicts\":"); w.int(Int64(conflicts))
        w.raw(",\"id\":"); w.string(id)
        w.raw(",\"lagSeconds\":"); w.int(Int64(lagSeconds))
        w.raw(",\"name\":"); w.string(name)
        w.raw(",\"outbox\":"); w.int(Int64(outbox))
        w.raw(",\"problems\":[")
        for (i, p) in problems.enumerated() { if i > 0 { w.comma() }; w.string(p) }
        w.raw("]")
        if let quality { w.raw(",\"quality\":"); w.string(quality) }
        w.raw(",\"records\":"); w.int(Int64(records))
        w.raw(",\"region\":"); w.string(region)
        w.raw(",\"state\":"); w.string(state)
        w.raw(",\"tier\":"); w.string(tier)
        w.raw("}")
    }

    public var jsonBytes: [UInt8] {
        var w = JSONWriter()
        write(to: &w)
        return w.bytes
    }

    /// The report `seconds` older, without overflow.
    public func aged(by seconds: Int) -> NodeSummary {
        var copy = self
        copy.ageSeconds = Int(min(NodeSummary.maxAgeSeconds, Int64(ageSeconds) + Int64(max(0, min(seconds, Int(NodeSummary.maxAgeSeconds))))))
        return copy
    }
}

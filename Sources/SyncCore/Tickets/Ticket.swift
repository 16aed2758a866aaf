import Foundation

/// The two ends of a ticket — a share request, a correction, a conflict's
/// outcome — and the way between them: tickets are records of a reserved
/// dataset whose items each have one writer (the filer or the answerer), held
/// by every node on the way between the ends and by each end's own hub (备案),
/// and carried by the same log, outboxes and cursors as records.
public struct TicketShape: Sendable {
    public enum End: Sendable { case filer, answerer }

    /// The reserved dataset the tickets are records of.
    public let dataset: String
    /// What operators call one, for messages.
    public let noun: String
    /// Each item and the end that writes it.
    public let writers: [String: End]
    /// The item that is never changed once written (the request itself).
    public let fixed: String
    /// The filer and the answerer of ticket `id` as its items name them; nil until the fixed item has arrived.
    public let ends: @Sendable (_ id: String, _ items: [String: ItemWrite]) throws -> (filer: String, answerer: String)?

    public init(dataset: String, noun: String, writers: [String: End], fixed: String,
                ends: @escaping @Sendable (_ id: String, _ items: [String: ItemWrite]) throws -> (filer: String, answerer: String)?) {
        self.dataset = dataset
        self.noun = noun
        self.writers = writers
        self.fixed = fixed
        self.ends = ends
    }

    /// The shapes of every kind of ticket.
    public static var all: [TicketShape] { [ShareTicket.shape, CorrectionTicket.shape] }
}

/// Strict JSON for tickets' items.
public enum TicketJSON {
    /// `value` as JSON text with sorted keys: what a ticket item holds.
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Reads `text` strictly as JSON (duplicate members, invalid UTF-8, deep nesting refused), then as `type`.
    public static func decode<T: Decodable>(_ type: T.Type, _ text: String, what: String) throws(WireError) -> T {
        let bytes = Array(text.utf8)
        guard bytes.count <= 64 * 1024 else { throw WireError("a \(what) may be at most 64 KiB") }
        do { _ = try JSONNode.parse(bytes) } catch { throw WireError("the \(what) is not valid JSON: \(error)") }
        do { return try JSONDecoder().decode(type, from: Data(bytes)) } catch {
            throw WireError("the \(what) does not have the expected fields: \(describe(error))")
        }
    }

    /// The change by `node` setting ticket `id`'s `item` in `dataset` to `value`.
    public static func change<T: Encodable>(dataset: String, id: String, item: String, value: T, by node: NodeEntry, hlc: Int64) throws -> Change {
        Change(dataset: dataset, key: id, region: node.region,
               items: [item: ItemWrite(value: .string(try encode(value)), stamp: Stamp(hlc: hlc, origin: node.id))], origin: node.id)
    }

    /// A new ticket id at `node`: the node's id (tickets are told apart by who filed them) and the clock reading.
    public static func newID(at node: String, hlc: Int64) -> String { "\(node)-\(String(hlc, radix: 36))" }
}

extension Topology {
    /// The lowest node whose subtree holds both `a` and `b`.
    public func commonAncestor(_ a: String, _ b: String) -> String? {
        let pa = path(to: a), pb = path(to: b)
        return zip(pa, pb).prefix { $0 == $1 }.last?.0
    }

    /// The nodes a ticket between `filer` and `answerer` visits: the path
    /// between them, and each end's own hub, where it is filed (汕尾 §20).
    public func ticketRoute(filer requester: String, answerer source: String) -> Set<String> {
        guard let top = commonAncestor(requester, source) else { return [] }
        var route: Set<String> = []
        for end in [requester, source] {
            let path = path(to: end)
            if let start = path.firstIndex(of: top) { route.formUnion(path[start...]) }
            if let parent = parent(of: end) { route.insert(parent.id) }
        }
        return route
    }

    /// The node that releases granted records to `requester`: the nearest to it
    /// that holds the source's records (conditional data is aggregated up the
    /// tree, so the lowest common hub; the source itself when it is above).
    public func releasingNode(requester: String, source: String) -> String? {
        commonAncestor(requester, source)
    }
}

extension Topology {
    /// The hub a ticket left unanswered escalates to: the lowest hub common to
    /// both ends, or the one above it when that is one of the ends (汕尾 §34).
    public func escalationHub(filer: String, answerer: String) -> String? {
        guard let common = commonAncestor(filer, answerer) else { return nil }
        return common == filer || common == answerer ? parent(of: common)?.id : common
    }
}

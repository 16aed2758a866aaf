/// The one wire and storage form of a change:
///
///     {"dataset":"ps-enterprise","items":{"name":{"h":123,"o":"sz-pingshan","v":"…"}},
///      "key":"91440310…","origin":"sz-pingshan","region":"440310","tombstone":{"h":124,"o":"sz-pingshan"}}
///
/// and, when every item carries the same stamp (a write, as its writer makes
/// it: the common case), the compact form with the stamp once:
///
///     {"dataset":"ps-enterprise","items":{"name":"…","phone":"…"},"key":"…","origin":"sz-pingshan",
///      "region":"440310","stamp":{"h":123,"o":"sz-pingshan"}}
///
/// Members in UTF-8 byte order, no whitespace, items by name, `stamp` and
/// `tombstone` omitted when there is none. The compact form is canonical
/// whenever it applies; the long form of a uniformly stamped change is read
/// and re-encoded. Decoding is strict: a duplicate or unknown
/// member, a missing one, a `null` tombstone, a value that is not a scalar or a
/// clock reading out of range is refused, with the change and field named.
/// What a node stores and forwards is always this canonical encoding of what
/// it accepted: canonical input is kept as received, anything else re-encoded.
public enum ChangeCodec {
    /// Most data items one change may carry.
    public static let maxItems = 512
    /// Longest record key, in bytes.
    public static let maxKeyBytes = 512

    /// The canonical bytes of `change`.
    public static func encode(_ change: Change) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + change.items.count * 64)
        encode(change, into: &w)
        return w.bytes
    }

    /// Appends the canonical bytes of `change` to `w`.
    public static func encode(_ change: Change, into w: inout JSONWriter) {
        let shared = uniformStamp(change.items)
        w.raw("{\"dataset\":"); w.string(change.dataset)
        w.raw(",\"items\":{")
        for (i, name) in JSONWriter.sorted(change.items.keys).enumerated() {
            if i > 0 { w.comma() }
            let item = change.items[name]!
            w.key(name)
            if shared != nil { item.value.write(to: &w); continue }
            w.raw("{\"h\":"); w.int(item.stamp.hlc)
            w.raw(",\"o\":"); w.string(item.stamp.origin)
            w.raw(",\"v\":"); item.value.write(to: &w)
            w.raw("}")
        }
        w.raw("},\"key\":"); w.string(change.key)
        w.raw(",\"origin\":"); w.string(change.origin)
        w.raw(",\"region\":"); w.string(change.region.code)
        if let shared {
            w.raw(",\"stamp\":{\"h\":"); w.int(shared.hlc); w.raw(",\"o\":"); w.string(shared.origin); w.raw("}")
        }
        if let tombstone = change.tombstone {
            w.raw(",\"tombstone\":{\"h\":"); w.int(tombstone.hlc); w.raw(",\"o\":"); w.string(tombstone.origin); w.raw("}")
        }
        w.raw("}")
    }

    /// Decodes one change from a whole JSON text.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> EncodedChange {
        var reader = JSONReader(bytes: bytes)
        let change = try read(&reader)
        do { try reader.end() } catch { throw WireError("change: \(error)") }
        return change
    }

    /// Reads one change at the reader's position (inside a batch, say) and
    /// returns it with its canonical bytes.
    public static func read(_ reader: inout JSONReader) throws(WireError) -> EncodedChange {
        reader.skipSpace()
        let start = reader.index
        let outerCanonical = reader.canonical
        reader.canonical = true
        let change: Change
        let compactable: Bool
        do { (change, compactable) = try readChange(&reader) } catch let error as WireError { throw error } catch {
            throw WireError("a change is not valid JSON: \(error)")
        }
        let canonical = reader.canonical && !compactable
        reader.canonical = outerCanonical
        if canonical {
            return EncodedChange(change: change, canonicalBytes: Array(reader.bytes[start..<reader.index]))
        }
        return EncodedChange(change)
    }

    /// The stamp every item carries, when there are items and they all carry the same one.
    static func uniformStamp(_ items: [String: ItemWrite]) -> Stamp? {
        guard let first = items.first?.value.stamp else { return nil }
        for item in items.values where item.stamp != first { return nil }
        return first
    }

    /// Reads a change; the flag says it came in the long form though the compact one applies.
    private static func readChange(_ r: inout JSONReader) throws -> (Change, Bool) {
        var dataset: String?, key: String?, regionText: String?, origin: String?
        var items: [String: ItemWrite]?
        var values: [String: JSONValue] = [:]
        var shared: Stamp?
        var tombstone: Stamp?
        var seen: UInt8 = 0   // one bit per member: each may appear once
        func once(_ bit: UInt8, _ member: String) throws {
            guard seen & bit == 0 else { throw WireError("a change has member '\(member.prefix(40))' twice") }
            seen |= bit
        }
        try r.object { r, member in
            switch member {
            case "dataset": try once(1, member); dataset = try text(&r, "dataset", max: 64)
            case "key": try once(2, member); key = try text(&r, "key", max: maxKeyBytes)
            case "region": try once(4, member); regionText = try text(&r, "region", max: 6)
            case "origin": try once(8, member); origin = try text(&r, "origin", max: 63)
            case "tombstone":
                try once(16, member)
                guard r.peek == UInt8(ascii: "{") else {
                    throw WireError("'tombstone' must be a stamp object {\"h\": …, \"o\": …}; omit it when there is none")
                }
                tombstone = try stamp(&r, what: "tombstone")
            case "stamp":
                try once(64, member)
                guard r.peek == UInt8(ascii: "{") else { throw WireError("'stamp' must be a stamp object {\"h\": …, \"o\": …}") }
                shared = try stamp(&r, what: "stamp")
            case "items":
                try once(32, member)
                var read: [String: ItemWrite] = [:]
                var lastOrigin: String?
                try r.object { r, name in
                    guard !name.isEmpty, name.utf8.count <= 64 else { throw WireError("item name '\(name.prefix(40))' must be 1-64 bytes") }
                    guard read.count < maxItems else { throw WireError("a change may carry at most \(maxItems) items") }
                    if r.peek == UInt8(ascii: "{") {
                        guard values.isEmpty else { throw WireError("item '\(name.prefix(40))': the items of a change all carry a stamp or none does") }
                        let write = try item(&r, name: name, sameOriginAs: &lastOrigin)
                        guard read.updateValue(write, forKey: name) == nil else { throw WireError("item '\(name.prefix(40))' appears twice") }
                    } else {
                        guard read.isEmpty else { throw WireError("item '\(name.prefix(40))': the items of a change all carry a stamp or none does") }
                        guard r.peek != UInt8(ascii: "[") else {
                            throw WireError("item '\(name.prefix(40))': a data item value must be text, a number, a boolean or null")
                        }
                        guard values.updateValue(try r.scalar(), forKey: name) == nil else {
                            throw WireError("item '\(name.prefix(40))' appears twice")
                        }
                    }
                }
                items = read
            default:
                throw WireError("a change has no member '\(member.prefix(40))' (members: dataset, items, key, origin, region, tombstone)")
            }
        }
        guard let dataset else { throw WireError("a change needs \"dataset\"") }
        guard let key else { throw WireError("a change of dataset '\(dataset)' needs \"key\"") }
        var label: String { "change \(dataset)/\(key.prefix(80))" }
        guard !key.isEmpty else { throw WireError("a change of dataset '\(dataset)' has an empty key") }
        guard let regionText else { throw WireError("\(label) needs \"region\"") }
        guard let origin else { throw WireError("\(label) needs \"origin\"") }
        guard var items else { throw WireError("\(label) needs \"items\" (an empty object for a delete)") }
        if !values.isEmpty {
            guard let shared else { throw WireError("\(label): items without their own stamps need the change's \"stamp\"") }
            items = values.mapValues { ItemWrite(value: $0, stamp: shared) }
        } else if shared != nil {
            throw WireError("\(label): \"stamp\" goes with items that carry none of their own")
        }
        let region: RegionCode
        do { region = try RegionCode(regionText) } catch { throw WireError("\(label): \(error)") }
        let compactable = values.isEmpty && uniformStamp(items) != nil
        return (Change(dataset: dataset, key: key, region: region, items: items, tombstone: tombstone, origin: origin), compactable)
    }

    private static func text(_ r: inout JSONReader, _ member: String, max: Int) throws -> String {
        guard r.peek == UInt8(ascii: "\"") else { throw WireError("'\(member)' must be a string") }
        let value = try r.string()
        guard value.utf8.count <= max else { throw WireError("'\(member)' is longer than \(max) bytes") }
        return value
    }

    private static func clock(_ r: inout JSONReader, what: String) throws -> Int64 {
        guard let hlc = try r.integer(), hlc >= 0, hlc <= HybridClock.ceiling else {
            throw WireError("\(what): \"h\" must be a clock reading (a whole number from 0 to \(HybridClock.ceiling))")
        }
        return hlc
    }

    private static func stamp(_ r: inout JSONReader, what: String) throws -> Stamp {
        var hlc: Int64?, origin: String?
        try r.object { r, member in
            switch member {
            case "h" where hlc == nil: hlc = try clock(&r, what: what)
            case "o" where origin == nil: origin = try text(&r, "\(what).o", max: 63)
            default: throw WireError("\(what) has an unknown or repeated member '\(member.prefix(40))' (a stamp is {\"h\", \"o\"})")
            }
        }
        guard let hlc, let origin else { throw WireError("\(what) needs a stamp: \"h\" (clock) and \"o\" (origin)") }
        return Stamp(hlc: hlc, origin: origin)
    }

    /// One item: {"v", "h", "o"}. Items of one write share their origin: `sameOriginAs` holds the
    /// last one read, so equal origins share one string.
    private static func item(_ r: inout JSONReader, name: String, sameOriginAs last: inout String?) throws -> ItemWrite {
        var hlc: Int64?, origin: String?, value: JSONValue?
        var what: String { "item '\(name.prefix(40))'" }
        try r.object { r, member in
            switch member {
            case "h" where hlc == nil:
                do { hlc = try clock(&r, what: "item") } catch { throw WireError("\(what): \"h\" must be a clock reading (a whole number from 0 to \(HybridClock.ceiling))") }
            case "o" where origin == nil:
                let read: String
                do { read = try text(&r, "o", max: 63) } catch { throw WireError("\(what): \(error)") }
                if read == last { origin = last } else { origin = read; last = read }
            case "v" where value == nil:
                guard r.peek != UInt8(ascii: "{"), r.peek != UInt8(ascii: "[") else {
                    throw WireError("\(what): a data item value must be text, a number, a boolean or null")
                }
                value = try r.scalar()
            default: throw WireError("\(what) has an unknown or repeated member '\(member.prefix(40))' (an item is {\"h\", \"o\", \"v\"})")
            }
        }
        guard let hlc, let origin, let value else { throw WireError("\(what) needs \"v\", \"h\" and \"o\"") }
        return ItemWrite(value: value, stamp: Stamp(hlc: hlc, origin: origin))
    }
}

/// Reading a change straight from bytes, without building a `JSONNode` tree:
/// replication's hottest path. Accepts exactly what `Change.init(node:)` does.
extension JSONParser {
    /// Calls `body` with each member name of an object, the parser positioned at its value.
    mutating func members(_ body: (inout JSONParser, String) throws -> Void) throws {
        skipSpace()
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if peek == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipSpace()
            let key = try string()
            skipSpace()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            try body(&self, key)
            skipSpace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"))
            return
        }
    }

    mutating func stamp(what: String) throws -> Stamp {
        var hlc: Int64?, origin: String?
        try members { p, key in
            switch key {
            case "h": hlc = try p.value(depth: 2).int
            case "o": origin = try p.value(depth: 2).string
            default: _ = try p.value(depth: 2)
            }
        }
        guard let hlc, let origin else { throw WireError("\(what) needs a stamp: \"h\" (clock) and \"o\" (origin)") }
        return Stamp(hlc: hlc, origin: origin)
    }

    /// Parses one change object.
    mutating func change() throws -> Change {
        var dataset: String?, key: String?, regionText: String?, origin: String?
        var items: [String: ItemWrite] = [:]
        var tombstone: Stamp?
        try members { p, member in
            switch member {
            case "dataset": dataset = try p.value(depth: 1).string
            case "key": key = try p.value(depth: 1).string
            case "region": regionText = try p.value(depth: 1).string
            case "origin": origin = try p.value(depth: 1).string
            case "tombstone":
                if p.peek == UInt8(ascii: "n") { _ = try p.value(depth: 1) } else { tombstone = try p.stamp(what: "tombstone") }
            case "items":
                try p.members { p, name in
                    var hlc: Int64?, itemOrigin: String?, value: JSONValue?
                    try p.members { p, field in
                        switch field {
                        case "h": hlc = try p.value(depth: 3).int
                        case "o": itemOrigin = try p.value(depth: 3).string
                        case "v": value = try JSONValue(node: try p.value(depth: 3))
                        default: _ = try p.value(depth: 3)
                        }
                    }
                    guard let hlc, let itemOrigin, let value else {
                        throw WireError("item '\(name)' needs \"v\", \"h\" and \"o\"")
                    }
                    items[name] = ItemWrite(value: value, stamp: Stamp(hlc: hlc, origin: itemOrigin))
                }
            default: _ = try p.value(depth: 1)
            }
        }
        guard let dataset else { throw WireError("a change needs \"dataset\"") }
        guard let key else { throw WireError("a change of dataset '\(dataset)' needs \"key\"") }
        guard let regionText else { throw WireError("change \(dataset)/\(key) needs \"region\"") }
        guard let origin else { throw WireError("change \(dataset)/\(key) needs \"origin\"") }
        let region: RegionCode
        do { region = try RegionCode(regionText) } catch { throw WireError("change \(dataset)/\(key): \(error)") }
        return Change(dataset: dataset, key: key, region: region, items: items, tombstone: tombstone, origin: origin)
    }
}

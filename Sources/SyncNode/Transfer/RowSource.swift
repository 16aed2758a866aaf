import Foundation
import SyncCore
import TextEncoding

/// One row of an import that could not be taken, and why.
public struct RowError: Sendable, CustomStringConvertible {
    public init(row: Int, item: String?, message: String) {
        self.row = row
        self.item = item
        self.message = message
    }

    public var row: Int
    public var item: String?
    public var message: String
    public var description: String { "row \(row)\(item.map { ", item '\($0)'" } ?? ""): \(message)" }
}

/// Reads a CSV (header row of item names) or JSON-lines file as rows of item
/// values, streaming in 1 MiB chunks, decoding GB18030 when asked or detected.
/// Rows that cannot be read become `RowError`s; reading goes on.
public struct RowSource: Sendable {
    public enum Format: String, Sendable { case csv, jsonl }

    public let path: String
    public let format: Format
    public let encoding: String
    public let dataset: DatasetDefinition

    public init(path: String, format: Format, encoding: String, dataset: DatasetDefinition) {
        self.path = path
        self.format = format
        self.encoding = encoding
        self.dataset = dataset
    }

    /// Calls `row` for each row with its number (the CSV line, or the JSON line),
    /// `failed` for each row that cannot be read, and `progress` with bytes read.
    public func read(row: (Int, [String: JSONValue]) throws -> Void, failed: (RowError) -> Void,
              progress: (_ bytesRead: Int) -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SyncNodeError("import \(path)", "the file cannot be read", hint: "check the path and its permissions")
        }
        defer { try? handle.close() }
        var transcoder: Transcoder?
        var decided = encoding != "auto"
        if encoding != "auto" && encoding.lowercased() != "utf-8" { transcoder = try Transcoder(from: encoding.uppercased()) }
        var csv = CSVReader()
        var header: [(name: String, item: ItemDefinition)]?   // each column's item, looked up once
        var lineBuffer: [UInt8] = []
        var jsonLine = 0
        var offset = 0
        var first = true
        var utf8Carry: [UInt8] = []

        func csvRecord(_ record: (line: Int, fields: [String])) throws {
            guard let names = header else {
                let names = record.fields.map { $0.trimmingCharacters(in: .whitespaces) }
                let unknown = names.filter { dataset.item($0) == nil }
                guard unknown.isEmpty else {
                    throw SyncNodeError("import \(path)", "the header names no data item of \(dataset.id): \(unknown.joined(separator: ", "))",
                                        hint: "the header row must hold item names: \(dataset.items.map(\.name).joined(separator: ", "))")
                }
                header = names.map { ($0, dataset.item($0)!) }
                return
            }
            if record.fields.count == 1 && record.fields[0].isEmpty { return }   // a blank line
            guard record.fields.count == names.count else {
                failed(RowError(row: record.line, item: nil, message: "has \(record.fields.count) fields, the header has \(names.count)"))
                return
            }
            var values = [String: JSONValue](minimumCapacity: names.count)
            for ((name, item), text) in zip(names, record.fields) where !text.isEmpty {
                guard let value = ValueCheck.parse(text, for: item) else {
                    failed(RowError(row: record.line, item: name, message: "'\(text)' is not of type \(item.type.rawValue)"))
                    return
                }
                values[name] = value
            }
            try row(record.line, values)
        }

        func jsonRecord(_ bytes: ArraySlice<UInt8>) throws {
            jsonLine += 1
            guard bytes.contains(where: { $0 != 32 && $0 != 13 && $0 != 9 }) else { return }
            do {
                guard let members = try JSONNode.parse(bytes).members else {
                    failed(RowError(row: jsonLine, item: nil, message: "is not a JSON object of item values"))
                    return
                }
                var values = [String: JSONValue](minimumCapacity: members.count)
                for (name, node) in members { values[name] = try JSONValue(node: node) }
                try row(jsonLine, values)
            } catch let error as JSONParseError {
                failed(RowError(row: jsonLine, item: nil, message: "is not valid JSON: \(error)"))
            } catch let error as WireError {
                failed(RowError(row: jsonLine, item: nil, message: error.message))
            }
        }

        func consume(_ text: [UInt8]) throws {
            switch format {
            case .csv:
                for record in csv.feed(text) { try csvRecord(record) }
            case .jsonl:
                lineBuffer.append(contentsOf: text)
                var start = 0
                while let newline = lineBuffer[start...].firstIndex(of: 10) {
                    try jsonRecord(lineBuffer[start..<newline])
                    start = newline + 1
                }
                lineBuffer.removeFirst(start)
            }
        }

        while true {
            var chunk = [UInt8](try handle.read(upToCount: 1 << 20) ?? Data())
            let last = chunk.isEmpty
            if first && chunk.starts(with: [0xEF, 0xBB, 0xBF]) { chunk.removeFirst(3); decided = true }   // UTF-8 BOM
            first = false
            if !decided {
                // Auto: UTF-8 unless the first chunk is not (a character cut at its end is allowed).
                decided = true
                if String(validating: chunk[..<Self.completeUTF8Prefix(chunk)], as: UTF8.self) == nil {
                    transcoder = try Transcoder(from: "GB18030")
                }
            }
            var text: [UInt8]
            do { text = try transcoder?.convert(chunk, final: last, offset: offset) ?? chunk } catch {
                throw SyncNodeError("import \(path)", "\(error)", hint: "choose the file's encoding: utf-8 or gb18030")
            }
            if transcoder == nil {
                // UTF-8 must be valid: a legacy file read as UTF-8 would otherwise load garbled names.
                text = utf8Carry + text
                let complete = last ? text.count : Self.completeUTF8Prefix(text)
                utf8Carry = Array(text[complete...])
                text.removeSubrange(complete...)
                guard String(validating: text, as: UTF8.self) != nil else {
                    throw SyncNodeError("import \(path)", "the file is not valid UTF-8 (near byte \(offset))",
                                        hint: "it may be GB18030: choose that encoding")
                }
            }
            offset += chunk.count
            try consume(text)
            progress(offset)
            if last { break }
        }
        switch format {
        case .csv:
            let record: (line: Int, fields: [String])?
            do { record = try csv.finish() } catch {
                failed(RowError(row: error.line, item: nil, message: error.message))
                record = nil
            }
            if let record { try csvRecord(record) }
        case .jsonl:
            if !lineBuffer.isEmpty { try jsonRecord(lineBuffer[...]) }
        }
        if format == .csv && header == nil {
            throw SyncNodeError("import \(path)", "the file is empty: a CSV import needs a header row of item names")
        }
    }

    /// The length of the longest prefix of `bytes` that does not end inside a UTF-8 character.
    static func completeUTF8Prefix(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 1
        while i >= 0 && i >= bytes.count - 4 {
            let b = bytes[i]
            if b & 0xC0 == 0x80 { i -= 1; continue }          // a continuation byte: look further back
            let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            return bytes.count - i >= length ? bytes.count : i
        }
        return bytes.count
    }
}

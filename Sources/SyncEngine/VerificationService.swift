import Foundation
public import SyncCore

/// Verification (核验, 汕尾 §19): whether a record holds given values,
/// answered by a node that holds the data for an asker that may not copy it —
/// match, no match or unknown, never the record. Every answer is logged at the
/// answering node in the reserved dataset `_verifications`, which never leaves it.
public struct VerificationService: Sendable {
    public static let logDataset = "_verifications"

    /// What a verification answers.
    public enum Result: String, Codable, Sendable {
        case match
        case noMatch = "no-match"
        /// No node the asker can reach holds the dataset.
        case unknown
    }

    /// A question: does record `key` of `dataset` hold these values?
    public struct Question: Codable, Sendable, Equatable {
        public var asker: String
        public var dataset: String
        public var key: String
        public var values: [String: String]

        public init(asker: String, dataset: String, key: String, values: [String: String]) {
            self.asker = asker
            self.dataset = dataset
            self.key = key
            self.values = values
        }

        /// Reads a question from a peer, strictly.
        public static func decode(_ bytes: [UInt8]) throws(WireError) -> Question {
            let question = try TicketJSON.decode(Question.self, String(decoding: bytes, as: UTF8.self), what: "verification question")
            guard !question.values.isEmpty, question.values.count <= 64, question.key.utf8.count <= 1024,
                  question.values.allSatisfy({ ItemName.isValid($0.key) && $0.value.utf8.count <= 4096 }) else {
                throw WireError("a verification question names 1-64 items, each with a value of at most 4 KiB, and a key of at most 1 KiB")
            }
            return question
        }
    }

    public struct Answer: Codable, Sendable, Equatable {
        public var result: Result
        /// The node that answered.
        public var answeredBy: String
        /// Why: "no record with that key", the items that differ (never their values), …
        public var detail: String?

        public init(result: Result, answeredBy: String, detail: String? = nil) {
            self.result = result
            self.answeredBy = answeredBy
            self.detail = detail
        }
    }

    public let replica: Replica

    public init(replica: Replica) { self.replica = replica }

    /// Whether this node holds the records of `dataset`: it is the source, or a
    /// hub above it that the data is aggregated to (归集).
    public func holds(_ dataset: String) throws -> Bool {
        guard let known = try replica.dataset(dataset) else { return false }
        let d = known.definition, node = replica.nodeID
        if d.sourceNode == node { return true }
        guard replica.topology.isDescendant(d.sourceNode, of: node) else { return false }
        return d.shareType != .none || replica.policy.aggregatesUnshared
    }

    /// Answers `question` from this node's records and logs the answer here.
    public func answer(_ question: Question) throws -> Answer {
        guard let known = try replica.dataset(question.dataset) else {
            throw ReplicationError("there is no catalog entry '\(question.dataset.prefix(80))' at \(replica.nodeID)")
        }
        for name in question.values.keys where known.definition.item(name) == nil {
            throw ReplicationError("dataset '\(question.dataset)' has no data item '\(name)'")
        }
        let state = try replica.store.read { try $0.record(dataset: question.dataset, key: question.key)?.state }
        let answer: Answer
        if let state, !state.isDeleted {
            let differ = question.values.keys.sorted().filter { state.items[$0].map { $0.value.description } != question.values[$0] }
            answer = differ.isEmpty ? Answer(result: .match, answeredBy: replica.nodeID)
                : Answer(result: .noMatch, answeredBy: replica.nodeID, detail: "\(differ.count) of \(question.values.count) items differ: \(differ.joined(separator: ", "))")
        } else {
            answer = Answer(result: .noMatch, answeredBy: replica.nodeID, detail: "no record with that key")
        }
        try log(question, answer)
        return answer
    }

    /// Logs an answer given here (the asker, the dataset, the key, the items asked about: not their values).
    private func log(_ question: Question, _ answer: Answer) throws {
        let replica = self.replica
        let entry: [String: JSONValue] = [
            "asker": .string(question.asker), "dataset": .string(question.dataset), "key": .string(question.key),
            "items": .string(question.values.keys.sorted().joined(separator: ",")), "result": .string(answer.result.rawValue),
            "at": .string(Timestamp.iso(replica.wallClock.now())),
        ]
        let audit = replica.draft("verification answered", "\(question.dataset)/\(question.key)",
                                  "asked by \(question.asker) about \(question.values.keys.sorted().joined(separator: ",")): \(answer.result.rawValue)")
        try replica.transaction(from: nil, cursor: nil, audit: { _ in audit }) { emit, _ in
            let hlc = replica.tick()
            try emit(EncodedChange(Change.write(dataset: Self.logDataset, key: "\(question.asker)-\(String(hlc, radix: 36))",
                                                region: replica.node.region, values: entry, origin: replica.nodeID, hlc: hlc)))
        }
    }

    /// The answers logged here, newest first: each entry's values (asker, dataset, key, items, result, at).
    public func logged(limit: Int = 1000) throws -> [[String: String]] {
        try replica.store.read { try $0.records(dataset: Self.logDataset, regionPrefix: "", includeDeleted: false, limit: .max) }
            .map { $0.state.items.mapValues { $0.value.description } }
            .sorted { ($0["at"] ?? "") > ($1["at"] ?? "") }
            .prefix(limit).map { $0 }
    }
}

extension ApplyRun {
    /// Logs a verification answer given here; the log never comes from a neighbour.
    mutating func applyVerificationLog(_ encoded: EncodedChange) throws {
        guard from == nil else {
            throw ReplicationError("\(VerificationService.logDataset) is kept where it is written: no neighbour sends it", kind: .forbidden)
        }
        _ = try join(encoded.change, bytes: encoded.bytes)
    }
}

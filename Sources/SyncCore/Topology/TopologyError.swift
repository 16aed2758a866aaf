/// One thing wrong with a topology, naming the node and the field.
public struct TopologyProblem: Sendable, Equatable, CustomStringConvertible {
    /// The node's id (or its position when it has none); nil for federation-wide problems.
    public let node: String?
    /// The field at fault, e.g. "region".
    public let field: String
    /// What is wrong and what is expected.
    public let message: String

    public init(node: String?, field: String, message: String) {
        self.node = node
        self.field = field
        self.message = message
    }

    public var description: String {
        if let node { return "node '\(node)', field '\(field)': \(message)" }
        return "field '\(field)': \(message)"
    }
}

/// A topology that failed validation, with every problem found.
public struct TopologyError: Error, Sendable, CustomStringConvertible {
    public let problems: [TopologyProblem]
    /// The file it was read from, when known.
    public var file: String?

    public init(problems: [TopologyProblem], file: String? = nil) {
        self.problems = problems
        self.file = file
    }

    public var description: String {
        let head = "invalid topology\(file.map { " \($0)" } ?? ""): \(problems.count) problem\(problems.count == 1 ? "" : "s")"
        return ([head] + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}

import Foundation

/// One thing wrong with a catalog entry, naming the field.
public struct CatalogProblem: Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String
    public var description: String { "\(field): \(message)" }
}

/// A catalog entry that failed validation, with every problem found.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    public let entry: String
    public let problems: [CatalogProblem]
    public var description: String {
        (["catalog entry '\(entry)' is not valid (\(problems.count) problem\(problems.count == 1 ? "" : "s")):"]
            + problems.map { "  - \($0)" }).joined(separator: "\n")
    }
}

extension CatalogEntry {
    /// Every rule the regulations set, checked against `topology`.
    public func problems(in topology: Topology) -> [CatalogProblem] {
        var problems: [CatalogProblem] = []
        func add(_ field: String, _ message: String) { problems.append(CatalogProblem(field: field, message: message)) }
        func required(_ field: String, _ value: String?) {
            if (value ?? "").trimmingCharacters(in: .whitespaces).isEmpty { add(field, "is required") }
        }
        func oneOf(_ field: String, _ value: String, _ allowed: [String]) {
            if !allowed.contains(value) { add(field, "'\(value)' is not one of \(allowed.joined(separator: ", "))") }
        }
        if !TopologyValidator.isValidIdentifier(id) { add("id", "'\(id)' must be lowercase letters, digits and '-'") }
        for (field, value) in [("name", name), ("summary", summary), ("provider", provider), ("sourceNode", sourceNode),
                               ("format", format), ("classification.category", classification.category),
                               ("classification.grade", classification.grade), ("contact.name", contact.name),
                               ("contact.phone", contact.phone), ("keyItem", keyItem), ("regionItem", regionItem)] {
            required(field, value)
        }
        if !sourceNode.isEmpty && topology.node(sourceNode) == nil { add("sourceNode", "'\(sourceNode)' is not a node of this federation") }
        oneOf("shareType", shareType, ShareType.allCases.map(\.rawValue))
        oneOf("openType", openType, ["unconditional", "conditional", "none"])
        oneOf("shareMethod", shareMethod, ["api", "file", "table"])
        oneOf("updateFrequency", updateFrequency, CatalogEntry.frequencies)
        oneOf("backflow", backflow, BackflowScope.allCases.map(\.rawValue))
        oneOf("status", status, ["draft", "published", "withdrawn"])
        if shareType == "conditional" { required("shareConditions", shareConditions) }
        if shareType == "none" { required("legalBasis", legalBasis) }
        if version < 1 { add("version", "must be 1 or more") }
        if items.isEmpty { add("items", "a dataset needs at least one data item") }
        let names = items.map(\.name)
        if Set(names).count != names.count { add("items", "two items have the same name") }
        if !keyItem.isEmpty && !names.contains(keyItem) { add("keyItem", "'\(keyItem)' is not one of the items") }
        if !regionItem.isEmpty && !names.contains(regionItem) { add("regionItem", "'\(regionItem)' is not one of the items") }
        for (i, item) in items.enumerated() {
            if item.name.isEmpty { add("items[\(i)].name", "is required") }
            if item.title.isEmpty { add("items[\(i)].title", "is required") }
            if let authority = item.authority, topology.node(authority) == nil {
                add("items[\(i)].authority", "'\(authority)' is not a node of this federation")
            }
        }
        return problems
    }

    /// Throws every problem at once.
    public func validate(in topology: Topology) throws(CatalogError) {
        let found = problems(in: topology)
        if !found.isEmpty { throw CatalogError(entry: id, problems: found) }
    }
}

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
        for (i, system) in (systems ?? []).enumerated() where !SystemName.isValid(system) {
            add("systems[\(i)]", "'\(system.prefix(40))' must be 1-63 letters, digits and '-'")
        }
        for (i, item) in items.enumerated() {
            if item.name.isEmpty { add("items[\(i)].name", "is required") }
            else if !ItemName.isValid(item.name) { add("items[\(i)].name", "'\(item.name.prefix(40))' must be 1-64 ASCII letters, digits, '_' or '-'") }
            if item.title.isEmpty { add("items[\(i)].title", "is required") }
            if let authority = item.authority, topology.node(authority) == nil {
                add("items[\(i)].authority", "'\(authority)' is not a node of this federation")
            }
            for problem in item.rules?.problems() ?? [] { add("items[\(i)].rules", problem) }
            if let element = item.element, element.isEmpty || element.utf8.count > 64 { add("items[\(i)].element", "a data element code is 1-64 characters") }
        }
        return problems
    }

    /// Throws every problem at once.
    /// - Parameter publishing: the source publishes it now: the rules added since older versions
    ///   apply too (a conditional entry names its basis, 汕尾 §14). Entries relayed are held to the
    ///   rules of the version that published them, so an upgrade never cuts a federation's catalog.
    public func validate(in topology: Topology, publishing: Bool = false) throws(CatalogError) {
        var found = problems(in: topology)
        if publishing { found += publishingProblems(in: topology) }
        if !found.isEmpty { throw CatalogError(entry: id, problems: found) }
    }
}

extension CatalogEntry {
    /// The rules added since earlier versions, checked when the source publishes (坪山 §9, §17; 汕尾 §14):
    /// related system, usage conditions and purpose; a conditional entry's basis; a grade from the
    /// policy's vocabulary; a spatial dataset's coordinate reference system.
    func publishingProblems(in topology: Topology) -> [CatalogProblem] {
        var problems: [CatalogProblem] = []
        func blank(_ value: String?) -> Bool { (value ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
        for (field, value, why) in [("relatedSystem", relatedSystem, "关联系统"), ("usageConditions", usageConditions, "使用条件"), ("purpose", purpose, "用途")]
        where blank(value) {
            problems.append(CatalogProblem(field: field, message: "is required (\(why), 坪山 §17)"))
        }
        if shareType == "conditional", blank(shareBasis) {
            problems.append(CatalogProblem(field: "shareBasis", message: "is required when shareType is conditional (共享依据, 汕尾 §14)"))
        }
        let grades = topology.policy.grades
        if !grades.contains(classification.grade) {
            problems.append(CatalogProblem(field: "classification.grade", message: "'\(classification.grade.prefix(20))' is not one of the policy's grades: \(grades.joined(separator: ", "))"))
        }
        if isSpatial {
            if let crs {
                if crs != Self.cgcs2000 && !topology.policy.allowedCRS.contains(crs) {
                    problems.append(CatalogProblem(field: "crs", message: "'\(crs.prefix(40))' is not CGCS2000 (\(Self.cgcs2000), 坪山 §9); convert the data, or list it in the policy's allowedCRS"))
                }
            } else {
                problems.append(CatalogProblem(field: "crs", message: "a spatial dataset (\(Self.spatialCategory)) must declare its coordinate reference system, e.g. \(Self.cgcs2000)"))
            }
        }
        return problems
    }
}

/// A data item's name: 1-64 ASCII letters, digits, '_' or '-' (the same bytes everywhere, no look-alikes).
public enum ItemName {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy {
            ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || $0 == 45
        }
    }
}

/// A source system's name, as its certificate carries it: 1-63 letters, digits and '-'.
public enum SystemName {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 63 && !name.hasPrefix("-") && name.utf8.allSatisfy {
            ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45
        }
    }
}

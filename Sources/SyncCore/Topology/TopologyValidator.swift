/// The rules a topology must satisfy, each reported with the node and field.
enum TopologyValidator {
    static func problems(in topology: Topology) -> [TopologyProblem] {
        var problems: [TopologyProblem] = []
        func add(_ node: String?, _ field: String, _ message: String) {
            problems.append(TopologyProblem(node: node, field: field, message: message))
        }
        if !isValidIdentifier(topology.federation) {
            add(nil, "federation", "'\(topology.federation)' must be lowercase letters, digits and '-'")
        }
        if topology.nodes.isEmpty { add(nil, "nodes", "the topology has no nodes") }

        var seenIDs: Set<String> = []
        var seenURLs: [String: String] = [:]
        for node in topology.nodes {
            if !isValidIdentifier(node.id) {
                add(node.id, "id", "'\(node.id)' must be 1-63 lowercase letters, digits and '-'")
            }
            if !seenIDs.insert(node.id).inserted { add(node.id, "id", "the id is used by more than one node") }
            if node.name.isEmpty { add(node.id, "name", "the display name is empty") }
            if let parts = URLParts(node.url) {
                let key = "\(parts.host.lowercased()):\(parts.port)"
                if let other = seenURLs[key] {
                    add(node.id, "url", "\(node.url) is also the URL of node '\(other)'")
                } else {
                    seenURLs[key] = node.id
                }
            } else {
                add(node.id, "url", "'\(node.url)' must be https://HOST:PORT")
            }
            if let level = node.tier.regionLevel, node.region.level != level {
                add(node.id, "region", "\(node.region) is a \(node.region.level) code but the node's tier is \(node.tier)")
            }
            if let admin = node.adminPort, !(1...65535).contains(admin) {
                add(node.id, "adminPort", "\(admin) is not a TCP port")
            }
        }

        let roots = topology.nodes.filter { $0.parent == nil }
        if roots.count > 1 {
            add(nil, "parent", "there must be exactly one root; these have no parent: \(roots.map(\.id).joined(separator: ", "))")
        } else if roots.isEmpty && !topology.nodes.isEmpty {
            add(nil, "parent", "there is no root: every node names a parent")
        }
        if let root = roots.first, roots.count == 1, root.tier == .vertical || root.tier == .district {
            add(root.id, "tier", "the root must be a province or a city, not a \(root.tier)")
        }

        for node in topology.nodes {
            guard let parentID = node.parent else { continue }
            guard let parent = topology.node(parentID) else {
                add(node.id, "parent", "'\(parentID)' is not a node of this topology")
                continue
            }
            if parentID == node.id { add(node.id, "parent", "a node cannot be its own parent"); continue }
            if !tierMayHang(node.tier, under: parent.tier) {
                add(node.id, "tier", "a \(node.tier) node cannot hang under \(parent.tier) node '\(parent.id)'")
            }
            if node.tier != .vertical, let level = parent.tier.regionLevel,
               !parent.region.contains(node.region, at: level) {
                add(node.id, "region", "\(node.region) is not within parent '\(parent.id)' region \(parent.region)")
            }
        }

        for node in topology.nodes where node.parent != nil {
            var seen: Set<String> = [node.id]
            var cursor = node.parent
            while let id = cursor, let next = topology.node(id) {
                if !seen.insert(id).inserted {
                    add(node.id, "parent", "the chain of parents loops back (\(seen.sorted().joined(separator: " → ")))")
                    break
                }
                cursor = next.parent
            }
        }
        var seenDatasets: Set<String> = []
        for dataset in topology.datasets {
            let label = "dataset \(dataset.id)"
            if !seenDatasets.insert(dataset.id).inserted { add(label, "id", "the dataset id is used twice") }
            if topology.node(dataset.sourceNode) == nil {
                add(label, "sourceNode", "'\(dataset.sourceNode)' is not a node of this topology")
            }
            let names = Set(dataset.items.map(\.name))
            if names.count != dataset.items.count { add(label, "items", "two items have the same name") }
            if !names.contains(dataset.keyItem) { add(label, "keyItem", "'\(dataset.keyItem)' is not one of its items") }
            if !names.contains(dataset.regionItem) { add(label, "regionItem", "'\(dataset.regionItem)' is not one of its items") }
            for item in dataset.items {
                if let authority = item.authority, topology.node(authority) == nil {
                    add(label, "items.\(item.name).authority", "'\(authority)' is not a node of this topology")
                }
            }
        }
        for problem in WorkingCalendar.problems(in: topology.policy) { add(nil, problem.field, problem.message) }
        let policy = topology.policy
        if !Policy.unsharedPolicies.contains(policy.unsharedDatasets) {
            add(nil, "policy.unsharedDatasets", "'\(policy.unsharedDatasets.prefix(40))' is not one of \(Policy.unsharedPolicies.joined(separator: ", "))")
        }
        if !Policy.grantEndPolicies.contains(policy.grantEnd) {
            add(nil, "policy.grantEnd", "'\(policy.grantEnd.prefix(40))' is not one of \(Policy.grantEndPolicies.joined(separator: ", "))")
        }
        for (field, days) in [("shareRequestDays", policy.shareRequestDays), ("correctionAcknowledgeDays", policy.correctionAcknowledgeDays),
                              ("correctionResolveDays", policy.correctionResolveDays), ("correctionExtensionDays", policy.correctionExtensionDays),
                              ("rectificationDays", policy.rectificationDays)] where days < 1 || days > 60 {
            add(nil, "policy.\(field)", "must be 1 to 60 working days, not \(days)")
        }
        return problems
    }

    static func tierMayHang(_ child: Tier, under parent: Tier) -> Bool {
        switch (child, parent) {
        case (.city, .province), (.district, .city), (.vertical, .province), (.vertical, .city): true
        default: false
        }
    }

    static func isValidIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 63 && !text.hasPrefix("-") && text.utf8.allSatisfy {
            ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45
        }
    }
}

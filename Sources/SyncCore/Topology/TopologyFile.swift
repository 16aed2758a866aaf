import Foundation

/// Reading a topology from its JSON file:
/// `{"federation": "gd-demo", "policy": {...}, "nodes": [{"id", "tier", "region", "parent", "name", "url"}]}`.
/// Fields are read leniently first so that every problem, including an invalid
/// tier or region code, is reported with its node and field.
extension Topology {
    /// Parses and validates topology JSON.
    public static func decode(_ data: Data, file: String? = nil) throws(TopologyError) -> Topology {
        let raw: RawTopology
        do {
            raw = try JSONDecoder().decode(RawTopology.self, from: data)
        } catch {
            throw TopologyError(problems: [TopologyProblem(node: nil, field: "(file)", message: "not valid topology JSON: \(describe(error))")], file: file)
        }
        var problems: [TopologyProblem] = []
        var nodes: [NodeEntry] = []
        for (i, node) in raw.nodes.enumerated() {
            let label = node.id ?? "#\(i + 1)"
            func missing(_ field: String) { problems.append(TopologyProblem(node: label, field: field, message: "is required")) }
            guard let id = node.id else { missing("id"); continue }
            guard let tierText = node.tier else { missing("tier"); continue }
            guard let tier = Tier(rawValue: tierText) else {
                problems.append(TopologyProblem(node: label, field: "tier", message: "'\(tierText)' is not one of province, city, district, vertical"))
                continue
            }
            guard let regionText = node.region else { missing("region"); continue }
            let region: RegionCode
            do { region = try RegionCode(regionText) } catch {
                problems.append(TopologyProblem(node: label, field: "region", message: error.description))
                continue
            }
            guard let name = node.name else { missing("name"); continue }
            guard let url = node.url else { missing("url"); continue }
            nodes.append(NodeEntry(id: id, tier: tier, region: region, parent: node.parent, name: name, url: url, adminPort: node.adminPort))
        }
        if !problems.isEmpty { throw TopologyError(problems: problems, file: file) }
        do {
            return try Topology(federation: raw.federation, policy: raw.policy ?? Policy(), nodes: nodes, datasets: raw.datasets ?? [])
        } catch {
            throw TopologyError(problems: error.problems, file: file)
        }
    }

    /// Reads and validates a topology file.
    public static func load(path: String) throws(TopologyError) -> Topology {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TopologyError(problems: [TopologyProblem(node: nil, field: "(file)", message: "cannot read it; check the path")], file: path)
        }
        return try decode(data, file: path)
    }
}

private struct RawTopology: Decodable {
    var federation: String
    var policy: Policy?
    var nodes: [RawNode]
    var datasets: [DatasetDefinition]?
}

private struct RawNode: Decodable {
    var id: String?
    var tier: String?
    var region: String?
    var parent: String?
    var name: String?
    var url: String?
    var adminPort: Int?
}

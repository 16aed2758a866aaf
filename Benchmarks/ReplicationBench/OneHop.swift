import Foundation
import SyncCore
import SyncEngine
import SyncTesting

/// The federation the in-process modes work on: a province, a city and a district with the
/// bench's dataset, certificates issued, the district's and the city's engines opened here.
enum OneHop {
    static func open(directory: String) throws -> (fleet: Fleet, district: Replica, city: Replica) {
        let layout = try FleetTopology(federation: "bench", nodes: [
            .init(id: "gd", tier: "province", region: "440000", name: "广东省"),
            .init(id: "sz", tier: "city", region: "440300", parent: "gd", name: "深圳市"),
            .init(id: "sz-pingshan", tier: "district", region: "440310", parent: "sz", name: "坪山区"),
        ], datasets: [Rows.dataset], policy: ["maxOutboxEntries": 100_000_000])
        let fleet = try Fleet(directory: directory, topologyPath: "\(directory)/topology.json", binary: Fleet.executable(named: "syncnode"))
        try layout.write(to: fleet.topologyPath)
        try fleet.issueCertificates(caName: "bench CA")
        return (fleet, try fleet.replica("sz-pingshan"), try fleet.replica("sz"))
    }

    /// Row `n`'s items as a writer takes them.
    static func values(_ rows: Rows, _ n: Int) -> [String: JSONValue] {
        guard case .object(let members) = (try? JSONNode.parse(Array(rows.json(n).utf8))) ?? .null else { return [:] }
        return Dictionary(uniqueKeysWithValues: members.map { ($0.0, (try? JSONValue(node: $0.1)) ?? .null) })
    }
}

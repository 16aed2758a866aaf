import Foundation
import SyncCore

/// Renders the federation as a tree with, for each node, when its parent last heard from it.
enum FederationTree {
    static func render(topology: Topology, stores: (String) throws -> Store, now: Date = Date()) throws -> String {
        var lines: [(String, String)] = []
        func visit(_ node: NodeEntry, prefix: String, isLast: Bool, isRoot: Bool) throws {
            let branch = isRoot ? "" : prefix + (isLast ? "└─ " : "├─ ")
            let label = "\(branch)\(node.name) \(node.id) (\(node.tier.rawValue) \(node.region))"
            var heard = ""
            if let parent = node.parent {
                let health = try? stores(parent).peerHealth()[node.id]
                heard = health?.lastHeardAt.map { "heard by \(parent) \(Timestamp.ago($0, now: now))" } ?? "never heard by \(parent)"
            }
            lines.append((label, heard))
            let children = topology.children(of: node.id)
            let childPrefix = isRoot ? "" : prefix + (isLast ? "   " : "│  ")
            for (i, child) in children.enumerated() {
                try visit(child, prefix: childPrefix, isLast: i == children.count - 1, isRoot: false)
            }
        }
        try visit(topology.root, prefix: "", isLast: true, isRoot: true)
        let width = lines.map { Table.width($0.0) }.max() ?? 0
        return lines.map { $0.0 + String(repeating: " ", count: width - Table.width($0.0) + 3) + $0.1 }.joined(separator: "\n") + "\n"
    }
}

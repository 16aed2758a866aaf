import Foundation
import SyncCore

/// The federation below a node drawn as an org chart in inline SVG, rendered
/// on the server: each node a box coloured by state, named in Chinese, with
/// its outbox and lag; its full report on hover. Healthy branches of a large
/// tree fold into one box; troubled ones open. Children wrap into rows so the
/// map fits a 1,024 px screen.
enum FederationMap {
    /// Below this many nodes every branch is drawn open.
    static let openAll = 40
    static let box = (width: 128, height: 50)
    static let gap = (x: 12, y: 26)
    static let indent = 22
    static let maxRowWidth = 1180

    struct Node {
        var entry: FederationTreeStatus.Entry
        var children: [Node]
        /// Descendants hidden in this box (a folded healthy branch).
        var folded: Int
    }

    /// The map's SVG; `link(id)` gives the page a box links to, if any.
    static func svg(_ tree: FederationTreeStatus, link: (String) -> String?) -> String {
        guard let root = build(tree) else { return "" }
        let placed = layout(root)
        var svg = "<svg class=\"map\" width=\"\(placed.width + 4)\" height=\"\(placed.height + 4)\" viewBox=\"-2 -2 \(placed.width + 4) \(placed.height + 4)\" role=\"img\" aria-label=\"联邦拓扑图 federation map\">"
        for line in placed.lines {
            svg += "<line x1=\"\(line.0)\" y1=\"\(line.1)\" x2=\"\(line.2)\" y2=\"\(line.3)\" stroke=\"#9aa5b1\" stroke-width=\"1.2\"/>"
        }
        for (node, x, y) in placed.boxes { svg += draw(node, x: x, y: y, link: link(node.entry.id)) }
        return svg + "</svg>"
    }

    /// The tree of entries, healthy branches folded when the tree is large.
    static func build(_ tree: FederationTreeStatus) -> Node? {
        guard let rootEntry = tree.nodes.first else { return nil }
        let byParent = Dictionary(grouping: tree.nodes.dropFirst(), by: { $0.parent ?? "" })
        func troubled(_ id: String) -> Bool {
            (byParent[id] ?? []).contains { $0.state != "ok" || troubled($0.id) }
        }
        func count(_ id: String) -> Int { (byParent[id] ?? []).reduce(0) { $0 + 1 + count($1.id) } }
        let expandAll = tree.nodes.count <= openAll
        func make(_ entry: FederationTreeStatus.Entry, isRoot: Bool) -> Node {
            let open = isRoot || expandAll || entry.state != "ok" || troubled(entry.id)
            guard open else { return Node(entry: entry, children: [], folded: count(entry.id)) }
            return Node(entry: entry, children: (byParent[entry.id] ?? []).map { make($0, isRoot: false) }, folded: 0)
        }
        return make(rootEntry, isRoot: true)
    }

    struct Placed {
        var boxes: [(Node, Int, Int)] = []
        var lines: [(Int, Int, Int, Int)] = []
        var width = 0
        var height = 0
    }

    /// Places a subtree with its top-left at (0, 0): the node, then its children's subtrees in rows
    /// below and to the right, joined by a trunk down the left and a bus above each row.
    static func layout(_ node: Node) -> Placed {
        var placed = Placed(boxes: [(node, 0, 0)], lines: [], width: box.width, height: box.height)
        guard !node.children.isEmpty else { return placed }
        var rows: [[Placed]] = [[]]
        var rowWidth = 0
        for child in node.children.map(layout) {
            if rowWidth > 0 && rowWidth + child.width > maxRowWidth {
                rows.append([])
                rowWidth = 0
            }
            rows[rows.count - 1].append(child)
            rowWidth += child.width + gap.x
        }
        let trunkX = indent / 2 + 4
        var y = box.height
        for row in rows {
            let busY = y + gap.y / 2
            y += gap.y
            var x = indent
            var lastCentre = trunkX
            for child in row {
                let centre = x + box.width / 2
                placed.lines.append((centre, busY, centre, y))
                placed.boxes += child.boxes.map { ($0.0, $0.1 + x, $0.2 + y) }
                placed.lines += child.lines.map { ($0.0 + x, $0.1 + y, $0.2 + x, $0.3 + y) }
                lastCentre = centre
                x += child.width + gap.x
            }
            placed.lines.append((trunkX, busY, lastCentre, busY))
            placed.lines.append((trunkX, box.height, trunkX, busY))
            placed.width = max(placed.width, x - gap.x)
            y += row.map(\.height).max() ?? 0
        }
        placed.height = y
        return placed
    }

    static let colours = ["ok": "#2f9e44", "attention": "#e67700"]

    static func draw(_ node: Node, x: Int, y: Int, link: String?) -> String {
        let e = node.entry
        let colour = colours[e.state] ?? "#c92a2a"
        let lag = e.lagSeconds.map { "\($0)s" } ?? "—"
        let figures = node.folded > 0 ? "+\(node.folded) 个正常节点" : "待发 \(e.outbox.map(String.init) ?? "—") · 延迟 \(lag)"
        let tip = "\(e.name) \(e.id) · \(e.state) · 待发送 outbox \(e.outbox.map(String.init) ?? "—") · 延迟 lag \(lag)"
            + (e.ageSeconds.map { " · 上报于 \($0) 秒前" } ?? " · 未上报")
            + (e.problems.isEmpty ? "" : " · " + e.problems.prefix(3).joined(separator: "; "))
        var g = "<g class=\"node\" data-node=\"\(HTML.e(e.id))\" data-state=\"\(HTML.e(e.state))\"\(node.folded > 0 ? " data-folded=\"\(node.folded)\"" : "")>"
        g += "<title>\(HTML.e(tip))</title>"
        g += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(box.width)\" height=\"\(box.height)\" rx=\"6\" fill=\"#fff\" stroke=\"\(colour)\" stroke-width=\"\(e.state == "ok" ? 1.5 : 3)\"/>"
        g += "<rect x=\"\(x)\" y=\"\(y)\" width=\"7\" height=\"\(box.height)\" rx=\"3\" fill=\"\(colour)\"/>"
        g += "<text x=\"\(x + 13)\" y=\"\(y + 19)\" font-size=\"13\" font-weight=\"600\" fill=\"#1f2933\">\(HTML.e(String(e.name.prefix(8))))</text>"
        g += "<text x=\"\(x + 13)\" y=\"\(y + 33)\" font-size=\"10\" fill=\"#6b7785\">\(HTML.e(String(e.id.prefix(20))))</text>"
        g += "<text x=\"\(x + 13)\" y=\"\(y + 45)\" font-size=\"10\" fill=\"\(e.state == "ok" ? "#3e4c59" : colour)\">\(HTML.e(figures))</text>"
        g += "</g>"
        return link.map { "<a href=\"\(HTML.e($0))\">\(g)</a>" } ?? g
    }
}

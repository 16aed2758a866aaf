import Foundation
import SyncCore
import SyncEngine

/// The operators' dashboard: one self-contained HTML page (no external
/// assets, no script), labelled in Chinese with English beside, refreshing
/// itself every few seconds. A map of the federation below, charts from the
/// sample ring beside each neighbour and dataset, tables for the rest; every
/// neighbour and dataset links to its own page (`DrillDown`). Rendered from
/// the status counters and the ring, never from a scan of records.
enum Dashboard {
    static func page(status: NodeStatus, tree: FederationTreeStatus, conflicts: [ConflictView], shares: [ShareView] = [],
                     corrections: [CorrectionView] = [], history: History? = nil, refreshSeconds: Int = 5) -> String {
        let neighbours = Set(status.peers.map(\.id))
        var html = ""
        if !status.attention.isEmpty {
            html += "<section><h2>需要关注 <small>Needs attention</small></h2><ul class=\"problems\">"
            html += status.attention.map { "<li>\(e($0))</li>" }.joined() + "</ul></section>\n"
        }
        html += "<section><h2>联邦拓扑 <small>Federation map — \(tree.nodes.count) nodes from here down; "
        html += tree.nodes.count > FederationMap.openAll ? "healthy branches folded, troubled ones open" : "hover a node for its report"
        html += "</small></h2><div class=\"mapbox\">"
        html += FederationMap.svg(tree) { id in id == status.node.id ? nil : neighbours.contains(id) ? "/peer/\(id)" : nil }
        html += "</div></section>\n"
        html += treeTable(tree)
        html += peersTable(status, history: history)
        html += datasetsTable(status, history: history)
        html += sharesTable(shares)
        html += correctionsTable(corrections)
        html += conflictsTable(conflicts, status: status)
        html += "<p class=\"muted\">syncnode \(SyncNodeVersion.current) · <a href=\"/metrics\">/metrics</a> · <a href=\"/api/status\">/api/status</a> · <a href=\"/api/tree\">/api/tree</a> · <a href=\"/api/history\">/api/history</a> · <a href=\"/api/conflicts\">/api/conflicts</a> · <a href=\"/api/shares\">/api/shares</a> · <a href=\"/api/corrections\">/api/corrections</a></p>\n"
        return HTML.page(title: "\(status.node.name) · syncnode 数据同步节点", heading: heading(status), subtitle: subtitle(status, refreshSeconds: refreshSeconds),
                         refreshSeconds: refreshSeconds, body: html)
    }

    static func heading(_ status: NodeStatus) -> String {
        "<a href=\"/\" style=\"text-decoration:none\">\(e(status.node.name))</a> <small>\(e(status.node.id))</small> \(badge(status.state))"
    }

    static func subtitle(_ status: NodeStatus, refreshSeconds: Int?) -> String {
        "联邦 Federation \(e(status.node.federation)) · 层级 \(e(Tier(rawValue: status.node.tier)?.chineseName ?? "")) \(e(status.node.tier)) · 区划 \(e(status.node.region)) · \(e(status.node.url)) · 更新于 \(e(String(status.generatedAt.prefix(19)).replacingOccurrences(of: "T", with: " "))) UTC"
            + (refreshSeconds.map { " · 每\($0)秒刷新" } ?? "")
    }

    /// The tree as a table, folded away behind the map when it is long.
    static func treeTable(_ tree: FederationTreeStatus) -> String {
        let long = tree.nodes.count > FederationMap.openAll
        var html = "<section><details\(long ? "" : " open")><summary><h2 style=\"display:inline\">联邦树 <small>Federation tree — every node below this one, as a table (\(tree.nodes.count))</small></h2></summary><table><tr><th>节点 Node</th><th>名称</th><th>状态 State</th><th>上报 Reported</th><th>待发送 Outbox</th><th>延迟 Lag</th><th>冲突</th><th>记录 Records</th><th>质量 Quality</th><th>问题 Problems</th></tr>\n"
        for n in tree.nodes {
            let indent = String(repeating: "&nbsp;&nbsp;&nbsp;&nbsp;", count: n.depth) + (n.depth > 0 ? "└ " : "")
            html += "<tr><td>\(indent)\(e(n.id))</td><td>\(e(n.name))</td><td>\(badge(n.state))</td>"
            html += "<td>\(n.ageSeconds.map { "\($0) 秒前" } ?? "从未")</td><td class=\"num\">\(n.outbox.map(String.init) ?? "—")</td>"
            html += "<td class=\"num\">\(n.lagSeconds.map { "\($0) s" } ?? "—")</td><td class=\"num\">\(n.conflicts.map(String.init) ?? "—")</td>"
            html += "<td class=\"num\">\(n.records.map(String.init) ?? "—")</td><td>\(e(n.quality ?? "—"))</td><td>\(e(n.problems.joined(separator: "; ")))</td></tr>\n"
        }
        return html + "</table></details></section>\n"
    }

    static func peersTable(_ status: NodeStatus, history: History?) -> String {
        var html = "<section><h2>邻居节点 <small>Peers — links to the parent and children; trends over the sample ring</small></h2><table><tr><th>节点</th><th>名称</th><th>角色 Role</th><th>状态 State</th><th>最近联系 Last heard</th><th>待发送 Outbox / lag</th><th>积压趋势 Outbox trend</th><th>延迟趋势 Lag trend</th><th>证书到期 Certificate</th><th>最近错误 Last error</th></tr>\n"
        for p in status.peers {
            let outbox = history?.series { $0.peers[p.id].map { Double($0.outbox) } } ?? []
            let lag = history?.series { $0.peers[p.id].map { Double($0.lagSeconds) } } ?? []
            html += "<tr><td><a href=\"/peer/\(e(p.id))\">\(e(p.id))</a></td><td>\(e(p.name))</td><td>\(p.role == "parent" ? "上级 parent" : "下级 child")</td>"
            html += "<td>\(badge(p.state.rawValue, label: p.state.chinese))</td><td>\(p.lastHeardSecondsAgo.map { "\($0) 秒前" } ?? "从未")</td>"
            html += "<td class=\"num\">\(p.outbox) 条 / \(p.lagSeconds) s</td>"
            html += "<td>\(Sparkline.cell(outbox, label: "待发送 outbox"))</td><td>\(Sparkline.cell(lag, label: "延迟 lag", unit: " s"))</td>"
            html += "<td>\(p.certificate.map { "\(e(String($0.notAfter.prefix(10)))) (\($0.daysLeft) 天)" } ?? "—")</td>"
            html += "<td class=\"muted\">\(e(p.lastError.map { "\(p.lastErrorAt.map { String($0.prefix(19)) } ?? "") \($0)" } ?? "—"))</td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    static func datasetsTable(_ status: NodeStatus, history: History?) -> String {
        var html = "<section><h2>数据集 <small>Datasets held here</small></h2><table><tr><th>数据集 Dataset</th><th>名称</th><th>数源节点 Source</th><th>记录数 Records</th><th>趋势 Trend</th><th>最近更新 Last update</th><th>更新频率 Frequency</th><th>质量 Quality</th></tr>\n"
        for d in status.datasets {
            let records = history?.series { $0.records[d.id].map(Double.init) } ?? []
            html += "<tr><td><a href=\"/dataset/\(e(d.id))\">\(e(d.id))</a></td><td>\(e(d.name))</td><td>\(e(d.sourceNode))</td><td class=\"num\">\(d.records)</td>"
            html += "<td>\(Sparkline.cell(records, label: "记录数 records"))</td>"
            html += "<td>\(e(d.lastUpdate.map { String($0.prefix(19)).replacingOccurrences(of: "T", with: " ") } ?? "—"))</td>"
            html += "<td>\(frequency(d))</td><td>\(quality(d))</td></tr>\n"
        }
        return html + "</table><p class=\"muted\">更新频率：数源部门最近一次写入与目录声明的更新频率比较（按时 / 即将到期 / 超期）· Update frequency: the authority's last write against the catalog entry's declared frequency.</p></section>\n"
    }

    static func frequency(_ d: NodeStatus.Dataset) -> String {
        d.frequencyStatus.map { "\(e(d.updateFrequency ?? "")) · \(badge($0 == .onTime ? "ok" : $0.rawValue, label: $0.chinese))" } ?? "—"
    }

    static func quality(_ d: NodeStatus.Dataset) -> String {
        d.quality.map { String(format: "完整率 %.1f%% · 问题率 %.1f%%", $0.completeness * 100, $0.invalidRate * 100) } ?? "—"
    }

    static func sharesTable(_ shares: [ShareView]) -> String {
        guard !shares.isEmpty else { return "" }
        var html = "<section><h2>共享申请 <small>Share requests (有条件共享) made, answered or filed (备案) here</small></h2>"
        html += "<table><tr><th>申请 ID</th><th>数据集 Dataset</th><th>申请方 Requester</th><th>数源 Source</th><th>角色 Role</th><th>状态 Status</th><th>答复期限 Deadline</th><th>使用 Use</th></tr>\n"
        for v in shares.prefix(50) {
            let state = v.overdue ? badge("overdue", label: "超期") : e(v.status) + (v.workingDaysLeft.map { " · 剩 \($0) 个工作日" } ?? "")
            html += "<tr><td>\(e(v.id))</td><td><a href=\"/dataset/\(e(v.dataset))\">\(e(v.dataset))</a></td><td>\(e(v.requester))</td><td>\(e(v.source))</td><td>\(e(v.role))</td>"
            html += "<td>\(state)</td><td>\(e(v.deadline))</td><td>\(v.usage.map { "\($0.reads) 次读取 · \($0.exports) 次导出" } ?? "—")</td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    static func correctionsTable(_ corrections: [CorrectionView]) -> String {
        guard !corrections.isEmpty else { return "" }
        var html = "<section><h2>纠错与整改 <small>Corrections and rectification notices</small></h2>"
        html += "<table><tr><th>ID</th><th>类型 Kind</th><th>数据 Dataset / key</th><th>提出方 Filer</th><th>数源 Authority</th><th>角色 Role</th><th>状态 Status</th><th>期限 Deadline</th></tr>\n"
        for v in corrections.prefix(50) {
            let state = v.escalated ? badge("escalated", label: "已升级") : v.overdue ? badge("overdue", label: "超期") : e(v.status)
            html += "<tr><td>\(e(v.id))</td><td>\(v.kind == "notice" ? "整改通知" : "纠错")</td><td>\(e(v.dataset + (v.key.map { "/\($0)" } ?? "")))</td>"
            html += "<td>\(e(v.filer))</td><td>\(e(v.authority))</td><td>\(e(v.role))</td><td>\(state)</td><td>\(e(v.deadline))</td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    static func conflictsTable(_ conflicts: [ConflictView], status: NodeStatus) -> String {
        var html = "<section><h2>冲突 <small>Conflicts — non-authority writes, never applied (一数一源): \(status.conflicts) here, \(status.conflictsForThisNode) addressed to this node</small></h2>"
        if conflicts.isEmpty { return html + "<p class=\"muted\">无冲突 None.</p></section>\n" }
        html += "<table><tr><th>ID</th><th>数据集</th><th>记录 Key</th><th>数据项 Item</th><th>提出方 Proposed by</th><th>提议值 Proposed</th><th>当前值 Current</th><th>数源 Authority</th><th>收到 Received</th></tr>\n"
        for c in conflicts.prefix(50) {
            html += "<tr><td>\(e(c.id))</td><td>\(e(c.dataset))</td><td>\(e(c.key))</td><td>\(e(c.item))</td><td>\(e(c.origin))</td><td>\(e(c.proposedValue.description))</td>"
            html += "<td>\(e(c.currentValue?.description ?? "—"))</td><td>\(e(c.authority))</td><td>\(e(String(c.receivedAt.prefix(19))))</td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    static func e(_ text: String) -> String { HTML.e(text) }
    static func badge(_ state: String, label: String? = nil) -> String { HTML.badge(state, label: label) }
}

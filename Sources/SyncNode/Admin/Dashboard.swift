import Foundation
import SyncCore
import SyncEngine

/// The operators' dashboard: one self-contained HTML page (no external
/// assets, no script), labelled in Chinese with English where useful,
/// refreshing itself every few seconds.
enum Dashboard {
    static func page(status: NodeStatus, tree: FederationTreeStatus, conflicts: [ConflictView], shares: [ShareView] = [],
                     corrections: [CorrectionView] = [], refreshSeconds: Int = 5) -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="zh-CN"><head><meta charset="utf-8">
        <meta http-equiv="refresh" content="\(refreshSeconds)">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(e(status.node.name)) · syncnode 数据同步节点</title>
        <style>
        body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;background:#f4f6f9;color:#1f2933}
        header{background:#1d4e89;color:#fff;padding:14px 24px}
        header h1{margin:0;font-size:22px} header p{margin:4px 0 0;opacity:.85;font-size:13px}
        main{padding:16px 24px} section{background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.12);margin-bottom:16px;padding:12px 16px}
        h2{font-size:16px;margin:0 0 8px} h2 small{color:#6b7785;font-weight:normal}
        table{border-collapse:collapse;width:100%;font-size:13px} th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e4e7eb}
        th{background:#f0f3f7;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff}
        .ok{background:#2f9e44}.attention{background:#e67700}.bad{background:#c92a2a}.muted{color:#6b7785}
        ul.problems{margin:0;padding-left:20px;color:#a61e4d}
        </style></head><body>
        <header><h1>\(e(status.node.name)) <small>\(e(status.node.id))</small> \(badge(status.state))</h1>
        <p>联邦 Federation \(e(status.node.federation)) · 层级 \(e(Tier(rawValue: status.node.tier)?.chineseName ?? "")) \(e(status.node.tier)) · 区划 \(e(status.node.region)) · \(e(status.node.url)) · 更新于 \(e(String(status.generatedAt.prefix(19)).replacingOccurrences(of: "T", with: " "))) UTC · 每\(refreshSeconds)秒刷新</p></header>
        <main>

        """
        if !status.attention.isEmpty {
            html += "<section><h2>需要关注 <small>Needs attention</small></h2><ul class=\"problems\">"
            html += status.attention.map { "<li>\(e($0))</li>" }.joined() + "</ul></section>\n"
        }
        html += "<section><h2>联邦树 <small>Federation tree — every node below this one</small></h2><table><tr><th>节点 Node</th><th>名称</th><th>状态 State</th><th>上报 Reported</th><th>待发送 Outbox</th><th>延迟 Lag</th><th>冲突</th><th>记录 Records</th><th>问题 Problems</th></tr>\n"
        for n in tree.nodes {
            let indent = String(repeating: "&nbsp;&nbsp;&nbsp;&nbsp;", count: n.depth) + (n.depth > 0 ? "└ " : "")
            html += "<tr><td>\(indent)\(e(n.id))</td><td>\(e(n.name))</td><td>\(badge(n.state))</td>"
            html += "<td>\(n.ageSeconds.map { "\($0) 秒前" } ?? "从未")</td><td class=\"num\">\(n.outbox.map(String.init) ?? "—")</td>"
            html += "<td class=\"num\">\(n.lagSeconds.map { "\($0) s" } ?? "—")</td><td class=\"num\">\(n.conflicts.map(String.init) ?? "—")</td>"
            html += "<td class=\"num\">\(n.records.map(String.init) ?? "—")</td><td>\(e(n.problems.joined(separator: "; ")))</td></tr>\n"
        }
        html += "</table></section>\n"
        html += "<section><h2>邻居节点 <small>Peers — links to the parent and children</small></h2><table><tr><th>节点</th><th>名称</th><th>角色 Role</th><th>状态 State</th><th>最近联系 Last heard</th><th>待发送 Lag</th><th>游标 Cursors</th><th>证书到期 Certificate</th><th>最近错误 Last error</th></tr>\n"
        for p in status.peers {
            let cursors = p.cursors.keys.sorted().map { "\($0)=\(p.cursors[$0]!)" }.joined(separator: " ")
            html += "<tr><td>\(e(p.id))</td><td>\(e(p.name))</td><td>\(p.role == "parent" ? "上级 parent" : "下级 child")</td>"
            html += "<td>\(badge(p.state.rawValue, label: p.state.chinese))</td><td>\(p.lastHeardSecondsAgo.map { "\($0) 秒前" } ?? "从未")</td>"
            html += "<td class=\"num\">\(p.outbox) 条 / \(p.lagSeconds) s</td><td>\(e(cursors))</td>"
            html += "<td>\(p.certificate.map { "\(e(String($0.notAfter.prefix(10)))) (\($0.daysLeft) 天)" } ?? "—")</td>"
            html += "<td class=\"muted\">\(e(p.lastError.map { "\(p.lastErrorAt.map { String($0.prefix(19)) } ?? "") \($0)" } ?? "—"))</td></tr>\n"
        }
        html += "</table></section>\n"
        html += "<section><h2>数据集 <small>Datasets held here</small></h2><table><tr><th>数据集 Dataset</th><th>名称</th><th>数源节点 Source</th><th>记录数 Records</th><th>最近更新 Last update</th><th>更新频率 Frequency</th><th>质量 Quality</th></tr>\n"
        for d in status.datasets {
            html += "<tr><td>\(e(d.id))</td><td>\(e(d.name))</td><td>\(e(d.sourceNode))</td><td class=\"num\">\(d.records)</td>"
            html += "<td>\(e(d.lastUpdate.map { String($0.prefix(19)).replacingOccurrences(of: "T", with: " ") } ?? "—"))</td>"
            html += "<td>\(d.frequencyStatus.map { "\(e(d.updateFrequency ?? "")) · \(badge($0 == .onTime ? "ok" : $0.rawValue, label: $0.chinese))" } ?? "—")</td>"
            html += "<td>\(d.quality.map { String(format: "完整率 %.1f%% · 问题率 %.1f%%", $0.completeness * 100, $0.invalidRate * 100) } ?? "—")</td></tr>\n"
        }
        html += "</table><p class=\"muted\">更新频率：数源部门最近一次写入与目录声明的更新频率比较（按时 / 即将到期 / 超期）· Update frequency: the authority's last write against the catalog entry's declared frequency.</p></section>\n"
        html += "<section><h2>冲突 <small>Conflicts — non-authority writes, never applied (一数一源): \(status.conflicts) here, \(status.conflictsForThisNode) addressed to this node</small></h2>"
        if conflicts.isEmpty {
            html += "<p class=\"muted\">无冲突 None.</p>"
        } else {
            html += "<table><tr><th>数据集</th><th>记录 Key</th><th>数据项 Item</th><th>提出方 Proposed by</th><th>提议值 Proposed</th><th>当前值 Current</th><th>数源 Authority</th><th>收到 Received</th></tr>\n"
            for c in conflicts.prefix(50) {
                html += "<tr><td>\(e(c.dataset))</td><td>\(e(c.key))</td><td>\(e(c.item))</td><td>\(e(c.origin))</td><td>\(e(c.proposedValue.description))</td>"
                html += "<td>\(e(c.currentValue?.description ?? "—"))</td><td>\(e(c.authority))</td><td>\(e(String(c.receivedAt.prefix(19))))</td></tr>\n"
            }
            html += "</table>"
        }
        html += "</section>\n"
        if !shares.isEmpty {
            html += "<section><h2>共享申请 <small>Share requests (有条件共享) made, answered or filed (备案) here</small></h2>"
            html += "<table><tr><th>申请 ID</th><th>数据集 Dataset</th><th>申请方 Requester</th><th>数源 Source</th><th>角色 Role</th><th>状态 Status</th><th>答复期限 Deadline</th><th>使用 Use</th></tr>\n"
            for v in shares.prefix(50) {
                let state = v.overdue ? badge("overdue", label: "超期") : e(v.status) + (v.workingDaysLeft.map { " · 剩 \($0) 个工作日" } ?? "")
                html += "<tr><td>\(e(v.id))</td><td>\(e(v.dataset))</td><td>\(e(v.requester))</td><td>\(e(v.source))</td><td>\(e(v.role))</td>"
                html += "<td>\(state)</td><td>\(e(v.deadline))</td><td>\(v.usage.map { "\($0.reads) 次读取 · \($0.exports) 次导出" } ?? "—")</td></tr>\n"
            }
            html += "</table></section>\n"
        }
        if !corrections.isEmpty {
            html += "<section><h2>纠错与整改 <small>Corrections and rectification notices</small></h2>"
            html += "<table><tr><th>ID</th><th>类型 Kind</th><th>数据 Dataset / key</th><th>提出方 Filer</th><th>数源 Authority</th><th>角色 Role</th><th>状态 Status</th><th>期限 Deadline</th></tr>\n"
            for v in corrections.prefix(50) {
                let state = v.escalated ? badge("escalated", label: "已升级") : v.overdue ? badge("overdue", label: "超期") : e(v.status)
                html += "<tr><td>\(e(v.id))</td><td>\(v.kind == "notice" ? "整改通知" : "纠错")</td><td>\(e(v.dataset + (v.key.map { "/\($0)" } ?? "")))</td>"
                html += "<td>\(e(v.filer))</td><td>\(e(v.authority))</td><td>\(e(v.role))</td><td>\(state)</td><td>\(e(v.deadline))</td></tr>\n"
            }
            html += "</table></section>\n"
        }
        html += "<p class=\"muted\">syncnode \(SyncNodeVersion.current) · <a href=\"/metrics\">/metrics</a> · <a href=\"/api/status\">/api/status</a> · <a href=\"/api/tree\">/api/tree</a> · <a href=\"/api/conflicts\">/api/conflicts</a> · <a href=\"/api/shares\">/api/shares</a> · <a href=\"/api/corrections\">/api/corrections</a></p></main></body></html>\n"
        return html
    }

    static func badge(_ state: String, label: String? = nil) -> String {
        let names = ["ok": "正常", "attention": "需关注", "silent": "失联", "never-reported": "未上报"]
        let kind = state == "ok" ? "ok" : (state == "silent" || state == "never-reported" || state == "never-connected" || state == "failing") ? "bad" : "attention"
        return "<span class=\"badge \(kind)\">\(e(label ?? names[state] ?? state)) \(e(state))</span>"
    }

    /// HTML-escapes text, scalar by scalar: a character that fuses a markup
    /// character with a combining or prepended scalar is escaped all the same.
    static func e(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{0}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

import Foundation
import SyncCore
import SyncEngine

/// The dashboard's pages for one neighbour and one dataset, linked from the main page.
enum DrillDown {
    /// A neighbour: its link state, cursors, certificate, recent errors with their times, and charts.
    static func peer(_ id: String, status: NodeStatus, history: History?) -> String? {
        guard let p = status.peers.first(where: { $0.id == id }) else { return nil }
        var facts: [(String, String)] = [
            ("角色 role", p.role == "parent" ? "上级 parent" : "下级 child"), ("状态 state", HTML.badge(p.state.rawValue, label: p.state.chinese)),
            ("方向 direction", HTML.e(p.direction)), ("最近联系 last heard", HTML.e(p.lastHeard.map { "\($0) (\(p.lastHeardSecondsAgo ?? 0) 秒前)" } ?? "从未 never")),
            ("待发送 outbox", "\(p.outbox) 条，最早等待 \(p.lagSeconds) 秒"), ("全量同步 resync owed", p.resyncOwed ? "是 yes" : "否 no"),
            ("连续失败 failures", "\(p.consecutiveFailures)\(p.retrying ? "（重试中 retrying）" : "")"),
            ("时钟偏差 clock skew", p.clockSkewSeconds.map { String(format: "%+.1f s", $0) } ?? "—"),
            ("证书到期 certificate", HTML.e(p.certificate.map { "\($0.notAfter.prefix(10)) (\($0.daysLeft) 天)\($0.warning.map { " ⚠ \($0)" } ?? "")" } ?? "—")),
        ]
        facts += p.cursors.keys.sorted().map { ("游标 cursor \(HTML.e($0))", String(p.cursors[$0]!)) }
        var html = "<section><h2>\(HTML.e(p.name)) <small>\(HTML.e(p.id)) · 邻居 neighbour</small></h2>\(dl(facts))</section>\n"
        let charts: [(String, String, (HistorySample.Peer) -> Double)] = [
            ("待发送 Outbox", "", { Double($0.outbox) }), ("延迟 Lag", " s", { Double($0.lagSeconds) }),
            ("收到的变更 Changes in", "", { Double($0.changesIn) }), ("发出的变更 Changes out", "", { Double($0.changesOut) }),
        ]
        html += "<section><h2>趋势 <small>Trends — one sample per interval, \(history?.all.count ?? 0) kept</small></h2><table><tr>"
        html += charts.map { "<th>\($0.0)</th>" }.joined() + "</tr><tr>"
        for (label, unit, value) in charts {
            let series = history?.series { $0.peers[id].map(value) } ?? []
            html += "<td>\(Sparkline.svg(series, label: label, unit: unit, width: 220, height: 48) ?? "<span class=\"muted\">—</span>")</td>"
        }
        html += "</tr></table></section>\n"
        let errors = history?.errors(of: id) ?? []
        html += "<section><h2>最近错误 <small>Recent errors, newest first</small></h2>"
        if errors.isEmpty && p.lastError == nil {
            html += "<p class=\"muted\">无 None.</p>"
        } else {
            html += "<table><tr><th>时间 At</th><th>错误 Error</th></tr>"
            let shown = errors.isEmpty ? [History.PeerError(at: p.lastErrorAt ?? "", error: p.lastError ?? "")] : errors
            for error in shown { html += "<tr><td>\(HTML.e(String(error.at.prefix(19)).replacingOccurrences(of: "T", with: " ")))</td><td>\(HTML.e(error.error))</td></tr>" }
            html += "</table>"
        }
        html += "</section>\n<p><a href=\"/\">← 返回 back</a></p>\n"
        return HTML.page(title: "\(p.name) · \(status.node.name)", heading: Dashboard.heading(status) + " › \(HTML.e(p.name))",
                         subtitle: Dashboard.subtitle(status, refreshSeconds: 5), refreshSeconds: 5, body: html)
    }

    /// A dataset: its catalog entry with every field, its items and their rules, counts per region,
    /// freshness, quality and the tickets about it.
    static func dataset(_ id: String, status: NodeStatus, entry: CatalogEntry?, definition: DatasetDefinition?, history: History?,
                        shares: [ShareView], corrections: [CorrectionView]) -> String? {
        guard let d = status.datasets.first(where: { $0.id == id }) else { return nil }
        var html = "<section><h2>\(HTML.e(d.name)) <small>\(HTML.e(d.id))\(d.withdrawn ? " · 已下架 withdrawn" : "")</small></h2>"
        html += dl([("记录数 records", "\(d.records) \(Sparkline.cell(history?.series { $0.records[id].map(Double.init) } ?? [], label: "记录数 records"))"),
                    ("最近更新 last update", HTML.e(d.lastUpdate ?? "—")), ("更新频率 frequency", Dashboard.frequency(d)),
                    ("最近数源写入 last authority write", HTML.e(d.lastAuthorityWrite ?? "—")), ("质量 quality", Dashboard.quality(d))])
        html += "</section>\n"
        if let entry {
            html += "<section><h2>目录信息 <small>Catalog entry (资源目录)</small></h2>\(dl(entry.labelledFacts.map { ($0.label, HTML.e($0.value)) }))</section>\n"
        }
        if let definition {
            html += "<section><h2>数据项 <small>Data items</small></h2><table><tr><th>数据项 Item</th><th>名称 Title</th><th>类型 Type</th><th>数源 Authority</th><th>数据元 Element</th><th>质量规则 Rules</th></tr>"
            for item in definition.items {
                let role = item.name == definition.keyItem ? "（主键 key）" : item.name == definition.regionItem ? "（区划 region）" : ""
                html += "<tr><td>\(HTML.e(item.name))\(role)</td><td>\(HTML.e(item.title))</td><td>\(item.type.rawValue)</td><td>\(HTML.e(item.authority ?? definition.sourceNode))</td>"
                html += "<td>\(HTML.e(item.element ?? "—"))</td><td>\(HTML.e(item.rules.map { (try? TicketJSON.encode($0)) ?? "" } ?? "—"))</td></tr>"
            }
            html += "</table></section>\n"
        }
        html += "<section><h2>各区划记录数 <small>Records per region</small></h2>"
        if let counted = history?.regionCounts(id), !counted.counts.isEmpty {
            html += "<table><tr><th>区划 Region</th><th>记录数 Records</th></tr>"
            for (region, count) in counted.counts.sorted(by: { $0.key < $1.key }).prefix(500) {
                html += "<tr><td>\(HTML.e(region))</td><td class=\"num\">\(count)</td></tr>"
            }
            html += "</table><p class=\"muted\">统计于 counted at \(HTML.e(Timestamp.iso(counted.at)))</p>"
        } else {
            html += "<p class=\"muted\">尚未统计 Not counted yet (the sampler counts regions every few minutes).</p>"
        }
        html += "</section>\n"
        html += Dashboard.sharesTable(shares.filter { $0.dataset == id })
        html += Dashboard.correctionsTable(corrections.filter { $0.dataset == id })
        html += "<p><a href=\"/\">← 返回 back</a></p>\n"
        return HTML.page(title: "\(d.name) · \(status.node.name)", heading: Dashboard.heading(status) + " › \(HTML.e(d.name))",
                         subtitle: Dashboard.subtitle(status, refreshSeconds: 30), refreshSeconds: 30, body: html)
    }

    /// A definition list of facts whose values are already HTML.
    static func dl(_ facts: [(String, String)]) -> String {
        "<dl class=\"facts\">" + facts.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>"
    }
}

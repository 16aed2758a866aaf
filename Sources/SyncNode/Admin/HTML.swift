import Foundation
import SyncCore

/// What every operators' page shares: the frame (head, style, header), escaping, state badges.
enum HTML {
    /// A whole page: `heading` is already HTML; `refreshSeconds` nil for pages that do not refresh.
    static func page(title: String, heading: String, subtitle: String, refreshSeconds: Int?, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="zh-CN"><head><meta charset="utf-8">
        \(refreshSeconds.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? "")
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(e(title))</title>
        <style>\(style)</style></head><body>
        <header><h1>\(heading)</h1><p>\(subtitle)</p></header>
        <main>
        \(body)</main></body></html>

        """
    }

    static let style = """
        body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;background:#f4f6f9;color:#1f2933}
        header{background:#1d4e89;color:#fff;padding:14px 24px}
        header h1{margin:0;font-size:22px} header p{margin:4px 0 0;opacity:.85;font-size:13px} header a{color:#fff}
        main{padding:16px 24px;max-width:1400px} section{background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.12);margin-bottom:16px;padding:12px 16px}
        h2{font-size:16px;margin:0 0 8px} h2 small{color:#6b7785;font-weight:normal}
        table{border-collapse:collapse;width:100%;font-size:13px} th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e4e7eb;vertical-align:middle}
        th{background:#f0f3f7;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
        .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff}
        .ok{background:#2f9e44}.attention{background:#e67700}.bad{background:#c92a2a}.muted{color:#6b7785}
        ul.problems{margin:0;padding-left:20px;color:#a61e4d}
        .mapbox{overflow-x:auto} svg.map text{font-family:inherit} svg.map a:hover rect{filter:brightness(.96)}
        svg.spark{vertical-align:middle} a{color:#1d4e89}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;font-size:13px;margin:0} dl.facts dt{color:#6b7785} dl.facts dd{margin:0}
        """

    static func badge(_ state: String, label: String? = nil) -> String {
        let names = ["ok": "正常", "attention": "需关注", "silent": "失联", "never-reported": "未上报"]
        let kind = state == "ok" ? "ok" : (state == "silent" || state == "never-reported" || state == "never-connected" || state == "failing" || state == "diverged") ? "bad" : "attention"
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

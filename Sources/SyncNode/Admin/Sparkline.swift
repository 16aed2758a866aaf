import Foundation

/// A small inline-SVG line chart of a series (a sparkline): no script, no
/// external asset; its title gives the range and the latest value.
enum Sparkline {
    /// `values` oldest first; nil when there are fewer than two.
    static func svg(_ values: [Double], label: String, unit: String = "", width: Int = 120, height: Int = 26) -> String? {
        guard values.count >= 2 else { return nil }
        let low = values.min()!, high = values.max()!
        let span = high - low
        let step = Double(width - 4) / Double(values.count - 1)
        let points = values.enumerated().map { i, v in
            let x = 2 + Double(i) * step
            let y = span == 0 ? Double(height) / 2 : Double(height - 3) - (v - low) / span * Double(height - 6)
            return String(format: "%.1f,%.1f", x, y)
        }.joined(separator: " ")
        let last = values.last!
        let rising = values.count >= 2 && last > values[values.count - 2]
        let title = "\(label): \(number(last))\(unit) (\(number(low))–\(number(high))\(unit), \(values.count) samples)"
        return "<svg class=\"spark\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTML.e(title))\">"
            + "<title>\(HTML.e(title))</title>"
            + "<polyline fill=\"none\" stroke=\"\(rising ? "#e67700" : "#1d4e89")\" stroke-width=\"1.5\" points=\"\(points)\"/></svg>"
    }

    /// The chart, or a dash until there are two samples.
    static func cell(_ values: [Double], label: String, unit: String = "") -> String {
        svg(values, label: label, unit: unit) ?? "<span class=\"muted\">—</span>"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.1f", value)
    }
}

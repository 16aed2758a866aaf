import Foundation
import Posix

/// A progress line on a terminal (nothing when standard error is not one).
final class Progress {
    private let total: Int
    private let label: String
    private let enabled = isTerminal(2)
    private var last = Date.distantPast

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    /// Shows `bytes` of the total done (and `rows`, when counted), at most twice a second.
    func update(bytes: Int, rows: Int? = nil) {
        guard enabled, Date().timeIntervalSince(last) > 0.5 else { return }
        last = Date()
        let percent = total > 0 ? " (\(min(100, bytes * 100 / total))%)" : ""
        let counted = rows.map { "\($0) rows, " } ?? ""
        let text = String(format: "\r  %@: %@%.1f of %.1f MB%@   ", label, counted, Double(bytes) / 1e6, Double(total) / 1e6, percent)
        FileHandle.standardError.write(Data(text.utf8))
    }

    func finish() {
        if enabled && last != .distantPast { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

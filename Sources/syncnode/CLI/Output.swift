import Foundation
import SyncNode

/// Command output on standard output, written at once (unbuffered) so that
/// narration and child processes' output interleave in order.
enum Output {
    static func line(_ text: String = "") { write(text + "\n") }
    static func write(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
    /// Pretty JSON for `--json`.
    static func json<T: Encodable>(_ value: T) throws { line(try JSON.text(value)) }
    /// A warning on standard error.
    static func warn(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}

import Foundation

/// Command output on standard output, written at once (unbuffered) so that
/// narration and child processes' output interleave in order.
enum Output {
    static func line(_ text: String = "") { write(text + "\n") }
    static func write(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
    /// Pretty JSON for `--json`.
    static func json<T: Encodable>(_ value: T) throws { line(String(decoding: try JSON.encode(value, pretty: true) as Data, as: UTF8.self)) }
}

import Foundation

/// Command output on standard output, written at once (unbuffered) so that
/// narration and child processes' output interleave in order.
enum Output {
    static func line(_ text: String = "") { write(text + "\n") }
    static func write(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
}

import Foundation
import SyncTesting
import XCTest

extension XCTestCase {
    /// A new temporary directory, removed with what it holds when the test ends.
    func directory() throws -> String {
        let dir = try makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}

import Foundation
import Posix
import XCTest

final class AllocatorTests: XCTestCase {
    /// Resident pages of this process (the second field of /proc/self/statm), in bytes.
    private func residentBytes() throws -> Int {
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let fields = statm.split(separator: " ")
        return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Blocks freed between live ones stay resident until the heap's free pages are given back.
    func testFreePagesBetweenLiveBlocksAreReturned() throws {
        var large: [[UInt8]] = []
        var small: [[UInt8]] = []
        for index in 0..<400 {   // 64 KiB blocks (below glibc's mapping threshold) with a live 64-byte block after each
            large.append([UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 64 * 1024))
            small.append([UInt8](repeating: 1, count: 64))
        }
        XCTAssertEqual(large.reduce(0) { $0 + $1.count }, 400 * 64 * 1024)
        large.removeAll()                      // 25 MiB freed in holes the live blocks keep apart
        let before = try residentBytes()
        XCTAssertTrue(Allocator.returnFreePages(), "malloc_trim released nothing")
        let after = try residentBytes()
        XCTAssertGreaterThan(before - after, 10 * 1024 * 1024, "resident \(before / 1024) KiB before, \(after / 1024) KiB after")
        XCTAssertEqual(small.count, 400)       // the live blocks stayed live throughout
    }
}

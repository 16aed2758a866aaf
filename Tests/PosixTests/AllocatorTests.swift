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
        // 800 blocks of 64 KiB (below glibc's mapping threshold), every other one freed: each freed
        // block sits between two live ones, so it can neither merge into the heap's top (which `free`
        // trims by itself) nor be handed out again. Live separators of the same size class are what
        // keep that true in a process whose heap already has holes: small separators would be served
        // from those holes and leave the large blocks adjacent (CI saw exactly that).
        var blocks: [[UInt8]] = []
        for index in 0..<800 {
            blocks.append([UInt8](repeating: UInt8(truncatingIfNeeded: index | 1), count: 64 * 1024))
        }
        let peak = try residentBytes()
        var kept: [[UInt8]] = []
        for (index, block) in blocks.enumerated() where index % 2 == 1 { kept.append(block) }
        blocks.removeAll()                     // 25 MiB freed in holes the live blocks keep apart
        let before = try residentBytes()
        XCTAssertTrue(Allocator.returnFreePages(), "malloc_trim released nothing")
        let after = try residentBytes()
        XCTAssertGreaterThan(before - after, 10 * 1024 * 1024,
                             "resident \(peak / 1024) KiB with every block live, \(before / 1024) KiB after freeing half, \(after / 1024) KiB after the trim")
        XCTAssertEqual(kept.count, 400)
        XCTAssertTrue(kept.allSatisfy { $0.count == 64 * 1024 && $0[0] & 1 == 1 })   // the live blocks stayed live and intact
    }
}

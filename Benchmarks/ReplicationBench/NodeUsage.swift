import Foundation
import SyncTesting

/// What a node process uses, from /proc: CPU time and resident memory.
enum NodeUsage {
    /// Waits for the kernel to write back every dirty page (sync(1)), so a phase is not timed
    /// while the disk still takes the earlier phases' writes; the seconds it took.
    static func writeBack() throws -> Double {
        let start = Date()
        let flush = Process()
        flush.executableURL = URL(fileURLWithPath: "/bin/sync")
        try flush.run()
        flush.waitUntilExit()
        return Date().timeIntervalSince(start)
    }

    /// Writes back every dirty page, then waits until the machine's CPUs are at least 90 % idle over
    /// a second (at most `limit` seconds), as they were when the raw insert ran; the seconds it took.
    static func untilQuiet(limit: Double = 30) throws -> Double {
        let start = Date()
        _ = try writeBack()
        while Date().timeIntervalSince(start) < limit, machineBusy(seconds: 1) > 0.1 {}
        return Date().timeIntervalSince(start)
    }

    /// The fraction of all CPUs' time over `seconds` that was neither idle nor waiting for I/O (/proc/stat).
    static func machineBusy(seconds: Double) -> Double {
        func times() -> (busy: Double, total: Double)? {
            guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
                  let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
            let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            guard fields.count >= 5 else { return nil }
            let total = fields.prefix(8).reduce(0, +)   // user nice system idle iowait irq softirq steal
            return (total - fields[3] - fields[4], total)
        }
        guard let before = times() else { return 0 }
        Thread.sleep(forTimeInterval: seconds)
        guard let after = times(), after.total > before.total else { return 0 }
        return (after.busy - before.busy) / (after.total - before.total)
    }

    /// User + system CPU seconds the process has used.
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state(0) ppid(1) … utime(11) stime(12), in clock ticks.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident memory in MB (VmRSS).
    static func residentMB(_ pid: Int32) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb / 1024
    }

    /// Each node's CPU use over `seconds`, as a fraction of one core.
    static func idleCPU(fleet: Fleet, ids: [String], seconds: Double) -> [String: Double] {
        let before = Dictionary(uniqueKeysWithValues: ids.compactMap { id in fleet.pid(id).flatMap(cpuSeconds).map { (id, $0) } })
        Thread.sleep(forTimeInterval: seconds)
        var use: [String: Double] = [:]
        for id in ids {
            guard let start = before[id], let end = fleet.pid(id).flatMap(cpuSeconds) else { continue }
            use[id] = (end - start) / seconds
        }
        return use
    }
}

/// Median, 99th percentile and maximum of a list of figures.
struct Spread {
    let p50: Double, p99: Double, max: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        func at(_ p: Double) -> Double { sorted.isEmpty ? .nan : sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        p50 = at(0.5)
        p99 = at(0.99)
        max = sorted.last ?? .nan
    }
}

import Foundation
import SyncTesting

/// What a node process uses, from /proc: CPU time and resident memory.
enum NodeUsage {
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

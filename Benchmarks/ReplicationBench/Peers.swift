import Foundation

/// PostgreSQL 15 logical replication over mutual TLS and the raw SQLite floor,
/// measured by the shared peer scripts (`../shared/peers`) in the same run,
/// with the same row shape (random UUID ids, ~200 bytes).
struct Peers {
    var catchUp: Double?          // one hop, subscription enabled after the rows were written
    var chainCatchUp: Double?     // two hops A → B → C
    var streaming: Double?        // one hop while the rows are written
    var chainLatencyP50: Double?  // two hops, synchronous_commit on at the subscribers
    var chainLatencyP99: Double?
    var sqliteRandom: Double?     // sqlite_bulk.sh rand: 1M rows, one transaction, WAL, synchronous=NORMAL

    /// Runs the scripts in `directory` (as root: they use runuser -u postgres).
    static func measure(directory: String, rows: Int, report: Report) -> Peers {
        var peers = Peers()
        func script(_ name: String, _ arguments: [String] = []) -> String? {
            report.say("  peers: \(name) \(arguments.joined(separator: " "))")
            // pg_setup.sh starts postmasters that inherit every descriptor the script had, among them
            // the one Foundation's Process watches for the child's exit: it never sees the end. So the
            // script writes its exit status to a file, and that file is what is waited for.
            let base = NSTemporaryDirectory() + "syncnode-peers-\(UUID().uuidString)"
            defer { for suffix in [".out", ".rc"] { try? FileManager.default.removeItem(atPath: base + suffix) } }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", #"bash "$0" "${@:3}" > "$1.out" 2>/dev/null < /dev/null; echo $? > "$1.rc.tmp"; mv "$1.rc.tmp" "$1.rc""#,
                                 "\(directory)/\(name)", base, "-"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return nil }
            let started = Date()
            while !FileManager.default.fileExists(atPath: base + ".rc") {
                guard Date().timeIntervalSince(started) < 1800 else { report.say("  peers: \(name) did not finish in 30 minutes"); return nil }
                Thread.sleep(forTimeInterval: 0.2)
            }
            let status = Int32((try? String(contentsOfFile: base + ".rc", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? -1
            let data = FileManager.default.contents(atPath: base + ".out") ?? Data()
            guard status == 0 else { report.say("  peers: \(name) exited \(status)"); return nil }
            return String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init)
        }
        guard script("pg_setup.sh") != nil else { return peers }
        defer { _ = script("pg_stop.sh") }
        let size = ["--rows", String(rows)]
        peers.catchUp = script("pg_stream.sh", ["--catchup"] + size).flatMap { median(after: "rows/s", in: $0) }
        peers.streaming = script("pg_stream.sh", size).flatMap { median(after: "rows/s", in: $0) }
        peers.chainCatchUp = script("pg_chain_stream.sh", ["--catchup"] + size).flatMap { median(after: "rows/s", in: $0) }
        if let line = script("pg_chain_latency.sh", ["--sub-sync", "on"]) {
            peers.chainLatencyP50 = median(after: "p50", in: line)
            peers.chainLatencyP99 = median(after: "p99", in: line)
        }
        peers.sqliteRandom = script("sqlite_bulk.sh", ["rand"]).flatMap { median(after: "):", in: $0) }
        return peers
    }

    /// The number after "median=" following `marker` in a script's summary line.
    static func median(after marker: String, in line: String) -> Double? {
        guard let at = line.range(of: marker), let m = line.range(of: "median=", range: at.upperBound..<line.endIndex) else { return nil }
        let digits = line[m.upperBound...].prefix { "0123456789.,e+-".contains($0) }.replacingOccurrences(of: ",", with: "")
        return Double(digits)
    }
}

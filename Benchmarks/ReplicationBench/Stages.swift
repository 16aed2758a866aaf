import Foundation
import Posix
import SyncCore
import SyncEngine
import SyncStore
import SyncTesting

/// Where one hop's time goes, stage by stage, in one process on real SQLite
/// files with the nodes' real keys and certificates (no network, no second
/// process): what a change costs at the origin, in the sender's outbox read,
/// in the receiver's decode, signature checks and apply. Each stage is timed
/// alone over the same batches, so their sum is the CPU a hop spends per
/// change on each side. As in a running node, checkpoints are not part of any
/// commit: they run after each `checkpointInterval` seconds of work (a node's
/// checkpointer ticks once a second), timed apart from the stages. Each stage
/// prints its wall time and the process's CPU time (all threads) beside it:
/// the second leaves out waits (fsync) and moves less between runs on a shared
/// machine. The decode, which changes nothing, is timed three times and the
/// fastest pass kept.
enum Stages {
    static func run(records: Int, batch: Int, keys: Rows.KeyOrder, checkpointInterval: Double = 1, directory: String, report: Report) throws {
        let rows = Rows(order: keys)
        let (_, district, city) = try OneHop.open(directory: directory)
        let stores = [district.store, city.store].compactMap { $0 as? SQLiteStore }
        for store in stores { try store.checkpointInBackground() }
        var checkpointing = 0.0, checkpointCPU = 0.0, working = Date()
        /// A checkpoint of both stores once `checkpointInterval` seconds of work have passed (or `now`),
        /// its time left out of the stage being timed.
        func checkpoint(now: Bool = false) throws {
            guard now || Date().timeIntervalSince(working) >= checkpointInterval else { return }
            let start = Date(), startCPU = processCPUSeconds()
            for store in stores { try store.checkpoint() }
            checkpointing += Date().timeIntervalSince(start)
            checkpointCPU += processCPUSeconds() - startCPU
            working = Date()
        }
        report.say("syncnode stages — \(records) records, \(keys.rawValue) keys, in batches of \(batch), one process, real SQLite files and keys (µs per change)")

        // At the origin: values to a signed, logged, routed change (what `write` and `import` do after parsing).
        let writer = LocalWriter(replica: district)
        var clock = Date()
        var cpu = processCPUSeconds()
        for first in stride(from: 0, to: records, by: batch) {
            let values = (first..<min(records, first + batch)).map { OneHop.values(rows, $0) }
            _ = try writer.write(dataset: "enterprise", rows: values)
            try checkpoint()
        }
        try checkpoint(now: true)
        let origin = Date().timeIntervalSince(clock) - checkpointing
        let originCPU = processCPUSeconds() - cpu - checkpointCPU

        // The sender: outbox pages read and encoded as they go on the wire.
        clock = Date()
        cpu = processCPUSeconds()
        var bodies: [[UInt8]] = []
        var after: Int64 = 0
        while true {
            let entries = try district.store.read { try $0.outbox(peer: "sz", after: after, limit: batch) }
            guard let last = entries.last?.seq else { break }
            bodies.append(Batch.encode(entries))
            after = last
        }
        let send = Date().timeIntervalSince(clock)
        let sendCPU = processCPUSeconds() - cpu
        let bytes = bodies.reduce(0) { $0 + $1.count }

        // The receiver: decode, then the signature checks alone, then the apply (which checks them again).
        var batches: [Batch] = []
        var decode = Double.infinity, decodeCPU = Double.infinity
        for _ in 0..<3 {
            batches = []
            clock = Date()
            cpu = processCPUSeconds()
            batches = try bodies.map { try Batch.decode($0) }
            decode = min(decode, Date().timeIntervalSince(clock))
            decodeCPU = min(decodeCPU, processCPUSeconds() - cpu)
        }
        guard let signer = city.signer else { throw SyncNodeBenchError("the city has no signer") }
        clock = Date()
        cpu = processCPUSeconds()
        for batch in batches {
            var previous: SignedBlock?   // as the apply does: a block's signature once per run of its changes
            for entry in batch.entries {
                guard ProvenanceCheck.problem(with: entry.change, proof: entry.proof, signer: signer,
                                              blockVerified: entry.proof?.block == previous) == nil else {
                    throw SyncNodeBenchError("a change did not verify")
                }
                previous = entry.proof?.block
            }
        }
        let verify = Date().timeIntervalSince(clock)
        let verifyCPU = processCPUSeconds() - cpu
        clock = Date()
        cpu = processCPUSeconds()
        checkpointing = 0
        checkpointCPU = 0
        working = Date()
        for batch in batches {
            try city.apply(batch.entries, from: "sz-pingshan", cursor: ("received", batch.entries.last?.seq ?? 0))
            try checkpoint()
        }
        try checkpoint(now: true)
        let apply = Date().timeIntervalSince(clock) - checkpointing
        let applyCPU = processCPUSeconds() - cpu - checkpointCPU

        // One block's signature at the origin and its first check at a receiver (what a single change pays at each).
        let districtSigner = try district.signer ?? { throw SyncNodeBenchError("the district has no signer") }()
        var signTimes: [Double] = [], verifyTimes: [Double] = []
        for i in 0..<200 {
            let leaves = districtSigner.digest(Array("block \(i)".utf8))
            var start = Date()
            let block = try districtSigner.sign(leaves: leaves)
            signTimes.append(Date().timeIntervalSince(start))
            start = Date()
            try signer.verify(block)
            verifyTimes.append(Date().timeIntervalSince(start))
        }
        func line(_ name: String, _ seconds: Double, _ cpuSeconds: Double, _ note: String) {
            report.say("  " + name.padding(toLength: 36, withPad: " ", startingAt: 0)
                       + String(format: "%7.2f µs  (%8.0f /s)  CPU %6.2f µs  ", seconds * 1e6 / Double(records), Double(records) / seconds,
                                cpuSeconds * 1e6 / Double(records)) + note)
        }
        report.say("  " + "stage".padding(toLength: 36, withPad: " ", startingAt: 0) + "   wall, per change         CPU (all threads)")
        line("origin: write, sign, log, route", origin, originCPU, "LocalWriter, batches of \(batch), one transaction each")
        line("sender: read outbox, encode", send, sendCPU, String(format: "%.0f bytes per change on the wire", Double(bytes) / Double(records)))
        line("receiver: decode batch", decode, decodeCPU, "Batch.decode: JSON to changes, canonical bytes kept (fastest of 3)")
        line("receiver: check signatures", verify, verifyCPU, "a SHA-256 per change, one ECDSA verify per block of 256")
        line("receiver: apply (checks included)", apply, applyCPU, "admission, merge, log, record, outbox for the parent, commit")
        line("checkpoints (not in the above)", checkpointing, checkpointCPU,
             String(format: "the city's write-ahead log copied into its database every %g s of apply", checkpointInterval))
        line("receiver total", decode + apply, decodeCPU + applyCPU, "decode + apply: the CPU one hop costs the receiver")
        report.say(String(format: "  a block: signed in %.0f µs at its origin, verified in %.0f µs at a receiver the first time (medians of 200)",
                          signTimes.sorted()[100] * 1e6, verifyTimes.sorted()[100] * 1e6))
    }
}

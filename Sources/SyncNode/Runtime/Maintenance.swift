import Foundation
import SyncCore
import SyncEngine

/// Housekeeping while the node serves: purges tombstones every neighbour has
/// once the policy's retention has passed (log entries are compacted as they
/// are delivered), a bounded number per transaction so replication never
/// waits long behind it.
final class Maintenance: Service {
    let name = "maintenance"
    private let replica: Replica
    private let log: Log
    private let worker: PeriodicWorker

    init(replica: Replica, log: Log) {
        self.replica = replica
        self.log = log
        let retention = max(0, replica.policy.tombstoneRetentionDays) * 86_400
        worker = PeriodicWorker(name: "syncnode-maintenance", interval: min(600, max(0.5, retention / 4)))
    }

    func start() {
        worker.start { [self] in
            var total = 0
            do {
                while !worker.isStopped {
                    let purged = try replica.purgeTombstones(limit: 5000)
                    total += purged
                    if purged < 5000 { break }
                }
                try replica.dropUnusedBlocks()
            } catch {
                log.warning("maintenance_failed", ["error": "\(error)", "retry_in_s": 600])
            }
            if total > 0 { log.info("tombstones_purged", ["count": total]) }
        }
    }

    func stop() { worker.stop() }
}

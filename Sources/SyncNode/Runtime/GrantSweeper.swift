import Foundation
import SyncCore
import SyncEngine

/// Ends the grants made to this node once their last day has passed: their
/// copies are deleted (or kept, marked, per the policy's grantEnd). A
/// revocation ends them as it arrives; this catches expiry, checked at start
/// and every minute.
final class GrantSweeper: Service {
    let name = "grant-sweeper"
    private let shares: ShareService
    private let log: Log
    private let worker = PeriodicWorker(name: "syncnode-grants", interval: 60)

    init(replica: Replica, log: Log) {
        shares = ShareService(replica: replica)
        self.log = log
    }

    func start() {
        worker.start { [self] in
            do {
                let removed = try shares.endGrants()
                if removed > 0 { log.info("grant_copies_removed", ["count": removed]) }
            } catch {
                log.warning("grant_sweep_failed", ["error": "\(error)", "retry_in_s": 60])
            }
        }
        worker.poke()
    }

    func stop() { worker.stop() }
}

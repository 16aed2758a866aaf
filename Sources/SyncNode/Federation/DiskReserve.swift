import Foundation
import HTTP1
import Posix

/// The disk space a node keeps for itself: while its data directory's disk has
/// less than `policy.minFreeDiskMiB` free, it takes nothing new from peers or
/// source systems (507, and the sender keeps its changes and retries) and goes
/// on serving, so a neighbour's data can never fill its disk to the last byte.
struct DiskReserve: Sendable {
    let directory: String
    let minimum: Int64

    init(directory: String, minFreeDiskMiB: Int) {
        self.directory = directory
        minimum = Int64(max(0, minFreeDiskMiB)) << 20
    }

    /// Throws 507 naming what was refused while the disk is below the reserve.
    func check(_ what: String) throws {
        guard minimum > 0, let free = Posix.freeDiskBytes(atPath: directory), free < minimum else { return }
        throw RequestError(507, "\(what) refused: this node's disk has \(free >> 20) MiB free, under the \(minimum >> 20) MiB it keeps "
                                + "(policy minFreeDiskMiB); nothing was applied: keep the changes and retry once its operator has freed space")
    }

    /// The same, as an answer.
    func refusal(_ what: String) -> HTTPResponse? {
        do { try check(what); return nil } catch let error as RequestError { return .error(error.status, error.message) } catch { return nil }
    }
}

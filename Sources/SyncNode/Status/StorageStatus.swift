import Foundation
import Posix
import SyncCore

/// The node's storage as status shows it: how big its database is, its size
/// limit if it has one, and how much room is left on the disk holding it.
public struct StorageStatus: Encodable, Sendable {
    public var databaseBytes: Int64
    /// The database's size limit (syncnode serve --max-db-mib), when it has one.
    public var limitBytes: Int64?
    /// Free bytes on the disk holding the data directory.
    public var freeDiskBytes: Int64?

    static func collect(context: NodeContext, limitMiB: String?, policy: Policy) -> (status: StorageStatus, attention: [String]) {
        let files = [context.databasePath, context.databasePath + "-wal"]
        let size = files.reduce(Int64(0)) { total, file in
            total + (Posix.fileStatus(atPath: file)?.size ?? 0)
        }
        let limit = limitMiB.flatMap { Int64($0) }.map { $0 << 20 }
        let free = Posix.freeDiskBytes(atPath: context.dataDirectory)
        var attention: [String] = []
        let minimum = Int64(max(0, policy.minFreeDiskMiB)) << 20
        if let free, free < minimum {
            attention.append("the disk holding \(context.dataDirectory) has \(free >> 20) MiB free (policy minFreeDiskMiB \(policy.minFreeDiskMiB)): "
                             + "writes fail once it is full, reads go on; free space there (old backups, logs)")
        }
        if let limit, size * 10 >= limit * 9 {
            attention.append("the database is at \(size * 100 / max(limit, 1))% of its size limit (\(limit >> 20) MiB): "
                             + "writes fail once it is reached; raise it (syncnode serve --max-db-mib) or withdraw data")
        }
        return (StorageStatus(databaseBytes: size, limitBytes: limit, freeDiskBytes: free), attention)
    }
}

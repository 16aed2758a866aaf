import Glibc

/// Bytes free for an unprivileged user on the filesystem holding `path` (nil when it cannot be read).
public func freeDiskBytes(atPath path: String) -> Int64? {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return nil }
    return Int64(info.f_bavail) * Int64(info.f_frsize)
}

/// When the file at `path` was last modified, in seconds since 1970 (nil when it cannot be read).
/// One `stat`: Foundation's `attributesOfItem` also looks up the owner's and group's names, reading
/// /etc/passwd and /etc/group on every call (~1 ms on the latency path where a certificate's file is
/// checked for renewal).
public func modificationTime(atPath path: String) -> Double? {
    fileStatus(atPath: path)?.modified
}

/// When the file at `path` was last modified (seconds since 1970) and its size in bytes, from one
/// `stat` (nil when it cannot be read): for checks that run every second.
public func fileStatus(atPath path: String) -> (modified: Double, size: Int64)? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return (Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9, Int64(info.st_size))
}

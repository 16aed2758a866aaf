import Glibc

/// Bytes free for an unprivileged user on the filesystem holding `path` (nil when it cannot be read).
public func freeDiskBytes(atPath path: String) -> Int64? {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return nil }
    return Int64(info.f_bavail) * Int64(info.f_frsize)
}

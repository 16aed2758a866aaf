import Glibc

/// CPU time this process has used so far (user and system, all threads), in seconds:
/// what a benchmark stage cost in work, apart from the time it spent waiting (fsync, locks).
public func processCPUSeconds() -> Double {
    var now = timespec()
    guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now) == 0 else { return 0 }
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

import Glibc

/// Whether a file descriptor is a terminal (for progress lines).
public func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

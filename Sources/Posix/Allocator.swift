#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings of the C allocator.
public enum Allocator {
    /// Caps glibc's malloc arenas at `count`. By default every thread that allocates may get an arena
    /// of its own (up to eight per core), each keeping what was freed in it: a node whose connection
    /// threads decode batches in turn holds several copies of its peak. Two keep resident memory near
    /// what is live. (`mallopt` is in <malloc.h>, which Swift's Glibc module does not export: it is
    /// looked up by name; `M_ARENA_MAX` is -8 in glibc.)
    public static func limitArenas(_ count: Int32) {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }   // RTLD_DEFAULT
        _ = unsafeBitCast(symbol, to: MallOpt.self)(-8, count)
        #endif
    }
}

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
        mallopt(-8, count)
    }

    /// Serves every allocation of `bytes` or more with its own mapping, returned to the system when
    /// freed. glibc starts at 128 KiB and raises the threshold each time such a block is freed (up to
    /// 32 MiB), after which a batch's buffers (a body of a few MB, arrays of thousands of entries)
    /// come from the heap and leave it fragmented at its peak. A fixed threshold keeps them out of it.
    /// (`M_MMAP_THRESHOLD` is -3; setting it also fixes the trim threshold at its default.)
    public static func mapLargeBlocks(from bytes: Int32) {
        mallopt(-3, bytes)
    }

    /// Gives the free pages inside the heap back to the system (`malloc_trim(0)`: whole free pages
    /// anywhere in every arena, not only at the top). What a batch freed otherwise stays resident
    /// between the live blocks around it. Costs a walk of the free lists: call it now and then
    /// (after a batch of work), not per allocation. Returns whether anything was released.
    @discardableResult
    public static func returnFreePages() -> Bool {
        #if canImport(Glibc)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return false }   // RTLD_DEFAULT
        return unsafeBitCast(symbol, to: MallocTrim.self)(0) != 0
        #else
        return false
        #endif
    }

    /// `mallopt(3)`, looked up by name.
    private static func mallopt(_ option: Int32, _ value: Int32) {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }   // RTLD_DEFAULT
        _ = unsafeBitCast(symbol, to: MallOpt.self)(option, value)
        #endif
    }
}

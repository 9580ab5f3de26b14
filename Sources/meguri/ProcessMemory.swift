import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How the server process's memory allocator is set up before it starts its threads.
///
/// glibc's `malloc` gives threads their own arenas, up to eight per core; memory freed in one arena
/// stays with it. A 50,000-row import parsed on one thread and written on others left its peak
/// spread over many arenas: the server's peak RSS over the bench's import run was 280 MB with the
/// default and 209 MB with as many arenas as cores (docs/BENCHMARKS.md, issue 20's seventh part).
/// An operator's own `MALLOC_ARENA_MAX` wins; elsewhere than glibc this does nothing.
enum ProcessMemory {
    static func limitArenas() {
        #if canImport(Glibc)
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil else { return }
        // `mallopt` and `M_ARENA_MAX` (-8) are in <malloc.h>, which the Glibc module does not export.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let arenaMax: Int32 = -8
        _ = unsafeBitCast(symbol, to: Mallopt.self)(arenaMax, Int32(max(2, ProcessInfo.processInfo.activeProcessorCount)))
        #endif
    }
}

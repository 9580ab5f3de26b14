import Foundation
import VaporCSQLite

/// The settings every SQLite connection of the process gets when it opens (ADR 0016).
///
/// FluentSQLiteDriver opens its pooled connections itself and offers no hook, so the settings are
/// applied by an SQLite auto extension: a function SQLite calls inside `sqlite3_open` for every
/// new connection, before Fluent uses it. `journal_mode=WAL` is a property of the file (set by
/// `Store.tune`); the rest are per connection and are lost with it, which is why they live here.
public enum SQLiteSettings {
    /// - `synchronous=NORMAL`: in WAL mode a commit is durable against a crash of the process
    ///   (SIGKILL included) without an fsync per commit; the WAL is synced at each checkpoint.
    ///   What it gives up: the last commits before a power cut or kernel crash may be rolled
    ///   back (never corrupted).
    /// - `cache_size=-16384`: 16 MiB of page cache per connection (the default is 2 MiB).
    /// - `mmap_size`: the first `MEGURI_SQLITE_MMAP_MB` MiB of the file read through the kernel's
    ///   page cache instead of `read()` calls; off by default: on the enterprise workspace it made
    ///   no measurable difference to pages or the 50,000-row import and doubled the import's RSS
    ///   (mapped pages count in it), see docs/BENCHMARKS.md "Issue 20".
    /// - `temp_store=MEMORY`: sorts and temporary indexes that spill stay in memory.
    ///
    /// No `busy_timeout`: SQLiteNIO installs a busy handler right after open (retry until the lock
    /// is free), which would replace it; within one process the `Store` queues writes anyway.
    static func pragmas(mmapMegabytes: Int) -> String {
        "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16384; PRAGMA mmap_size=\(mmapMegabytes * 1_048_576); PRAGMA temp_store=MEMORY;"
    }

    public static let defaultMmapMegabytes = 0

    /// `MEGURI_SQLITE_MMAP_MB`, read once per process.
    static let mmapMegabytes: Result<Int, ConfigurationError> = {
        guard let raw = ProcessInfo.processInfo.environment["MEGURI_SQLITE_MMAP_MB"]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            return .success(defaultMmapMegabytes)
        }
        guard let value = Int(raw), (0...65_536).contains(value) else {
            return .failure(ConfigurationError(setting: "MEGURI_SQLITE_MMAP_MB", reason: "a whole number of MiB from 0 (off) to 65536, not '\(raw)'"))
        }
        return .success(value)
    }()

    /// The statement each new connection runs.
    static let statement = pragmas(mmapMegabytes: (try? mmapMegabytes.get()) ?? defaultMmapMegabytes)

    private static let installed: Bool = {
        let apply: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, OpaquePointer?) -> Int32 = { connection, _, _ in
            // Best effort: a setting SQLite refuses must not make the connection fail to open.
            _ = sqlite_nio_sqlite3_exec(connection, SQLiteSettings.statement, nil, nil, nil)
            return SQLITE_OK
        }
        return sqlite_nio_sqlite3_auto_extension(unsafeBitCast(apply, to: (@convention(c) () -> Void).self)) == SQLITE_OK
    }()

    /// Registers the settings for every connection opened from now on (once per process).
    public static func install() throws {
        _ = try mmapMegabytes.get()
        precondition(installed, "SQLite refused the per-connection settings")
    }
}

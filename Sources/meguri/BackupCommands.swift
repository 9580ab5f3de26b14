import ArgumentParser
import Domain
import Features
import Foundation
import Storage
import Web

/// `meguri backup FILE` and `meguri restore FILE`.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent snapshot of the live database to FILE.",
        discussion: "SQLite: VACUUM INTO (safe while the server runs). PostgreSQL: pg_dump --format=custom (pg_dump must be installed).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The backup file to write (must not exist)") var file: String

    func run() async throws {
        let target = URL(fileURLWithPath: file).standardizedFileURL.path
        if FileManager.default.fileExists(atPath: target) { throw fail(ValidationError("\(file) already exists; choose a new file")) }
        let location: DatabaseLocation
        do { location = try common.configuration().database } catch { throw fail(error) }
        switch location {
        case .postgres(let url):
            try PostgresTools.run("pg_dump", ["--format=custom", "--no-owner", "--file", target, PostgresTools.libpqURL(url)])
            printOut("Backed up \(location) to \(file) (pg_dump custom format).")
        case .sqliteMemory:
            throw fail(ValidationError("an in-memory database cannot be backed up"))
        case .sqliteFile:
            try await withMeguri(common) { meguri in
                try await meguri.services.store.backupSQLite(to: target)
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? Int) ?? 0
            printOut("Backed up \(location) to \(file) (\(size / 1024) KiB).")
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into the configured database, then verify the audit trail.",
        discussion: "Stop the server first. SQLite: the database file must not exist yet (or pass --force to replace it). PostgreSQL: pg_restore into the configured (empty) database.")
    @OptionGroup var common: CommonOptions
    @Argument(help: "A file written by `meguri backup`") var file: String
    @Flag(help: "Replace an existing SQLite database file") var force = false

    func run() async throws {
        let source = URL(fileURLWithPath: file).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: source) else { throw fail(ValidationError("\(file) does not exist")) }
        let location: DatabaseLocation
        do { location = try common.configuration().database } catch { throw fail(error) }
        switch location {
        case .postgres(let url):
            try PostgresTools.run("pg_restore", ["--no-owner", "--exit-on-error", "--dbname", PostgresTools.libpqURL(url), source])
        case .sqliteMemory:
            throw fail(ValidationError("cannot restore into an in-memory database"))
        case .sqliteFile(let path):
            let target = URL(fileURLWithPath: path).standardizedFileURL.path
            if FileManager.default.fileExists(atPath: target) {
                guard force else { throw fail(ValidationError("\(path) exists; stop the server and pass --force to replace it")) }
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: target + suffix) }
            }
            do { try FileManager.default.copyItem(atPath: source, toPath: target) } catch { throw fail(ValidationError("cannot write \(path)")) }
        }
        let broken = try await withMeguri(common) { meguri -> Int in
            let integrity = try await meguri.services.store.integrityCheck()
            guard integrity == "ok" else { throw ValidationError("the restored database is damaged: \(integrity)") }
            let results = try await AuditTrail(meguri.services).verify()
            for result in results where !result.isIntact { printOut("BROKEN  chain \(result.chain)") }
            printOut("Restored \(file) into \(location): \(results.count) audit chains, \(results.map(\.eventCount).reduce(0, +)) events.")
            return results.filter { !$0.isIntact }.count
        }
        if broken > 0 { throw fail(ValidationError("\(broken) audit chain(s) do not verify")) }
    }
}

enum PostgresTools {
    /// Our URLs use `tlsmode=`; libpq tools want `sslmode=`.
    static func libpqURL(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.queryItems = components.queryItems?.map { item in
            item.name == "tlsmode" ? URLQueryItem(name: "sslmode", value: item.value == "require" ? "require" : item.value == "disable" ? "disable" : "prefer") : item
        }
        if components.queryItems?.isEmpty == true { components.queryItems = nil }
        return components.string ?? url
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map { "\($0)/\(tool)" }
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().reversed().map { "/usr/lib/postgresql/\($0)/bin/\(tool)" } ?? [])
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw fail(ValidationError("\(tool) was not found; install the PostgreSQL client tools (apt install postgresql-client) to back up or restore PostgreSQL"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(data: errors.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8)?.split(separator: "\n").first.map(String.init) ?? ""
            throw fail(ValidationError("\(tool) failed: \(message)"))
        }
    }
}

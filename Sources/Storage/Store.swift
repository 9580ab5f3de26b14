import Domain
import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import SQLKit
import Synchronization

/// Where the data lives, parsed from `MEGURI_DATABASE_URL`: an SQLite file (the default) or PostgreSQL.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqliteFile(String)
    case sqliteMemory
    case postgres(String)

    public static let defaultSQLiteFile = "meguri.sqlite"

    /// Accepts `postgres://…`/`postgresql://…`, `sqlite://PATH`, `sqlite::memory:` or a plain file path.
    public static func parse(_ raw: String?) throws -> DatabaseLocation {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return .sqliteFile(defaultSQLiteFile) }
        if raw.hasPrefix("postgres://") || raw.hasPrefix("postgresql://") {
            guard let url = URL(string: raw), url.host != nil, url.path.count > 1 else {
                throw ConfigurationError(setting: "MEGURI_DATABASE_URL", reason: "a PostgreSQL URL needs a host and a database name: postgres://USER:PASSWORD@HOST:5432/DATABASE")
            }
            return .postgres(raw)
        }
        if raw == "sqlite::memory:" || raw == ":memory:" { return .sqliteMemory }
        var path = raw
        if path.hasPrefix("sqlite://") { path.removeFirst("sqlite://".count) }
        if path.hasPrefix("file:") { path.removeFirst("file:".count) }
        if path.contains("://") {
            throw ConfigurationError(setting: "MEGURI_DATABASE_URL", reason: "use postgres://… for PostgreSQL or a file path for SQLite, not '\(raw)'")
        }
        guard !path.isEmpty else { throw ConfigurationError(setting: "MEGURI_DATABASE_URL", reason: "the SQLite file path is empty") }
        return .sqliteFile(path)
    }

    public var engine: Store.Engine {
        if case .postgres = self { return .postgres }
        return .sqlite
    }

    public var description: String {
        switch self {
        case .sqliteFile(let path): return "SQLite file \(path)"
        case .sqliteMemory: return "SQLite in memory"
        case .postgres(let url):
            // Never print the password.
            guard var components = URLComponents(string: url) else { return "PostgreSQL" }
            if components.password != nil { components.password = "***" }
            return "PostgreSQL \(components.string ?? "")"
        }
    }

    /// Registers this location with Fluent's database registry.
    public func register(on databases: Databases, postgresConnectionsPerEventLoop: Int = 2) throws {
        switch self {
        case .sqliteFile(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: directory.isEmpty ? "." : directory) else {
                throw ConfigurationError(setting: "MEGURI_DATABASE_URL", reason: "the directory of the SQLite file '\(path)' does not exist")
            }
            try SQLiteSettings.install()
            databases.use(.sqlite(.file(path), sqlLogLevel: nil), as: .sqlite)
        case .sqliteMemory:
            try SQLiteSettings.install()
            databases.use(.sqlite(.memory, sqlLogLevel: nil), as: .sqlite)
        case .postgres(let url):
            let configuration: SQLPostgresConfiguration
            do { configuration = try SQLPostgresConfiguration(url: url) } catch {
                throw ConfigurationError(setting: "MEGURI_DATABASE_URL", reason: "not a valid PostgreSQL URL")
            }
            databases.use(.postgres(configuration: configuration, maxConnectionsPerEventLoop: postgresConnectionsPerEventLoop,
                                    sqlLogLevel: .trace), as: .psql)
        }
    }

    public var databaseID: DatabaseID { engine == .postgres ? .psql : .sqlite }
}

/// A setting that cannot be used; the process stops at start with this message.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var setting: String
    public var reason: String
    public init(setting: String, reason: String) {
        self.setting = setting
        self.reason = reason
    }
    public var description: String { "\(setting): \(reason)" }
}

/// The one door to the database. Reads run directly; writes run in one transaction each, and on
/// SQLite one at a time per process (SQLite allows one writer; queueing here avoids busy errors).
public struct Store: Sendable {
    public enum Engine: String, Sendable { case sqlite, postgres }

    public let engine: Engine
    private let databases: Databases
    private let id: DatabaseID
    private let gate: AsyncLock?
    private let logger: Logger
    /// Counts committed write transactions, so caches of reads know when to forget.
    public let writes = WriteCounter()
    /// Counts the committed write transactions that reached the stores of who a person is and what
    /// they may open (people, tokens, sessions, workspaces, members and their roles, departments):
    /// the authentication and access answers every request starts with need forget only then, so
    /// a client creating records one after another is not resolved again after each of them.
    public let accessWrites = WriteCounter()

    public init(databases: Databases, location: DatabaseLocation, logger: Logger) {
        self.databases = databases
        self.id = location.databaseID
        self.engine = location.engine
        self.gate = location.engine == .sqlite ? AsyncLock() : nil
        self.logger = logger
    }

    /// The database is gone: the process is shutting down while a request was still running.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String { "the database is not available (the server is shutting down)" }
    }

    /// Fluent's handle, for the migrator. Throws instead of crashing when a request outlives the
    /// database during shutdown.
    public func fluent() throws -> any FluentKit.Database {
        guard let database = databases.database(id, logger: logger, on: databases.eventLoopGroup.any()) else { throw Unavailable() }
        return database
    }

    func sql() throws -> any SQLDatabase { try fluent() as! any SQLDatabase }

    public func read<T: Sendable>(_ body: @Sendable (Reader) async throws -> T) async throws -> T {
        try await body(Reader(sql: try sql(), engine: engine))
    }

    /// One transaction that changes records: once it commits, every cache of reads in this process forgets.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Writer) async throws -> T) async throws -> T {
        try await transact(.records, body)
    }

    /// One transaction no cached read depends on: a delivery's or a scan's lease, a session's idle
    /// timer, a token's last use. The notification worker claims every two seconds; counting those
    /// commits as changes made every cache of the process forget as often (ADR 0018).
    public func bookkeeping<T: Sendable>(_ body: @escaping @Sendable (Writer) async throws -> T) async throws -> T {
        try await transact(.bookkeeping, body)
    }

    /// What a write transaction touches, and so whether caches of reads must forget.
    enum WriteKind { case records, bookkeeping }

    private func transact<T: Sendable>(_ kind: WriteKind, _ body: @escaping @Sendable (Writer) async throws -> T) async throws -> T {
        if let gate { await gate.acquire() }
        do {
            let reach = WriterReach()
            let result = try await try fluent().transaction { database in
                try await body(Writer(sql: database as! any SQLDatabase, engine: self.engine, reach: reach))
            }
            if kind == .records {
                if reach.access.load(ordering: .acquiring) { accessWrites.increment() }
                writes.increment()
            }
            if let gate { await gate.release() }
            return result
        } catch {
            if let gate { await gate.release() }
            throw error
        }
    }

    /// Checks that the database answers (for `/readyz`).
    public func ping() async throws {
        _ = try await sql().raw("SELECT 1 AS one").all()
    }

    /// Prepares an SQLite file for concurrent readers and one writer, and refreshes the planner's
    /// statistics: without them SQLite prefers an index that avoids a sort over a selective one
    /// (an asset's risks were found by walking every risk of the assessment in code order). A
    /// sampled ANALYZE (400 rows per index) takes milliseconds even on a gigabyte file.
    public func tune() async throws {
        guard engine == .sqlite else { return }
        _ = try await sql().raw("PRAGMA journal_mode=WAL").all()
        try await try fluent().transaction { database in
            let sql = database as! any SQLDatabase
            _ = try await sql.raw("PRAGMA analysis_limit=400").all()
            _ = try await sql.raw("ANALYZE").all()
        }
    }

    /// A consistent copy of a live SQLite database (`VACUUM INTO`), taken while others keep writing.
    public func backupSQLite(to path: String) async throws {
        guard engine == .sqlite else { throw ConfigurationError(setting: "MEGURI_DATABASE_URL", reason: "not an SQLite database") }
        _ = try await sql().raw("VACUUM INTO \(bind: path)").all()
    }

    /// `ok` when SQLite finds the file sound.
    public func integrityCheck() async throws -> String {
        guard engine == .sqlite else { return "ok" }
        let rows = try await sql().raw("PRAGMA integrity_check").all()
        return try rows.map { try $0.decode(column: "integrity_check", as: String.self) }.joined(separator: "; ")
    }

    /// Whether an error is a unique-constraint violation (a race two writers lost to each other).
    public static func isUniqueViolation(_ error: any Error) -> Bool {
        let text = String(reflecting: error)
        return text.contains("UNIQUE constraint failed") || text.contains("23505") || text.contains("uniqueViolation")
    }
}

/// A number that grows with every committed write of this process.
public final class WriteCounter: Sendable {
    private let value = Atomic<Int>(0)
    public init() {}
    public var current: Int { value.load(ordering: .acquiring) }
    func increment() { value.add(1, ordering: .releasing) }
}

/// A first-in first-out lock for async code.
actor AsyncLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { locked = false } else { waiters.removeFirst().resume() }
    }
}

/// Read access to every store, outside a transaction.
public struct Reader: Sendable {
    public let sql: any SQLDatabase
    public let engine: Store.Engine

    public var users: UserStore { UserStore(sql: sql, engine: engine) }
    public var workspaces: WorkspaceStore { WorkspaceStore(sql: sql, engine: engine) }
    public var departments: DepartmentStore { DepartmentStore(sql: sql, engine: engine) }
    public var members: MemberStore { MemberStore(sql: sql, engine: engine) }
    public var sessions: SessionStore { SessionStore(sql: sql) }
    public var tokens: ApiTokenStore { ApiTokenStore(sql: sql) }
    public var links: OneTimeLinkStore { OneTimeLinkStore(sql: sql) }
    public var loginFailures: LoginFailureStore { LoginFailureStore(sql: sql) }
    public var auditEvents: AuditEventStore { AuditEventStore(sql: sql, engine: engine) }
    public var riskMethods: RiskMethodStore { RiskMethodStore(sql: sql) }
    public var classifications: ClassificationStore { ClassificationStore(sql: sql) }
    public var assets: AssetStore { AssetStore(sql: sql) }
    public var catalogEntries: CatalogEntryStore { CatalogEntryStore(sql: sql) }
    public var assessments: RiskAssessmentStore { RiskAssessmentStore(sql: sql) }
    public var risks: RiskRecordStore { RiskRecordStore(sql: sql) }
    public var actions: TreatmentActionStore { TreatmentActionStore(sql: sql) }
    public var ownControls: OwnControlStore { OwnControlStore(sql: sql) }
    public var soa: SoAStore { SoAStore(sql: sql) }
    public var evidence: EvidenceStore { EvidenceStore(sql: sql) }
    public var objectives: ObjectiveStore { ObjectiveStore(sql: sql) }
    public var checkAct: CheckActStore { CheckActStore(sql: sql) }
    public var documents: DocumentRegisterStore { DocumentRegisterStore(sql: sql) }
    public var training: TrainingStore { TrainingStore(sql: sql) }
    /// Which records of any register name a control, an asset, a person… (the register kit's links).
    public var recordLinks: LinkStore { LinkStore(sql: sql) }
    /// The store of any register declared through the kit.
    public func records<Record: StoredRecord>(_ type: Record.Type) -> RecordStore<Record> { RecordStore(sql: sql) }
}

/// Which stores a write transaction reached: reaching one of people and access (even to read)
/// counts as changing it, so a cache of access can only forget too often, never too rarely.
final class WriterReach: Sendable {
    let access = Atomic<Bool>(false)
}

/// The reads of people and access a write transaction may make without marking it (`Writer.lookups`):
/// reads only, never a lock (`forUpdate`) or a write.
public struct AccessLookups: Sendable {
    let connection: any SQLDatabase
    let engine: Store.Engine

    public func member(user: User.ID, in workspace: Workspace.ID) async throws -> Member? {
        try await MemberStore(sql: connection, engine: engine).load(user: user, in: workspace)
    }

    public func department(_ id: Department.ID, in workspace: Workspace.ID) async throws -> Department? {
        try await DepartmentStore(sql: connection, engine: engine).load(id, in: workspace)
    }
}

/// Everything a use case may touch inside its one transaction, including the audit trail.
public struct Writer: Sendable {
    let connection: any SQLDatabase
    public let engine: Store.Engine
    private let heads = AuditHeads()
    private let reach: WriterReach

    init(sql: any SQLDatabase, engine: Store.Engine, reach: WriterReach = WriterReach()) {
        self.connection = sql
        self.engine = engine
        self.reach = reach
    }

    /// The stores of people and access: reaching them marks the transaction (`Store.accessWrites`).
    private var accessSQL: any SQLDatabase {
        reach.access.store(true, ordering: .releasing)
        return connection
    }

    /// The transaction's connection for SQL of one's own; it may write anything, so it counts as
    /// reaching people and access.
    public var sql: any SQLDatabase { accessSQL }
    public var read: Reader { Reader(sql: accessSQL, engine: engine) }
    /// Reads of people and access that check what the transaction writes elsewhere (is the owner
    /// a member, does the department exist). They offer no way to write, so they leave the
    /// transaction unmarked: creating an asset with an owner no longer makes every cache of who is
    /// asking forget (issue 20: the next request resolved its token again, six queries).
    public var lookups: AccessLookups { AccessLookups(connection: connection, engine: engine) }
    public var users: UserStore { UserStore(sql: accessSQL, engine: engine) }
    public var workspaces: WorkspaceStore { WorkspaceStore(sql: accessSQL, engine: engine) }
    public var departments: DepartmentStore { DepartmentStore(sql: accessSQL, engine: engine) }
    public var members: MemberStore { MemberStore(sql: accessSQL, engine: engine) }
    public var sessions: SessionStore { SessionStore(sql: accessSQL) }
    public var tokens: ApiTokenStore { ApiTokenStore(sql: accessSQL) }
    public var links: OneTimeLinkStore { OneTimeLinkStore(sql: accessSQL) }
    public var loginFailures: LoginFailureStore { LoginFailureStore(sql: accessSQL) }
    public var audit: AuditWriter { AuditWriter(sql: connection, heads: heads) }
    public var riskMethods: RiskMethodStore { RiskMethodStore(sql: connection) }
    public var classifications: ClassificationStore { ClassificationStore(sql: connection) }
    public var assets: AssetStore { AssetStore(sql: connection) }
    public var catalogEntries: CatalogEntryStore { CatalogEntryStore(sql: connection) }
    public var assessments: RiskAssessmentStore { RiskAssessmentStore(sql: connection) }
    public var risks: RiskRecordStore { RiskRecordStore(sql: connection) }
    public var actions: TreatmentActionStore { TreatmentActionStore(sql: connection) }
    public var ownControls: OwnControlStore { OwnControlStore(sql: connection) }
    public var soa: SoAStore { SoAStore(sql: connection) }
    public var evidence: EvidenceStore { EvidenceStore(sql: connection) }
    public var objectives: ObjectiveStore { ObjectiveStore(sql: connection) }
    public var checkAct: CheckActStore { CheckActStore(sql: connection) }
    public var documents: DocumentRegisterStore { DocumentRegisterStore(sql: connection) }
    public var training: TrainingStore { TrainingStore(sql: connection) }
    public var recordLinks: LinkStore { LinkStore(sql: connection) }
    /// Per-workspace numbers that are never reused.
    public var sequences: SequenceStore { SequenceStore(sql: connection) }
    public func records<Record: StoredRecord>(_ type: Record.Type) -> RecordStore<Record> { RecordStore(sql: connection) }
}

import Catalog
import Domain
import Foundation
import Localization
import Storage

/// How an import is told to read a file's columns: nothing (proposed from the headers, with the
/// workspace's remembered mapping), or a mapping the person gave (the page's choices, `--map`,
/// the API's `map`).
public struct ImportOptions: Sendable {
    public var map: GivenMapping?
    /// Whether a committed import with a mapping the person gave is remembered for next time.
    public var remember: Bool
    /// The page's pending file the import commits: taken in the import's own transaction, so
    /// the same file is never imported twice (a double click, two tabs).
    public var pending: UUID?

    public init(map: GivenMapping? = nil, remember: Bool = true, pending: UUID? = nil) {
        self.map = map
        self.remember = remember
        self.pending = pending
    }

    public static let proposed = ImportOptions()
}

/// The mapping step every register's import shares (ADR 0015): proposing a mapping from the
/// headers and the workspace's memory, reading the file through it, remembering a mapping the
/// person confirmed, and the pending file kept between a page's steps.
public struct ImportSteps: Sendable {
    let services: AppServices
    public init(_ services: AppServices) { self.services = services }

    /// How long an uploaded file waits for its mapping to be confirmed.
    public static let pendingLifetime: TimeInterval = 24 * 3600

    /// Whether the person should see a mapping before the dry run: some header is not one of
    /// Meguri's own for the register (its key or its header in either language), nor last time's,
    /// nor settled by the person.
    public static func needsPerson(_ mapping: ColumnMapping, register: String, spec: ImportSpec) -> Bool {
        let own = Set(spec.keys.flatMap { ImportVocabulary.bundled.names(register, $0) }.map(Text.looseKey))
        return mapping.columns.contains { column in
            switch column.reason {
            case .given, .remembered, .computed: return false
            case .named: return !own.contains(Text.looseKey(column.header))
            case .unknown: return !Text.trimmed(column.header).isEmpty
            case .decided, .ambiguous, .duplicate: return true
            }
        }
    }

    /// The file's rows and the mapping proposed for them.
    public func propose(_ access: WorkspaceAccess, register: String, data: Data, spec: ImportSpec,
                        options: ImportOptions = .proposed) async throws -> (rows: [[String]], mapping: ColumnMapping) {
        let rows = try Tabular.rows(data)
        let remembered = try await services.store.read { try await $0.imports.mapping(register: register, in: access.workspaceID) }
        return (rows, try CSVTable.propose(rows: rows, spec: spec, given: options.map, remembered: remembered))
    }

    /// The file read through its mapping (proposed, remembered or given); refused, naming the
    /// column, when a header is ambiguous, and when it holds no row.
    public func table(_ access: WorkspaceAccess, register: String, data: Data, spec: ImportSpec, options: ImportOptions) async throws -> CSVTable {
        let (rows, mapping) = try await propose(access, register: register, data: data, spec: spec, options: options)
        let table = try CSVTable.make(rows: rows, spec: spec, mapping: mapping)
        if table.rows.isEmpty { throw DomainError.invalid(field: "file", code: "error.csvNoRows") }
        return table
    }

    /// The end of a committed import, in its own transaction: the page's pending file is taken
    /// (refused as gone when another commit took it first — the whole import is then undone), and
    /// the mapping of a file whose columns the person chose is remembered, so next year's file
    /// with the same headers is read the same way.
    public static func finish(_ table: CSVTable, register: String, options: ImportOptions, tx: Writer, workspace: Workspace.ID,
                              context: Context, at now: Date) async throws {
        if let pending = options.pending, let user = context.actor.userID {
            guard try await tx.imports.take(pending, user: user, in: workspace) else { throw DomainError.rule(code: "error.pendingImportGone") }
        }
        guard options.remember, let mapping = table.mapping, mapping.columns.contains(where: { $0.reason == .given }) else { return }
        var memory = try await tx.imports.mapping(register: register, in: workspace)
        let before = memory
        memory.merge(mapping.remembered) { _, new in new }
        guard memory != before else { return }
        try await tx.imports.saveMapping(memory, register: register, in: workspace, at: now)
        try await tx.record(AuditEntry(workspaceID: workspace, entityType: "import_mapping", entityID: register, action: "update",
                                       before: before.isEmpty ? nil : AuditJSON.encode(before), after: AuditJSON.encode(memory)), context, at: now)
    }

    /// Keeps an uploaded file for the page's next step; returns its id. Files past their time are
    /// dropped on the way.
    public func stash(_ access: WorkspaceAccess, register: String, target: String = "", fileName: String, data: Data) async throws -> UUID {
        let now = services.now
        let pending = PendingImport(workspaceID: access.workspaceID, userID: access.user.id, register: register, target: target,
                                    fileName: fileName, content: data, createdAt: now, expiresAt: now.addingTimeInterval(Self.pendingLifetime))
        try await services.store.write { tx in
            try await tx.imports.deleteExpired(now: now)
            // One file waits per person and register: a new upload replaces the last.
            try await tx.imports.delete(user: access.user.id, register: register, in: access.workspaceID)
            try await tx.imports.insert(pending)
        }
        return pending.id
    }

    /// The person's pending file for `register`: "not found" when the workspace has no such file
    /// (committed, swept, another workspace's); refused as gone when it is another person's, past
    /// its time, or for another register (the page sends them back to choose the file again).
    public func pending(_ access: WorkspaceAccess, _ id: UUID, register: String, target: String = "") async throws -> PendingImport {
        let now = services.now
        // Files past their time leave the database whenever one is asked for, not only on the next upload.
        try await services.store.write { try await $0.imports.deleteExpired(now: now) }
        guard let pending = try await services.store.read({ try await $0.imports.load(id, in: access.workspaceID) }) else {
            throw DomainError.notFound(entity: "pending_import")
        }
        guard pending.userID == access.user.id, pending.expiresAt > now, pending.register == register, pending.target == target else {
            throw DomainError.rule(code: "error.pendingImportGone")
        }
        return pending
    }
}

extension Tabular {
    /// The rows of a CSV or Excel file, refused with what is wrong and where.
    public static func rows(_ data: Data) throws -> [[String]] {
        switch format(of: data) {
        case .xlsx: return try readWorkbook(data)
        case .csv: return try CSV.rows(data)
        }
    }
}

extension ImportVocabulary {
    private static let messages = try? Localizer.bundled()

    /// A register's columns in the vocabulary's order; each accepts its key, its headers in both
    /// languages (`csv.<register>.<key>`) and the vocabulary's synonyms.
    public func columns(_ register: String, required: Set<String> = []) -> [(key: String, names: Set<String>, required: Bool)] {
        (registers[register]?.columns ?? []).map { column in
            (column.key, names(register, column.key).union(column.names), required.contains(column.key))
        }
    }

    /// The key and the message catalog's headers of a column.
    func names(_ register: String, _ key: String) -> Set<String> {
        var names: Set<String> = [key]
        if let messages = Self.messages, messages.has("csv.\(register).\(key)") {
            for language in Language.allCases { names.insert(messages.text("csv.\(register).\(key)", language)) }
        }
        return names
    }

    public func computed(_ register: String) -> Set<String> { Set(registers[register]?.computed ?? []) }
}

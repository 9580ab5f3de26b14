import Domain
import Foundation
import SQLKit

/// A record kept as one JSON document plus the few columns it is found by (ADR 0009): the
/// workspace, a sort key for keyset paging, and whatever filters need. The document is the
/// truth; the columns are written from it on every insert and update.
public protocol StoredDocument: Codable, Sendable {
    static var table: String { get }
    var documentID: UUID { get }
    var documentWorkspace: UUID { get }
    /// Ascending order of lists (pad numbers, invert dates for newest first).
    var sortKey: String { get }
    /// Indexed columns besides `id`, `workspace_id`, `sort_key` and `body`; `nil` writes NULL.
    var columns: [(String, (any Encodable & Sendable)?)] { get }
}

/// Inverts a day so that an ascending sort lists the newest first.
func newestFirst(_ day: CalendarDate) -> String { String(format: "%08d", 9_999_999 - day.dayNumber) }
func padded(_ number: Int) -> String { String(format: "%010d", number) }

struct DocumentRow: RowDecodable {
    var body: String
    init(_ r: RowReader) throws { body = try r.string("body") }
}

/// Filters a list of documents: a column and the value it must equal, or the values it must be one of.
public struct DocumentFilter: Sendable {
    public var column: String
    public var value: any Encodable & Sendable
    public var values: [String]?
    public init(_ column: String, _ value: any Encodable & Sendable) { self.column = column; self.value = value }
    public init(_ column: String, oneOf values: [String]) { self.column = column; self.value = ""; self.values = values }

    func apply(to builder: some SQLPredicateBuilder) {
        if let values { builder.where(SQLIdentifier(column), .in, values) } else { builder.where(SQLIdentifier(column), .equal, SQLBind(value)) }
    }
}

enum DocumentCoders {
    nonisolated(unsafe) static let encoder: JSONEncoder = { let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]; return e }()
    nonisolated(unsafe) static let decoder = JSONDecoder()
}

public struct DocumentStore<Record: StoredDocument>: Sendable {
    let sql: any SQLDatabase

    // One of each, shared: making a coder per row was most of the cost of reading a list.
    static var encoder: JSONEncoder { DocumentCoders.encoder }

    func bind(_ value: (any Encodable & Sendable)?) -> any SQLExpression {
        guard let value else { return SQLLiteral.null }
        return SQLBind(value)
    }

    func body(_ record: Record) throws -> String { String(decoding: try Self.encoder.encode(record), as: UTF8.self) }

    func decode(_ row: DocumentRow) throws -> Record { try DocumentCoders.decoder.decode(Record.self, from: Data(row.body.utf8)) }

    public func insert(_ record: Record) async throws {
        let extra = record.columns
        try await sql.insert(into: Record.table)
            .columns(["id", "workspace_id", "sort_key", "body"] + extra.map(\.0))
            .values([SQLBind(record.documentID), SQLBind(record.documentWorkspace), SQLBind(record.sortKey), SQLBind(try body(record))] + extra.map { bind($0.1) })
            .run()
    }

    public func update(_ record: Record) async throws {
        let builder = sql.update(Record.table).set("sort_key", to: SQLBind(record.sortKey)).set("body", to: SQLBind(try body(record)))
        for (column, value) in record.columns { builder.set(SQLIdentifier(column), to: bind(value)) }
        try await builder.where("id", .equal, SQLBind(record.documentID)).where("workspace_id", .equal, SQLBind(record.documentWorkspace)).run()
    }

    public func delete(_ id: UUID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: Record.table).where("id", .equal, SQLBind(id)).where("workspace_id", .equal, SQLBind(workspace.uuid)).run()
    }

    public func delete(where filter: DocumentFilter, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: Record.table).where(SQLIdentifier(filter.column), .equal, SQLBind(filter.value))
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).run()
    }

    public func load(_ id: UUID, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> Record? {
        let query = sql.select().column("body").from(Record.table).where("id", .equal, SQLBind(id)).where("workspace_id", .equal, SQLBind(workspace.uuid))
        if forUpdate { query.for(.update) }
        return try await query.first(DocumentRow.self).map(decode)
    }

    func select(_ workspace: Workspace.ID, _ filters: [DocumentFilter]) -> SQLSelectBuilder {
        let builder = sql.select().column("body").from(Record.table).where("workspace_id", .equal, SQLBind(workspace.uuid))
        for filter in filters { filter.apply(to: builder) }
        return builder
    }

    /// Every matching record in list order (for registers that stay small: one workspace's audits, reviews…).
    public func all(in workspace: Workspace.ID, _ filters: [DocumentFilter] = [], limit: Int = 5000) async throws -> [Record] {
        try await select(workspace, filters).orderBy("sort_key").orderBy("id").limit(limit).all(DocumentRow.self).map(decode)
    }

    /// Records whose column is one of `values`.
    public func all(in workspace: Workspace.ID, where column: String, in values: [UUID]) async throws -> [Record] {
        guard !values.isEmpty else { return [] }
        return try await sql.select().column("body").from(Record.table).where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where(SQLIdentifier(column), .in, SQLGroupExpression(values.map { SQLBind($0) as any SQLExpression })).orderBy("sort_key").orderBy("id").all(DocumentRow.self).map(decode)
    }

    public func page(in workspace: Workspace.ID, _ filters: [DocumentFilter] = [], page: PageRequest) async throws -> Page<Record> {
        let builder = select(workspace, filters).column("sort_key").column("id")
        if let cursor = page.cursor.flatMap(Cursor.decode), let id = UUID(uuidString: cursor.id) {
            builder.where { $0.where("sort_key", .greaterThan, SQLBind(cursor.key)).orWhere { $0.where("sort_key", .equal, SQLBind(cursor.key)).where("id", .greaterThan, SQLBind(id)) } }
        }
        let rows = try await builder.orderBy("sort_key").orderBy("id").limit(page.limit + 1).all(DocumentRow.self)
        let items = try rows.prefix(page.limit).map(decode)
        let next = rows.count > page.limit ? items.last.map { Cursor(key: $0.sortKey, id: $0.documentID.uuidString).encoded } : nil
        return Page(items: items, nextCursor: next)
    }

    public func count(in workspace: Workspace.ID, _ filters: [DocumentFilter] = []) async throws -> Int {
        let builder = sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(Record.table).where("workspace_id", .equal, SQLBind(workspace.uuid))
        for filter in filters { filter.apply(to: builder) }
        return try await builder.first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// How many matching records there are per value of `column` (a UUID column).
    public func counts(by column: String, in workspace: Workspace.ID, _ filters: [DocumentFilter] = []) async throws -> [UUID: Int] {
        let builder = sql.select().column(SQLIdentifier(column), as: "k").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(Record.table)
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).where(SQLIdentifier(column), .isNot, SQLLiteral.null)
        for filter in filters { filter.apply(to: builder) }
        var out: [UUID: Int] = [:]
        for row in try await builder.groupBy(SQLIdentifier(column)).all() {
            if let key = try RowReader(row: row).optionalUUID("k") { out[key] = try row.decode(column: "n", as: Int.self) }
        }
        return out
    }
}

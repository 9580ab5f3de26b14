import Domain
import Foundation
import SQLKit

enum RecordCoders {
    nonisolated(unsafe) static let encoder: JSONEncoder = { let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]; return e }()
    nonisolated(unsafe) static let decoder = JSONDecoder()
}

struct BodyRow: RowDecodable {
    var body: String
    init(_ r: RowReader) throws { body = try r.string("body") }
}

/// The store of one register's records, derived from its `RecordSchema`: writes keep the declared
/// columns, links and search grams in step with the document; reads filter on declared columns,
/// page in any declared order and always within one workspace.
public struct RecordStore<Record: StoredRecord>: Sendable {
    let sql: any SQLDatabase
    var schema: RecordSchema<Record> { Record.schema }

    init(sql: any SQLDatabase) { self.sql = sql }

    func body(_ record: Record) throws -> String { String(decoding: try RecordCoders.encoder.encode(record), as: UTF8.self) }

    /// The record a stored body holds. Decoding is a pure function of the body, so a body read
    /// before is answered from `DecodedBodies` (JSON decoding was 38 % of the "my work" page's CPU).
    func decode(_ row: BodyRow) throws -> Record {
        let key = DecodedBodies.Key(Record.self, row.body)
        if let record = DecodedBodies.shared.record(key, as: Record.self) { return record }
        let record = try RecordCoders.decoder.decode(Record.self, from: Data(row.body.utf8))
        DecodedBodies.shared.keep(record, for: key)
        return record
    }

    static func bind(_ value: ColumnValue) -> any SQLExpression {
        if case .null = value { return SQLLiteral.null }
        return SQLBind(value)
    }

    // MARK: Writes

    public func insert(_ record: Record) async throws {
        try await insert([record])
    }

    /// Many records at once, in multi-row statements (imports, demo data).
    public func insert(_ records: [Record]) async throws {
        guard let first = records.first else { return }
        let names = ["id", "workspace_id", "body"] + schema.values(first).map(\.0)
        for chunk in stride(from: 0, to: records.count, by: 200) {
            let builder = sql.insert(into: schema.table).columns(names)
            for record in records[chunk..<min(chunk + 200, records.count)] {
                builder.values([SQLBind(record.id.uuid), SQLBind(record.workspaceID.uuid), SQLBind(try body(record))] + schema.values(record).map { Self.bind($0.1) })
            }
            try await builder.run()
        }
        for record in records { try await writeSidecars(record, replacing: false) }
    }

    /// Writes the record as given (the version is the caller's: Features bumps it in one place).
    public func update(_ record: Record) async throws {
        let builder = sql.update(schema.table).set("body", to: SQLBind(try body(record)))
        for (column, value) in schema.values(record) { builder.set(SQLIdentifier(column), to: Self.bind(value)) }
        try await builder.where("id", .equal, SQLBind(record.id.uuid)).where("workspace_id", .equal, SQLBind(record.workspaceID.uuid)).run()
        try await writeSidecars(record, replacing: true)
    }

    public func delete(_ id: Record.ID, in workspace: Workspace.ID) async throws {
        try await deleteSidecars([id.uuid], in: workspace)
        try await sql.delete(from: schema.table).where("id", .equal, SQLBind(id.uuid)).where("workspace_id", .equal, SQLBind(workspace.uuid)).run()
    }

    /// Deletes every record matching the filters (a parent's children).
    public func delete(_ filters: [Filter<Record>], in workspace: Workspace.ID) async throws {
        let ids = try await select(workspace, filters, columns: ["id"]).all().map { try $0.decode(column: "id", as: UUID.self) }
        guard !ids.isEmpty else { return }
        try await deleteSidecars(ids, in: workspace)
        let builder = sql.delete(from: schema.table).where("workspace_id", .equal, SQLBind(workspace.uuid))
        for filter in filters { apply(filter, to: builder) }
        try await builder.run()
    }

    private func writeSidecars(_ record: Record, replacing: Bool) async throws {
        if let links = schema.links {
            let store = LinkStore(sql: sql)
            if replacing { try await store.delete(records: [record.id.uuid], type: schema.table, in: record.workspaceID) }
            try await store.insert(Set(links(record)), record: record.id.uuid, type: schema.table, in: record.workspaceID)
        }
        if let texts = schema.searchText {
            let store = SearchIndex(sql: sql)
            if replacing { try await store.delete(records: [record.id.uuid], type: schema.table, in: record.workspaceID) }
            try await store.insert(SearchIndex.grams(texts(record)), record: record.id.uuid, type: schema.table, in: record.workspaceID)
        }
    }

    private func deleteSidecars(_ ids: [UUID], in workspace: Workspace.ID) async throws {
        if schema.links != nil { try await LinkStore(sql: sql).delete(records: ids, type: schema.table, in: workspace) }
        if schema.searchText != nil { try await SearchIndex(sql: sql).delete(records: ids, type: schema.table, in: workspace) }
    }

    // MARK: Reads

    public func load(_ id: Record.ID, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> Record? {
        let query = sql.select().column("body").from(schema.table).where("id", .equal, SQLBind(id.uuid)).where("workspace_id", .equal, SQLBind(workspace.uuid))
        if forUpdate { query.for(.update) }
        return try await query.first(BodyRow.self).map(decode)
    }

    func select(_ workspace: Workspace.ID, _ filters: [Filter<Record>], columns: [String] = ["body"]) -> SQLSelectBuilder {
        let builder = sql.select().columns(columns.map { SQLIdentifier($0) }).from(schema.table).where("workspace_id", .equal, SQLBind(workspace.uuid))
        for filter in filters { apply(filter, to: builder) }
        return builder
    }

    func apply<B: SQLPredicateBuilder>(_ filter: Filter<Record>, to builder: B) {
        switch filter.condition {
        case .compare(let keyPath, let op, let value):
            let column = SQLIdentifier(schema.column(for: keyPath).name)
            switch op {
            case "=": builder.where(column, .equal, Self.bind(value))
            case "<>": builder.where(column, .notEqual, Self.bind(value))
            case ">=": builder.where(column, .greaterThanOrEqual, Self.bind(value))
            case "<": builder.where(column, .lessThan, Self.bind(value))
            case "IS": builder.where(column, .is, SQLLiteral.null)
            default: builder.where(column, .isNot, SQLLiteral.null)
            }
        case .oneOf(let keyPath, let values):
            let column = SQLIdentifier(schema.column(for: keyPath).name)
            if values.isEmpty { builder.where(SQLLiteral.boolean(false), .equal, SQLLiteral.boolean(true)) } else {
                builder.where(column, .in, SQLGroupExpression(values.map(Self.bind)))
            }
        case .any(let alternatives):
            builder.where { group in
                for alternative in alternatives { group.orWhere { inner in apply(alternative, to: inner); return inner } }
                return group
            }
        }
    }

    /// Every matching record in the order (for registers that stay small: one workspace's audits, reviews…).
    public func all(in workspace: Workspace.ID, _ filters: [Filter<Record>] = [], order: RecordOrder<Record>? = nil, limit: Int = 5000) async throws -> [Record] {
        let column = schema.orderColumn(order)
        return try await select(workspace, filters).orderBy(SQLIdentifier(column)).orderBy("id").limit(limit).all(BodyRow.self).map(decode)
    }

    /// Records whose id is one of `ids`, in the default order.
    public func all(in workspace: Workspace.ID, ids: [Record.ID]) async throws -> [Record] {
        guard !ids.isEmpty else { return [] }
        return try await sql.select().column("body").from(schema.table).whereIDs(ids.map(\.uuid), in: workspace)
            .orderBy("sort_key").orderBy("id").all(BodyRow.self).map(decode)
    }

    /// One page in a declared order, continued by the cursor of the page before.
    public func page(in workspace: Workspace.ID, _ filters: [Filter<Record>] = [], order: RecordOrder<Record>? = nil, page: PageRequest) async throws -> Page<Record> {
        var result = try await self.page(select(workspace, filters), order: order, page: page)
        if page.counting { result.total = try await count(in: workspace, filters) }
        return result
    }

    func page(_ builder: SQLSelectBuilder, order: RecordOrder<Record>?, page: PageRequest) async throws -> Page<Record> {
        let column = schema.orderColumn(order)
        builder.column(SQLIdentifier(column)).column("id")
        if let cursor = page.cursor.flatMap(Cursor.decode), let id = UUID(uuidString: cursor.id) {
            builder.where {
                $0.where(SQLIdentifier(column), .greaterThan, SQLBind(cursor.key))
                    .orWhere { $0.where(SQLIdentifier(column), .equal, SQLBind(cursor.key)).where("id", .greaterThan, SQLBind(id)) }
            }
        }
        let rows = try await builder.orderBy(SQLIdentifier(column)).orderBy("id").limit(page.limit + 1).offset(page.skip).all()
        var items: [Record] = []
        var lastKey = ""
        for row in rows.prefix(page.limit) {
            items.append(try decode(BodyRow(RowReader(row: row))))
            lastKey = try row.decode(column: column, as: String.self)
        }
        let next = rows.count > page.limit ? items.last.map { Cursor(key: lastKey, id: $0.id.uuid.uuidString).encoded } : nil
        return Page(items: items, nextCursor: next)
    }

    public func count(in workspace: Workspace.ID, _ filters: [Filter<Record>] = []) async throws -> Int {
        let builder = sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(schema.table).where("workspace_id", .equal, SQLBind(workspace.uuid))
        for filter in filters { apply(filter, to: builder) }
        return try await builder.first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// How many matching records there are per value of a declared column (records without a value are left out).
    public func counts<V: ColumnRepresentable & Hashable>(by keyPath: KeyPath<Record, V>, in workspace: Workspace.ID,
                                                           _ filters: [Filter<Record>] = []) async throws -> [V: Int] {
        let column = schema.column(for: keyPath)
        let builder = sql.select().column(SQLIdentifier(column.name), as: "k").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(schema.table)
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).where(SQLIdentifier(column.name), .isNot, SQLLiteral.null)
        for filter in filters { apply(filter, to: builder) }
        var out: [V: Int] = [:]
        for row in try await builder.groupBy(SQLIdentifier(column.name)).all() {
            let raw: ColumnValue
            switch column.type {
            case .text: raw = .text(try row.decode(column: "k", as: String.self))
            case .int: raw = .int(try row.decode(column: "k", as: Int.self))
            case .uuid: raw = .uuid(try RowReader(row: row).uuid("k"))
            case .bool: raw = .bool(try row.decode(column: "k", as: Bool.self))
            }
            if let key = V(columnValue: raw) { out[key] = try row.decode(column: "n", as: Int.self) }
        }
        return out
    }

    /// The records of this register that name `link` (a control, an asset, a person…), in the default order.
    public func naming(_ link: RecordLink, in workspace: Workspace.ID, _ filters: [Filter<Record>] = [], limit: Int = 1000) async throws -> [Record] {
        let ids = SQLSubquery.select { $0.column("record_id").from("record_links").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("record_type", .equal, SQLBind(schema.table)).where("kind", .equal, SQLBind(link.kind.rawValue)).where("target", .equal, SQLBind(link.target)) }
        return try await select(workspace, filters).where("id", .in, ids).orderBy("sort_key").orderBy("id").limit(limit).all(BodyRow.self).map(decode)
    }

    /// Records whose searchable text contains `text` (Japanese included, from two characters by the
    /// gram index, one character by its first letters), paged in a declared order.
    public func search(_ text: String, in workspace: Workspace.ID, _ filters: [Filter<Record>] = [], order: RecordOrder<Record>? = nil,
                       page: PageRequest) async throws -> Page<Record> {
        guard let texts = schema.searchText else { preconditionFailure("\(schema.table) declares no searchable text") }
        guard let query = SearchIndex.query(text) else { return try await self.page(in: workspace, filters, order: order, page: page) }
        let builder = select(workspace, filters).where("id", .in, SearchIndex.matching(query, type: schema.table, in: workspace, on: sql))
        var result = try await self.page(builder, order: order, page: page)
        // The grams say "these pairs occur"; the text itself says whether they occur together.
        result.items = result.items.filter { SearchIndex.contains(texts($0), query.normalized) }
        return result
    }
}

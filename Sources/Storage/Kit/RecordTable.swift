import Domain
import FluentKit
import Foundation
import SQLKit

/// The table of a register, derived from its schema. A register's migration calls `sync`: on a
/// new database it creates the table with every declared column, order and index; on an existing
/// one it adds what the schema declares and the table lacks, filling new columns from the stored
/// documents. A later change to the schema is shipped as one more migration that calls `sync`
/// again — never by editing an earlier migration.
public struct RecordTable<Record: StoredRecord>: Sendable {
    public init() {}

    var schema: RecordSchema<Record> { Record.schema }

    static func dataType(_ type: ColumnType) -> DatabaseSchema.DataType {
        switch type { case .text: .string; case .int: .int; case .uuid: .uuid; case .bool: .bool }
    }

    /// The columns besides id, workspace_id and body: one per order, then the declared ones.
    var derivedColumns: [(String, ColumnType)] {
        schema.orders.enumerated().map { ($0.element.column(isDefault: $0.offset == 0), ColumnType.text) } + schema.columns.map { ($0.name, $0.type) }
    }

    /// The names of the indexes and their columns: the workspace with each order (and the id, for
    /// keyset paging), the workspace with each declared column, and the declared extra indexes.
    var indexes: [(String, [String])] {
        var out: [(String, [String])] = []
        for (index, order) in schema.orders.enumerated() {
            let column = order.column(isDefault: index == 0)
            out.append(("\(schema.table)_workspace_\(column)", ["workspace_id", column, "id"]))
        }
        for column in schema.columns { out.append(("\(schema.table)_workspace_\(column.name)", ["workspace_id", column.name])) }
        for columns in schema.indexes { out.append(("\(schema.table)_" + columns.joined(separator: "_"), ["workspace_id"] + columns)) }
        return out
    }

    public func sync(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let existing = try await Self.columns(of: schema.table, sql: sql)
        if existing.isEmpty {
            var builder = database.schema(schema.table)
                .field("id", .uuid, .identifier(auto: false))
                .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
                .field("body", .string, .required)
            for (name, type) in derivedColumns {
                builder = builder.field(.definition(name: .key(FieldKey(stringLiteral: name)), dataType: Self.dataType(type), constraints: []))
            }
            for columns in schema.unique {
                builder = builder.constraint(.constraint(.unique(fields: (["workspace_id"] + columns).map { .key(FieldKey(stringLiteral: $0)) }), name: nil))
            }
            try await builder.create()
        } else {
            let missing = derivedColumns.filter { !existing.contains($0.0) }
            for (name, type) in missing {
                try await database.schema(schema.table).field(.definition(name: .key(FieldKey(stringLiteral: name)), dataType: Self.dataType(type), constraints: []))
                    .update()
            }
            if !missing.isEmpty { try await rewriteColumns(sql: sql) }
        }
        for (name, columns) in indexes {
            try await sql.raw("CREATE INDEX IF NOT EXISTS \(ident: name) ON \(ident: schema.table) (\(idents: columns, joinedBy: ", "))").run()
        }
    }

    /// Writes every derived column again from the stored documents (after columns were added).
    func rewriteColumns(sql: any SQLDatabase) async throws {
        let store = RecordStore<Record>(sql: sql)
        let rows = try await sql.select().column("body").from(schema.table).all(BodyRow.self)
        for row in rows {
            let record = try store.decode(row)
            let builder = sql.update(schema.table)
            for (column, value) in schema.values(record) { builder.set(SQLIdentifier(column), to: RecordStore<Record>.bind(value)) }
            try await builder.where("id", .equal, SQLBind(record.id.uuid)).run()
        }
    }

    /// The column names of a table; empty when there is no such table. (The one place the two
    /// engines are asked differently: neither standard SQL nor SQLKit lists a table's columns.)
    static func columns(of table: String, sql: any SQLDatabase) async throws -> Set<String> {
        let rows: [any SQLRow]
        if sql.dialect.name == "postgresql" {
            rows = try await sql.raw("SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = \(bind: table)").all()
        } else {
            rows = try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all()
        }
        return Set(try rows.map { try $0.decode(column: "name", as: String.self) })
    }

    public func drop(on database: any Database) async throws {
        try await database.schema(schema.table).delete()
    }
}

/// The kit's shared tables: what records name (`record_links`) and the search grams (`search_grams`, replaced by `search_docs` in 0021).
struct CreateRegisterKit: AsyncMigration {
    var name: String { "0014_register_kit" }

    func prepare(on database: any Database) async throws {
        try await database.schema("record_links")
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("record_type", .string, .required)
            .field("record_id", .uuid, .required)
            .field("kind", .string, .required)
            .field("target", .string, .required)
            .create()
        try await Self.createSearchGrams(on: database)
        let sql = database as! any SQLDatabase
        try await sql.create(index: "record_links_target").on("record_links").column("workspace_id").column("kind").column("target").column("record_type").run()
        try await sql.create(index: "record_links_record").on("record_links").column("workspace_id").column("record_id").run()
        try await sql.create(index: "search_grams_gram").on("search_grams").column("workspace_id").column("record_type").column("gram").column("record_id").run()
        try await sql.create(index: "search_grams_record").on("search_grams").column("workspace_id").column("record_id").run()
    }

    /// The pairs table of ADR 0010 (dropped by 0021; its revert makes it again).
    static func createSearchGrams(on database: any Database) async throws {
        try await database.schema("search_grams")
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("record_type", .string, .required)
            .field("record_id", .uuid, .required)
            .field("gram", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("search_grams").delete()
        try await database.schema("record_links").delete()
    }
}

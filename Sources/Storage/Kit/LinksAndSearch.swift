import Domain
import Foundation
import FluentKit
import SQLKit

/// What each record names (`record_links`): written by `RecordStore` from the schema's declared
/// links, so "which records of any register name this control / asset / person" is one indexed query.
public struct LinkStore: Sendable {
    let sql: any SQLDatabase

    /// One record that names the target.
    public struct Naming: Sendable, Hashable {
        /// The register (its table).
        public var type: String
        public var id: UUID
    }

    func insert(_ links: Set<RecordLink>, record: UUID, type: String, in workspace: Workspace.ID) async throws {
        guard !links.isEmpty else { return }
        let rows = Array(links)
        for chunk in stride(from: 0, to: rows.count, by: 400) {
            let builder = sql.insert(into: "record_links").columns("workspace_id", "record_type", "record_id", "kind", "target")
            for link in rows[chunk..<min(chunk + 400, rows.count)] {
                builder.values(SQLBind(workspace.uuid), SQLBind(type), SQLBind(record), SQLBind(link.kind.rawValue), SQLBind(link.target))
            }
            try await builder.run()
        }
    }

    func delete(records: [UUID], type: String, in workspace: Workspace.ID) async throws {
        for chunk in stride(from: 0, to: records.count, by: 500) {
            try await sql.delete(from: "record_links").where("workspace_id", .equal, SQLBind(workspace.uuid))
                .where("record_id", .in, SQLGroupExpression(records[chunk..<min(chunk + 500, records.count)].map { SQLBind($0) as any SQLExpression })).run()
        }
    }

    /// Every record, of every register, that names the target.
    public func naming(_ link: RecordLink, in workspace: Workspace.ID) async throws -> [Naming] {
        try await sql.select().column("record_type").column("record_id").from("record_links").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("kind", .equal, SQLBind(link.kind.rawValue)).where("target", .equal, SQLBind(link.target)).all()
            .map { Naming(type: try $0.decode(column: "record_type", as: String.self), id: try RowReader(row: $0).uuid("record_id")) }
    }

    /// Which records of one register name each target of a kind: target → record ids (the SoA's "documents of a control").
    public func targets(_ kind: RecordLink.Kind, type: String, in workspace: Workspace.ID) async throws -> [String: [UUID]] {
        var out: [String: [UUID]] = [:]
        for row in try await sql.select().column("target").column("record_id").from("record_links").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("record_type", .equal, SQLBind(type)).where("kind", .equal, SQLBind(kind.rawValue)).all() {
            out[try row.decode(column: "target", as: String.self), default: []].append(try RowReader(row: row).uuid("record_id"))
        }
        return out
    }

    /// How many records of one register name each target of a kind (the SoA's "documents per control").
    public func counts(_ kind: RecordLink.Kind, type: String, in workspace: Workspace.ID) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try await sql.select().column("target").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("record_links")
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).where("record_type", .equal, SQLBind(type)).where("kind", .equal, SQLBind(kind.rawValue))
            .groupBy("target").all() {
            out[try row.decode(column: "target", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        return out
    }
}

/// The n-gram index behind every register's search box (ADR 0010). FTS5's trigram tokenizer and
/// pg_trgm cannot match a query shorter than three characters, and Japanese words are often two
/// (暗号, 教育); so each searchable text is cut into overlapping pairs of characters after NFKC and
/// lower-casing, with a space at either end, and kept in `search_grams` — the same on SQLite and
/// PostgreSQL. A query of two or more characters finds the records holding all of its pairs; one
/// character finds the pairs it begins. The page is then checked against the text itself.
public struct SearchIndex: Sendable {
    let sql: any SQLDatabase

    struct Query {
        var normalized: String
        var grams: [String]
        /// A one-character query: the grams that begin with it.
        var prefix: String?
    }

    static func normalize(_ text: String) -> String {
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
        var out = ""
        var space = false
        for character in folded {
            if character.isWhitespace {
                if !space && !out.isEmpty { out.append(" ") }
                space = true
            } else {
                out.append(character)
                space = false
            }
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    static func pairs(_ text: String) -> [String] {
        let characters = Array(text)
        guard characters.count >= 2 else { return [] }
        return (0..<(characters.count - 1)).map { String(characters[$0]) + String(characters[$0 + 1]) }
    }

    /// The distinct grams of the texts, each text bounded by spaces so its first and last characters begin a gram.
    static func grams(_ texts: [String]) -> Set<String> {
        var out = Set<String>()
        for text in texts {
            let normalized = normalize(text)
            guard !normalized.isEmpty else { continue }
            out.formUnion(pairs(" " + normalized + " "))
        }
        return out
    }

    static func query(_ raw: String) -> Query? {
        let normalized = normalize(raw)
        guard !normalized.isEmpty else { return nil }
        if normalized.count == 1 { return Query(normalized: normalized, grams: [], prefix: normalized) }
        return Query(normalized: normalized, grams: Array(Set(pairs(normalized))).sorted(), prefix: nil)
    }

    static func contains(_ texts: [String], _ normalized: String) -> Bool {
        texts.contains { normalize($0).contains(normalized) }
    }

    /// The ids of the records of `type` whose grams hold the query, as a subquery.
    static func matching(_ query: Query, type: String, in workspace: Workspace.ID) -> some SQLExpression {
        SQLSubquery.select { builder in
            builder.column("record_id").from("search_grams").where("workspace_id", .equal, SQLBind(workspace.uuid)).where("record_type", .equal, SQLBind(type))
            if let prefix = query.prefix {
                // Every gram starting with the character: from it up to (not including) the next character.
                let next = prefix.unicodeScalars.first.flatMap { Unicode.Scalar($0.value + 1) }.map { String(Character($0)) } ?? prefix
                builder.where("gram", .greaterThanOrEqual, SQLBind(prefix)).where("gram", .lessThan, SQLBind(next))
                return builder.groupBy("record_id")
            }
            builder.where("gram", .in, SQLGroupExpression(query.grams.map { SQLBind($0) as any SQLExpression })).groupBy("record_id")
                .having(SQLFunction("COUNT", args: SQLDistinct(SQLIdentifier("gram"))), .equal, SQLBind(query.grams.count))
            return builder
        }
    }

    func insert(_ grams: Set<String>, record: UUID, type: String, in workspace: Workspace.ID) async throws {
        guard !grams.isEmpty else { return }
        let all = Array(grams)
        for chunk in stride(from: 0, to: all.count, by: 500) {
            let builder = sql.insert(into: "search_grams").columns("workspace_id", "record_type", "record_id", "gram")
            for gram in all[chunk..<min(chunk + 500, all.count)] {
                builder.values(SQLBind(workspace.uuid), SQLBind(type), SQLBind(record), SQLBind(gram))
            }
            try await builder.run()
        }
    }

    /// The grams of many records in multi-row inserts (imports, assessment copies, the demo).
    func insert(_ records: [(id: UUID, texts: [String])], type: String, in workspace: Workspace.ID) async throws {
        var builder: SQLInsertBuilder? = nil
        var rows = 0
        for record in records {
            for gram in Self.grams(record.texts) {
                if builder == nil { builder = sql.insert(into: "search_grams").columns("workspace_id", "record_type", "record_id", "gram") }
                builder?.values(SQLBind(workspace.uuid), SQLBind(type), SQLBind(record.id), SQLBind(gram))
                rows += 1
                if rows == 1000 {
                    try await builder?.run()
                    builder = nil
                    rows = 0
                }
            }
        }
        try await builder?.run()
    }

    /// One record's grams after its text changed.
    func replace(record: UUID, texts: [String], type: String, in workspace: Workspace.ID) async throws {
        try await delete(records: [record], type: type, in: workspace)
        try await insert(Self.grams(texts), record: record, type: type, in: workspace)
    }

    /// Narrows a query of `type` records to those whose grams hold `text`. Nil when the text is
    /// blank (no narrowing); otherwise the query to check a page's records against afterwards.
    static func narrow(_ builder: SQLSelectBuilder, to text: String?, type: String, in workspace: Workspace.ID, column: any SQLExpression = SQLColumn("id")) -> Query? {
        guard let text, let query = Self.query(text) else { return nil }
        builder.where(column, .in, matching(query, type: type, in: workspace))
        return query
    }

    func delete(records: [UUID], type: String, in workspace: Workspace.ID) async throws {
        for chunk in stride(from: 0, to: records.count, by: 500) {
            try await sql.delete(from: "search_grams").where("workspace_id", .equal, SQLBind(workspace.uuid)).where("record_type", .equal, SQLBind(type))
                .where("record_id", .in, SQLGroupExpression(records[chunk..<min(chunk + 500, records.count)].map { SQLBind($0) as any SQLExpression })).run()
        }
    }
}

/// Per-workspace numbers handed out one after another and never reused, even after a delete
/// (NC-1, DOC-001, R-001…). Call inside the write transaction that uses the number.
public struct SequenceStore: Sendable {
    let sql: any SQLDatabase

    /// Holds the workspace's row until the transaction ends (PostgreSQL; SQLite writes one at a time anyway).
    public func lockWorkspace(_ id: Workspace.ID) async throws {
        try await sql.select().column("id").from("workspaces").where("id", .equal, SQLBind(id.uuid)).for(.update).run()
    }

    /// The number after the last one handed out; `floor` is the highest number already in use
    /// (records written before the sequence existed), so numbering continues above it.
    public func next(_ name: String, in workspace: Workspace.ID, floor: Int = 0) async throws -> Int {
        try await reserve(name, count: 1, in: workspace, floor: floor)
    }

    /// Reserves `count` numbers at once and returns the first.
    public func reserve(_ name: String, count: Int, in workspace: Workspace.ID, floor: Int = 0) async throws -> Int {
        try await lockWorkspace(workspace)
        let current = try await sql.select().column("value").from("sequences").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("name", .equal, SQLBind(name)).first()?.decode(column: "value", as: Int.self)
        let start = max(current ?? 0, floor) + 1
        let last = start + count - 1
        if current != nil {
            try await sql.update("sequences").set("value", to: SQLBind(last)).where("workspace_id", .equal, SQLBind(workspace.uuid))
                .where("name", .equal, SQLBind(name)).run()
        } else {
            try await sql.insert(into: "sequences").columns("workspace_id", "name", "value").values(SQLBind(workspace.uuid), SQLBind(name), SQLBind(last)).run()
        }
        return start
    }

    /// Raises a sequence to at least `value` (numbers written in bulk by hand), never lowering it.
    public func raise(_ name: String, to value: Int, in workspace: Workspace.ID) async throws {
        let first = try await reserve(name, count: 1, in: workspace, floor: value - 1)
        if first < value { try await set(name, to: value, in: workspace) }
    }

    /// Sets a sequence so the next number follows `value` (records written in bulk).
    public func set(_ name: String, to value: Int, in workspace: Workspace.ID) async throws {
        try await lockWorkspace(workspace)
        try await sql.delete(from: "sequences").where("workspace_id", .equal, SQLBind(workspace.uuid)).where("name", .equal, SQLBind(name)).run()
        try await sql.insert(into: "sequences").columns("workspace_id", "name", "value").values(SQLBind(workspace.uuid), SQLBind(name), SQLBind(value)).run()
    }
}

/// The gram index for the registers written before they used it: assets, risks, members and
/// evidence searched with `lower(…) LIKE`, a scan of every row (ADR 0010, issue 20).
struct IndexEveryRegister: AsyncMigration {
    var name: String { "0021_search_grams_everywhere" }

    func prepare(on database: any Database) async throws {
        try await database.transaction { database in
            let sql = database as! any SQLDatabase
            try await backfill(sql, type: AssetStore.searchType, texts: ["code", "name", "location"]) {
                $0.column("id").column("workspace_id").column("code").column("name").column("location").from("assets")
            }
            try await backfill(sql, type: RiskRecordStore.searchType, texts: ["code", "scenario"]) {
                $0.column("id").column("workspace_id").column("code").column("scenario").from("risks")
            }
            try await backfill(sql, type: EvidenceStore.searchType, texts: ["title", "file_name"]) {
                $0.column("id").column("workspace_id").column("title").column("file_name").from("evidence")
            }
            try await backfill(sql, type: MemberStore.searchType, texts: ["display_name", "email"], table: "members") {
                $0.column(SQLColumn("id", table: "members")).column(SQLColumn("workspace_id", table: "members"))
                    .column(SQLColumn("display_name", table: "users")).column(SQLColumn("email", table: "users")).from("members")
                    .join("users", on: SQLColumn("user_id", table: "members"), .equal, SQLColumn("id", table: "users"))
            }
        }
    }

    /// Every row of a table, 2,000 at a time in id order, its texts cut into grams.
    private func backfill(_ sql: any SQLDatabase, type: String, texts: [String], table: String? = nil,
                          _ select: (SQLSelectBuilder) -> SQLSelectBuilder) async throws {
        let id: any SQLExpression = table.map { SQLColumn("id", table: $0) } ?? SQLColumn("id")
        var after: UUID? = nil
        while true {
            let query = select(sql.select())
            if let after { query.where(id, .greaterThan, SQLBind(after)) }
            let rows = try await query.orderBy(id).limit(2000).all()
            guard !rows.isEmpty else { return }
            var byWorkspace: [UUID: [(id: UUID, texts: [String])]] = [:]
            for row in rows {
                let reader = RowReader(row: row)
                byWorkspace[try reader.uuid("workspace_id"), default: []].append((try reader.uuid("id"), try texts.map { try reader.optionalString($0) ?? "" }))
            }
            for (workspace, records) in byWorkspace {
                try await SearchIndex(sql: sql).insert(records, type: type, in: Workspace.ID(workspace))
            }
            after = try RowReader(row: rows[rows.count - 1]).uuid("id")
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for type in [AssetStore.searchType, RiskRecordStore.searchType, EvidenceStore.searchType, MemberStore.searchType] {
            try await sql.delete(from: "search_grams").where("record_type", .equal, SQLBind(type)).run()
        }
    }
}

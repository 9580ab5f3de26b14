import Domain
import FluentKit
import Foundation
import SQLKit

/// The n-gram index behind every register's search box (ADR 0010, ADR 0017). FTS5's trigram
/// tokenizer and pg_trgm cannot match a query shorter than three characters, and Japanese words are
/// often two (暗号, 教育); so each searchable text is cut into overlapping pairs of characters after
/// NFKC and lower-casing, with a space at either end, and each pair written as one ASCII token
/// (`g` and the hexadecimal code points). A record is one row of `search_docs` holding its tokens;
/// the engine's own inverted index finds the rows holding every token of a query — FTS5 on SQLite
/// (an external-content table kept by triggers), a GIN index on a stored `to_tsvector('simple', grams)`
/// column on PostgreSQL. The rows are written by the same SQL on both engines; only the match differs. A
/// query of two or more characters finds the records holding all of its pairs; one character finds
/// the pairs it begins. The page is then checked against the text itself.
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

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A gram (or the first character of one) as a token both engines' tokenizers keep whole:
    /// `g`, then six hexadecimal digits per code point (`暗号` → `g006697` `0053f7`, written together).
    static func token(_ gram: String) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "g")]
        bytes.reserveCapacity(1 + 6 * gram.unicodeScalars.count)
        for scalar in gram.unicodeScalars {
            let value = scalar.value
            for shift in stride(from: 20, through: 0, by: -4) { bytes.append(hexDigits[Int((value >> UInt32(shift)) & 0xF)]) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The document a record is indexed as: its grams' tokens, space-separated, in a stable order.
    static func document(_ grams: Set<String>) -> String {
        grams.map(token).sorted().joined(separator: " ")
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

    /// The ids of the records of `type` whose documents hold the query, as a subquery.
    static func matching(_ query: Query, type: String, in workspace: Workspace.ID, on sql: any SQLDatabase) -> some SQLExpression {
        let sqlite = sql.dialect.name == "sqlite"
        let tokens = query.prefix.map { [token($0) + (sqlite ? "*" : ":*")] } ?? query.grams.map(token)
        let match: any SQLExpression = sqlite
            // The rows FTS5 finds, by rowid; no other index of search_docs leads with these columns, so the planner starts here.
            ? SQLBinaryExpression(SQLColumn("id"), .in, SQLSubquery.select {
                $0.column("rowid").from("search_fts").where(SQLQueryString("search_fts MATCH \(bind: tokens.joined(separator: " AND "))")) })
            : SQLQueryString("vector @@ to_tsquery('simple'::regconfig, \(bind: tokens.joined(separator: " & ")))")
        return SQLSubquery.select {
            $0.column("record_id").from("search_docs").where("workspace_id", .equal, SQLBind(workspace.uuid)).where("record_type", .equal, SQLBind(type)).where(match)
        }
    }

    /// How many records of `type` hold a query of one or two characters — exact by the index
    /// alone — counted from their documents without reading the records (one document per
    /// record). On PostgreSQL the count through the records read all 50,000 assets for 2,500
    /// matches (`EXPLAIN (ANALYZE, BUFFERS)`: 21 ms against 3 ms, issue 20). Nil for longer
    /// queries, which are checked against each candidate's texts.
    static func exactCount(_ query: Query, type: String, in workspace: Workspace.ID, on sql: any SQLDatabase) async throws -> Int? {
        guard query.normalized.count <= 2 else { return nil }
        return try await sql.select().column(SQLAlias(SQLFunction("count", args: SQLLiteral.all), as: SQLIdentifier("n")))
            .from(SQLAlias(matching(query, type: type, in: workspace, on: sql), as: SQLIdentifier("found")))
            .first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// How a query uses the matches: looked up by id (the planner's choice), or tested against each
    /// record as the query walks another index (SQLite only: the id's index is hidden from the
    /// planner by a unary plus, so it keeps the order's index).
    enum Use { case lookUp, walk }

    /// Narrows a query of `type` records to those whose documents hold `text`. Nil when the text
    /// is blank (no narrowing); otherwise the query to check a page's records against afterwards.
    static func narrow(_ builder: SQLSelectBuilder, to text: String?, type: String, in workspace: Workspace.ID,
                       column: any SQLExpression = SQLColumn("id"), use: Use = .lookUp) -> Query? {
        guard let text, let query = Self.query(text) else { return nil }
        let tested: any SQLExpression = use == .walk && builder.database.dialect.name == "sqlite" ? Unindexed(column) : column
        builder.where(tested, .in, matching(query, type: type, in: workspace, on: builder.database))
        return query
    }

    /// How many records of the list's order a search's first page walks before it looks its
    /// matches up instead (SQLite): a word in one record of fifty fills a page of fifty inside it.
    /// Walking a window of 2,550 assets costs about 1 ms when nothing in it matches; looking up
    /// 2,500 matches and sorting them, 14 ms (issue 20, Python's sqlite3 on the enterprise file).
    static func walkWindow(_ limit: Int) -> Int { 50 * (limit + 1) }

    /// `+column`: the same value, but not a column SQLite looks for an index on.
    struct Unindexed: SQLExpression {
        var column: any SQLExpression
        init(_ column: any SQLExpression) { self.column = column }
        func serialize(to serializer: inout SQLSerializer) {
            serializer.write("+")
            column.serialize(to: &serializer)
        }
    }

    func insert(_ grams: Set<String>, record: UUID, type: String, in workspace: Workspace.ID) async throws {
        guard !grams.isEmpty else { return }
        try await sql.insert(into: "search_docs").columns("workspace_id", "record_type", "record_id", "grams")
            .values(SQLBind(workspace.uuid), SQLBind(type), SQLBind(record), SQLBind(Self.document(grams))).run()
    }

    /// The documents of many records in multi-row inserts (imports, assessment copies, the demo).
    func insert(_ records: [(id: UUID, texts: [String])], type: String, in workspace: Workspace.ID) async throws {
        try await insert(records.map { ($0.id, Self.grams($0.texts)) }, type: type, in: workspace)
    }

    func insert(_ records: [(id: UUID, grams: Set<String>)], type: String, in workspace: Workspace.ID) async throws {
        try await insert(documents: records.compactMap { $0.grams.isEmpty ? nil : ($0.id, Self.document($0.grams)) }, type: type, in: workspace)
    }

    /// The documents of many records, already cut (`documents(_:)`), each next insert serialized while the one before runs.
    func insert(documents: [(id: UUID, document: String)], type: String, in workspace: Workspace.ID) async throws {
        try await sql.pipelined(Self.inserts(documents: documents, type: type, in: workspace))
    }

    /// The multi-row inserts of many records' documents (a bulk write runs them in its steps).
    static func inserts(documents: [(id: UUID, document: String)], type: String, in workspace: Workspace.ID) -> [any SQLExpression] {
        stride(from: 0, to: documents.count, by: 500).map { chunk in
            var insert = SQLInsert(table: SQLIdentifier("search_docs"))
            insert.columns = ["workspace_id", "record_type", "record_id", "grams"].map { SQLIdentifier($0) }
            insert.values = documents[chunk..<min(chunk + 500, documents.count)].map { record in
                [SQLBind(workspace.uuid), SQLBind(type), SQLBind(record.id), SQLBind(record.document)]
            }
            return insert
        }
    }

    /// Each record's document (none for a record without text).
    static func documents(_ records: [(id: UUID, texts: [String])]) -> [(id: UUID, document: String)] {
        records.compactMap { record in
            let grams = grams(record.texts)
            return grams.isEmpty ? nil : (record.id, document(grams))
        }
    }

    /// One record's document after its text changed.
    func replace(record: UUID, texts: [String], type: String, in workspace: Workspace.ID) async throws {
        try await delete(records: [record], type: type, in: workspace)
        try await insert(Self.grams(texts), record: record, type: type, in: workspace)
    }

    func delete(records: [UUID], type: String, in workspace: Workspace.ID) async throws {
        for chunk in stride(from: 0, to: records.count, by: 500) {
            try await sql.delete(from: "search_docs").where("record_id", .in, SQLGroupExpression(records[chunk..<min(chunk + 500, records.count)].map { SQLBind($0) as any SQLExpression }))
                .where("workspace_id", .equal, SQLBind(workspace.uuid)).where("record_type", .equal, SQLBind(type)).run()
        }
    }
}

/// The search index in the engines' inverted indexes (ADR 0017): one `search_docs` row per record
/// instead of one `search_grams` row per pair of characters — the pairs table of ADR 0010 took 630 MB
/// and 26 s to fill for the enterprise workspace's 50,000 assets, and made a 50,000-row import
/// twice as slow. The kit's registers' documents are built from their existing pairs; assets,
/// risks, members and evidence (searched with `lower(…) LIKE` until now) from their tables.
struct CreateSearchIndex: AsyncMigration {
    var name: String { "0021_search_index" }

    static let backfilled = [AssetStore.searchType, RiskRecordStore.searchType, EvidenceStore.searchType, MemberStore.searchType]

    func prepare(on database: any Database) async throws {
        try await database.transaction { database in
            let sql = database as! any SQLDatabase
            if sql.dialect.name == "sqlite" {
                try await sql.raw("""
                    CREATE TABLE search_docs (id INTEGER PRIMARY KEY, workspace_id UUID NOT NULL REFERENCES workspaces (id),
                    record_type TEXT NOT NULL, record_id UUID NOT NULL, grams TEXT NOT NULL)
                    """).run()
                // An external-content FTS5 table over search_docs: the index only, kept by triggers.
                try await sql.raw("CREATE VIRTUAL TABLE search_fts USING fts5(grams, content='search_docs', content_rowid='id', tokenize='ascii', detail='none')").run()
                try await sql.raw("CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN INSERT INTO search_fts (rowid, grams) VALUES (new.id, new.grams); END").run()
                try await sql.raw("""
                    CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
                    INSERT INTO search_fts (search_fts, rowid, grams) VALUES ('delete', old.id, old.grams); END
                    """).run()
            } else {
                // The vector is stored, not computed from `grams` at every match: a plan that checks
                // candidates row by row (walking assets in code order) would otherwise parse each one.
                try await sql.raw("""
                    CREATE TABLE search_docs (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, workspace_id UUID NOT NULL REFERENCES workspaces (id),
                    record_type TEXT NOT NULL, record_id UUID NOT NULL, grams TEXT NOT NULL,
                    vector TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, grams)) STORED)
                    """).run()
                try await sql.raw("CREATE INDEX search_docs_vector ON search_docs USING gin (vector)").run()
            }
            try await sql.create(index: "search_docs_record").on("search_docs").column("record_id").run()
            try await convert(sql)
            for (type, texts) in [(AssetStore.searchType, AssetStore.searchColumns), (RiskRecordStore.searchType, RiskRecordStore.searchColumns),
                                  (EvidenceStore.searchType, EvidenceStore.searchColumns)] {
                try await backfill(sql, type: type, texts: texts) { $0.column("id").column("workspace_id").columns(texts).from(type) }
            }
            try await backfill(sql, type: MemberStore.searchType, texts: MemberStore.searchColumns, table: "members") {
                $0.column(SQLColumn("id", table: "members")).column(SQLColumn("workspace_id", table: "members"))
                    .columns(MemberStore.searchColumns.map { SQLColumn($0, table: "users") }).from("members")
                    .join("users", on: SQLColumn("user_id", table: "members"), .equal, SQLColumn("id", table: "users"))
            }
            try await sql.drop(table: "search_grams").run()
        }
    }

    /// The kit's registers: each record's pairs become its document. Their tables are small
    /// (documents and courses: thousands of records, tens of thousands of pairs), read whole.
    private func convert(_ sql: any SQLDatabase) async throws {
        struct Key: Hashable { var workspace: UUID, type: String }
        var documents: [Key: [UUID: Set<String>]] = [:]
        for row in try await sql.select().column("workspace_id").column("record_type").column("record_id").column("gram").from("search_grams")
            .where("record_type", .notIn, Self.backfilled).all() {
            let reader = RowReader(row: row)
            documents[Key(workspace: try reader.uuid("workspace_id"), type: try reader.string("record_type")), default: [:]][try reader.uuid("record_id"), default: []]
                .insert(try reader.string("gram"))
        }
        for (key, records) in documents {
            try await SearchIndex(sql: sql).insert(records.map { ($0.key, $0.value) }, type: key.type, in: Workspace.ID(key.workspace))
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
        if sql.dialect.name == "sqlite" {
            try await sql.raw("DROP TRIGGER search_docs_insert").run()
            try await sql.raw("DROP TRIGGER search_docs_delete").run()
            try await sql.raw("DROP TABLE search_fts").run()
        }
        try await sql.drop(table: "search_docs").run()
        // The pairs table comes back empty: the kit's migration expects it.
        try await CreateRegisterKit.createSearchGrams(on: database)
    }
}

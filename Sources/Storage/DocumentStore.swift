import Domain
import FluentKit
import Foundation
import SQLKit

// The document register (7.5): documents and their versions are declared records (ADR 0010);
// acknowledgements are many (every member × every published document), so they are a table of
// their own with the indexes "to read" and completion need.

extension ControlledDocument.Kind: ColumnRepresentable {}
extension ControlledDocument.Status: ColumnRepresentable {}
extension DocumentVersion.Status: ColumnRepresentable {}

extension ControlledDocument: StoredRecord {
    public static let byTitle = RecordOrder<ControlledDocument>("title") { $0.title.lowercased() }
    public static let byReview = RecordOrder<ControlledDocument>("review") { ($0.nextReviewOn?.description ?? "9999-99-99") + $0.code.lowercased() }
    public static let schema = RecordSchema<ControlledDocument>(
        table: "documents",
        columns: [.column(\.number, "number"), .column(\.codeKey, "code_key"), .column(\.kind, "kind"), .column(\.status, "status"),
                  .column(\.ownerID, "owner_id"), .column(\.nextReviewOn, "next_review_on"), .column(\.isPublished, "published"), .column(\.pending, "pending")],
        orders: [RecordOrder("code") { $0.codeKey }, byTitle, byReview],
        unique: [["code_key"]],
        links: { document in
            document.references.map { reference -> RecordLink in
                if reference.hasPrefix("A.") { return .control(String(reference.dropFirst(2))) }
                return reference.first?.isNumber == true ? RecordLink(.clause, reference) : .control(reference)
            } + (document.ownerID.map { [RecordLink.person($0)] } ?? [])
        },
        search: { [$0.code, $0.title] })
}

extension DocumentVersion: StoredRecord {
    public static let schema = RecordSchema<DocumentVersion>(
        table: "document_versions",
        columns: [.column(\.documentID, "document_id"), .column(\.number, "number"), .column(\.status, "status")],
        orders: [RecordOrder("number") { $0.documentID.description + String(format: "%06d", $0.number) }],
        indexes: [["document_id", "number"]],
        // Only the text in force or being written is searched; superseded text is history.
        search: { version in
            guard version.status != .superseded && version.status != .retired, let body = version.body else { return [] }
            return [version.summary, Markdown.plainText(Markdown.parse(body))]
        })
}

/// Read-and-acknowledge records.
public struct AcknowledgementStore: Sendable {
    let sql: any SQLDatabase

    struct Row: Codable {
        var id: UUID
        var workspaceId: UUID
        var documentId: UUID
        var versionNumber: Int
        var major: Int
        var userId: UUID
        var sha256: String
        var acknowledgedAt: Date
        enum CodingKeys: String, CodingKey {
            case id, workspaceId = "workspace_id", documentId = "document_id", versionNumber = "version_number", major, userId = "user_id", sha256,
                 acknowledgedAt = "acknowledged_at"
        }
        init(_ a: Acknowledgement) {
            id = a.id.uuid; workspaceId = a.workspaceID.uuid; documentId = a.documentID.uuid; versionNumber = a.versionNumber; major = a.major
            userId = a.userID.uuid; sha256 = a.sha256; acknowledgedAt = stored(a.acknowledgedAt)
        }
        init(_ r: RowReader) throws {
            id = try r.uuid("id"); workspaceId = try r.uuid("workspace_id"); documentId = try r.uuid("document_id"); versionNumber = try r.int("version_number")
            major = try r.int("major"); userId = try r.uuid("user_id"); sha256 = try r.string("sha256"); acknowledgedAt = try r.date("acknowledged_at")
        }
        var acknowledgement: Acknowledgement {
            Acknowledgement(id: .init(id), workspaceID: .init(workspaceId), documentID: .init(documentId), versionNumber: versionNumber, major: major,
                            userID: .init(userId), sha256: sha256, acknowledgedAt: acknowledgedAt)
        }
    }

    public func insert(_ acknowledgements: [Acknowledgement]) async throws {
        for chunk in stride(from: 0, to: acknowledgements.count, by: 500) {
            try await sql.insert(into: "acknowledgements").models(acknowledgements[chunk..<min(chunk + 500, acknowledgements.count)].map(Row.init), with: rowEncoder).run()
        }
    }

    /// A person's acknowledgements of one major version of a document (to tell whether they have read it).
    public func find(document: ControlledDocument.ID, major: Int, user: User.ID, in workspace: Workspace.ID) async throws -> Acknowledgement? {
        try await sql.select().column("*").from("acknowledgements").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("user_id", .equal, SQLBind(user.uuid)).where("document_id", .equal, SQLBind(document.uuid)).where("major", .equal, SQLBind(major))
            .orderBy("acknowledged_at", .descending).first().map { try Row(RowReader(row: $0)).acknowledgement }
    }

    /// Every acknowledgement a person has made in the workspace (their "to read" is what is missing).
    public func all(of user: User.ID, in workspace: Workspace.ID) async throws -> [Acknowledgement] {
        try await sql.select().column("*").from("acknowledgements").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("user_id", .equal, SQLBind(user.uuid)).all().map { try Row(RowReader(row: $0)).acknowledgement }
    }

    /// The acknowledgements of one major version of a document, newest first.
    public func all(document: ControlledDocument.ID, major: Int?, in workspace: Workspace.ID) async throws -> [Acknowledgement] {
        let query = sql.select().column("*").from("acknowledgements").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("document_id", .equal, SQLBind(document.uuid))
        if let major { query.where("major", .equal, SQLBind(major)) }
        return try await query.orderBy("acknowledged_at", .descending).all().map { try Row(RowReader(row: $0)).acknowledgement }
    }

    /// Who has acknowledged each of these documents' current major version: document → users.
    public func readers(of documents: [(ControlledDocument.ID, Int)], in workspace: Workspace.ID) async throws -> [ControlledDocument.ID: Set<User.ID>] {
        var out: [ControlledDocument.ID: Set<User.ID>] = [:]
        for (document, major) in documents {
            let rows = try await sql.select().column("user_id").from("acknowledgements").where("workspace_id", .equal, SQLBind(workspace.uuid))
                .where("document_id", .equal, SQLBind(document.uuid)).where("major", .equal, SQLBind(major)).all()
            out[document] = Set(try rows.map { User.ID(try RowReader(row: $0).uuid("user_id")) })
        }
        return out
    }

    public func delete(document: ControlledDocument.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "acknowledgements").where("workspace_id", .equal, SQLBind(workspace.uuid)).where("document_id", .equal, SQLBind(document.uuid)).run()
    }
}

/// The document register's tables.
struct CreateDocumentRegister: AsyncMigration {
    var name: String { "0015_documents" }

    func prepare(on database: any Database) async throws {
        try await RecordTable<ControlledDocument>().sync(on: database)
        try await RecordTable<DocumentVersion>().sync(on: database)
        try await database.schema("acknowledgements")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("document_id", .uuid, .required)
            .field("version_number", .int, .required)
            .field("major", .int, .required)
            .field("user_id", .uuid, .required)
            .field("sha256", .string, .required)
            .field("acknowledged_at", .datetime, .required)
            .unique(on: "document_id", "version_number", "user_id")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "acknowledgements_user").on("acknowledgements").column("workspace_id").column("user_id").column("document_id").run()
        try await sql.create(index: "acknowledgements_document").on("acknowledgements").column("workspace_id").column("document_id").column("major").column("user_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("acknowledgements").delete()
        try await RecordTable<DocumentVersion>().drop(on: database)
        try await RecordTable<ControlledDocument>().drop(on: database)
    }
}

/// The document register's stores.
public struct DocumentRegisterStore: Sendable {
    let sql: any SQLDatabase
    public var entries: RecordStore<ControlledDocument> { RecordStore(sql: sql) }
    public var versions: RecordStore<DocumentVersion> { RecordStore(sql: sql) }
    public var acknowledgements: AcknowledgementStore { AcknowledgementStore(sql: sql) }

    /// The documents (not retired) that name each control, by the control's id in the statement
    /// (`5.15`, or an own control's code), in code order.
    public func byControl(in workspace: Workspace.ID) async throws -> [String: [ControlledDocument]] {
        let targets = try await LinkStore(sql: sql).targets(.control, type: ControlledDocument.schema.table, in: workspace)
        guard !targets.isEmpty else { return [:] }
        let documents = try await entries.all(in: workspace, ids: Array(Set(targets.values.joined())).map(ControlledDocument.ID.init))
        let byID = Dictionary(documents.filter { $0.status != .retired }.map { ($0.id.uuid, $0) }, uniquingKeysWith: { a, _ in a })
        return targets.mapValues { ids in ids.compactMap { byID[$0] }.sorted { $0.codeKey < $1.codeKey } }.filter { !$0.value.isEmpty }
    }
}

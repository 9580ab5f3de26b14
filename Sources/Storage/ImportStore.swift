import Domain
import FluentKit
import Foundation
import SQLKit

/// A file uploaded to an import page and kept between its steps (mapping, dry run, commit):
/// of one person in one workspace, for one register, until it is committed or expires.
public struct PendingImport: Sendable {
    public var id: UUID
    public var workspaceID: Workspace.ID
    public var userID: User.ID
    /// The register (`assets`, `soa`…).
    public var register: String
    /// What the register imports into, where it is not the workspace itself (a risk assessment's id).
    public var target: String
    public var fileName: String
    public var content: Data
    public var createdAt: Date
    public var expiresAt: Date

    public init(id: UUID = UUID.fresh(), workspaceID: Workspace.ID, userID: User.ID, register: String, target: String = "", fileName: String,
                content: Data, createdAt: Date, expiresAt: Date) {
        self.id = id
        self.workspaceID = workspaceID
        self.userID = userID
        self.register = register
        self.target = target
        self.fileName = fileName
        self.content = content
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Pending import files and the mappings each workspace remembers per register.
public struct ImportStore: Sendable {
    let sql: any SQLDatabase

    public func insert(_ pending: PendingImport) async throws {
        try await sql.insert(into: "pending_imports")
            .columns("id", "workspace_id", "user_id", "register", "target", "file_name", "content", "created_at", "expires_at")
            .values(SQLBind(pending.id), SQLBind(pending.workspaceID.uuid), SQLBind(pending.userID.uuid), SQLBind(pending.register),
                    SQLBind(pending.target), SQLBind(pending.fileName), SQLBind(pending.content), SQLBind(stored(pending.createdAt)),
                    SQLBind(stored(pending.expiresAt)))
            .run()
    }

    /// A pending file of the workspace (whoever uploaded it, expired or not: the use case decides).
    public func load(_ id: UUID, in workspace: Workspace.ID) async throws -> PendingImport? {
        guard let row = try await sql.select().column("*").from("pending_imports").where("id", .equal, SQLBind(id))
            .where("workspace_id", .equal, SQLBind(workspace.uuid)).first() else { return nil }
        let r = RowReader(row: row)
        return PendingImport(id: try r.uuid("id"), workspaceID: workspace, userID: User.ID(try r.uuid("user_id")), register: try r.string("register"),
                             target: try r.string("target"), fileName: try r.string("file_name"),
                             content: try row.decode(column: "content", as: Data.self), createdAt: try r.date("created_at"),
                             expiresAt: try r.date("expires_at"))
    }

    /// Takes the person's pending file out, once: false when it was not there (already taken).
    public func take(_ id: UUID, user: User.ID, in workspace: Workspace.ID) async throws -> Bool {
        let taken = try await sql.delete(from: "pending_imports").where("id", .equal, SQLBind(id)).where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("user_id", .equal, SQLBind(user.uuid)).returning("id").all()
        return taken.count == 1
    }

    public func delete(user: User.ID, register: String, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "pending_imports").where("workspace_id", .equal, SQLBind(workspace.uuid)).where("user_id", .equal, SQLBind(user.uuid))
            .where("register", .equal, SQLBind(register)).run()
    }

    /// Drops every file past its time (any workspace); returns how many.
    @discardableResult
    public func deleteExpired(now: Date) async throws -> Int {
        let count = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("pending_imports")
            .where("expires_at", .lessThanOrEqual, SQLBind(stored(now))).first().map { try $0.decode(column: "n", as: Int.self) } ?? 0
        if count > 0 { try await sql.delete(from: "pending_imports").where("expires_at", .lessThanOrEqual, SQLBind(stored(now))).run() }
        return count
    }

    /// The workspace's remembered mapping for a register: loose header → field key ("" = left out).
    public func mapping(register: String, in workspace: Workspace.ID) async throws -> [String: String] {
        guard let row = try await sql.select().column("mapping").from("import_mappings").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("register", .equal, SQLBind(register)).first() else { return [:] }
        let text = try row.decode(column: "mapping", as: String.self)
        return (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    public func saveMapping(_ mapping: [String: String], register: String, in workspace: Workspace.ID, at now: Date) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(mapping), as: UTF8.self)
        // One row per workspace and register, written in place (two imports committing at once do not collide).
        try await sql.insert(into: "import_mappings").columns("workspace_id", "register", "mapping", "updated_at")
            .values(SQLBind(workspace.uuid), SQLBind(register), SQLBind(text), SQLBind(stored(now)))
            .onConflict(with: ["workspace_id", "register"]) { $0.set(excludedValueOf: "mapping").set(excludedValueOf: "updated_at") }
            .run()
    }
}

extension Reader { public var imports: ImportStore { ImportStore(sql: sql) } }
extension Writer { public var imports: ImportStore { ImportStore(sql: connection) } }

/// Pending import files (kept 24 hours between an import page's steps) and remembered mappings.
struct CreateImportSteps: AsyncMigration {
    var name: String { "0020_import_steps" }

    func prepare(on database: any Database) async throws {
        try await database.schema("pending_imports")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("register", .string, .required)
            .field("target", .string, .required)
            .field("file_name", .string, .required)
            .field("content", .data, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await (database as! any SQLDatabase).create(index: "pending_imports_expiry").on("pending_imports").column("expires_at").run()
        try await database.schema("import_mappings")
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("register", .string, .required)
            .field("mapping", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "workspace_id", "register")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("import_mappings").delete()
        try await database.schema("pending_imports").delete()
    }
}

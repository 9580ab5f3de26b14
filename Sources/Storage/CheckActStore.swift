import Domain
import Foundation
import FluentKit
import SQLKit

// The Check and Act records (ADR 0009): each a JSON document with the columns it is found by.

extension BusinessProcess: StoredDocument {
    public static var table: String { "processes" }
    public var documentID: UUID { id.uuid }
    public var documentWorkspace: UUID { workspaceID.uuid }
    public var sortKey: String { name.lowercased() }
    public var columns: [(String, (any Encodable & Sendable)?)] { [("owner_id", ownerID?.uuid)] }
}

extension AuditProgramme: StoredDocument {
    public static var table: String { "audit_programmes" }
    public var documentID: UUID { id.uuid }
    public var documentWorkspace: UUID { workspaceID.uuid }
    public var sortKey: String { newestFirst(startsOn) + title }
    public var columns: [(String, (any Encodable & Sendable)?)] { [] }
}

extension InternalAudit: StoredDocument {
    public static var table: String { "audits" }
    public var documentID: UUID { id.uuid }
    public var documentWorkspace: UUID { workspaceID.uuid }
    public var sortKey: String { startsOn.description + title }
    public var columns: [(String, (any Encodable & Sendable)?)] { [("programme_id", programmeID.uuid), ("status", status.rawValue)] }
}

extension ChecklistItem: StoredDocument {
    public static var table: String { "checklist_items" }
    public var documentID: UUID { id.uuid }
    public var documentWorkspace: UUID { workspaceID.uuid }
    public var sortKey: String { padded(position) }
    public var columns: [(String, (any Encodable & Sendable)?)] { [("audit_id", auditID.uuid)] }
}

extension AuditFinding: StoredDocument {
    public static var table: String { "findings" }
    public var documentID: UUID { id.uuid }
    public var documentWorkspace: UUID { workspaceID.uuid }
    public var sortKey: String { String(format: "%016.3f", createdAt.timeIntervalSince1970) }
    public var columns: [(String, (any Encodable & Sendable)?)] { [("audit_id", auditID.uuid), ("nonconformity_id", nonconformityID?.uuid)] }
}

extension Nonconformity: StoredDocument {
    public static var table: String { "nonconformities" }
    public var documentID: UUID { id.uuid }
    public var documentWorkspace: UUID { workspaceID.uuid }
    /// Newest first.
    public var sortKey: String { padded(1_000_000_000 - number) }
    public var columns: [(String, (any Encodable & Sendable)?)] {
        [("number", number), ("status", status.rawValue), ("source", source.rawValue), ("reference", reference), ("owner_id", ownerID?.uuid), ("audit_id", auditID?.uuid),
         ("raised_on", raisedOn.description), ("closed_on", closedOn?.description)]
    }
}

extension ManagementReview: StoredDocument {
    public static var table: String { "management_reviews" }
    public var documentID: UUID { id.uuid }
    public var documentWorkspace: UUID { workspaceID.uuid }
    public var sortKey: String { newestFirst(heldOn) }
    public var columns: [(String, (any Encodable & Sendable)?)] { [("status", status.rawValue)] }
}

extension ReviewAction: StoredDocument {
    public static var table: String { "review_actions" }
    public var documentID: UUID { id.uuid }
    public var documentWorkspace: UUID { workspaceID.uuid }
    public var sortKey: String { String(format: "%016.3f", createdAt.timeIntervalSince1970) }
    public var columns: [(String, (any Encodable & Sendable)?)] { [("review_id", reviewID.uuid), ("owner_id", ownerID?.uuid), ("done", doneOn != nil)] }
}

/// The registers of 9.2, 9.3 and 10.2.
public struct CheckActStore: Sendable {
    let sql: any SQLDatabase
    public var processes: DocumentStore<BusinessProcess> { DocumentStore(sql: sql) }
    public var programmes: DocumentStore<AuditProgramme> { DocumentStore(sql: sql) }
    public var audits: DocumentStore<InternalAudit> { DocumentStore(sql: sql) }
    public var checklist: DocumentStore<ChecklistItem> { DocumentStore(sql: sql) }
    public var findings: DocumentStore<AuditFinding> { DocumentStore(sql: sql) }
    public var nonconformities: DocumentStore<Nonconformity> { DocumentStore(sql: sql) }
    public var reviews: DocumentStore<ManagementReview> { DocumentStore(sql: sql) }
    public var reviewActions: DocumentStore<ReviewAction> { DocumentStore(sql: sql) }

    /// The nonconformities a review of the period from `since` looks at: not closed, or raised or
    /// closed on or after that day (all of them when there is no earlier review).
    public func nonconformities(relevantSince since: CalendarDate?, in workspace: Workspace.ID) async throws -> [Nonconformity] {
        guard let since else { return try await nonconformities.all(in: workspace) }
        let day = since.description
        return try await sql.select().column("body").from("nonconformities").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where { $0.where("status", .notEqual, SQLBind(Nonconformity.Status.closed.rawValue)).orWhere("raised_on", .greaterThanOrEqual, SQLBind(day))
                .orWhere("closed_on", .greaterThanOrEqual, SQLBind(day)) }
            .orderBy("sort_key").orderBy("id").all(DocumentRow.self).map(nonconformities.decode)
    }

    /// Holds the workspace's row until the transaction ends (PostgreSQL; SQLite writes one at a
    /// time anyway), so per-workspace numbers are handed out one after another.
    public func lockWorkspace(_ id: Workspace.ID) async throws {
        try await sql.select().column("id").from("workspaces").where("id", .equal, SQLBind(id.uuid)).for(.update).run()
    }

    /// The next number of a per-workspace sequence (NC-1, NC-2…). Numbers are never reused, even
    /// after a record raised by mistake is deleted. Call inside a transaction.
    public func nextNumber(_ name: String, in workspace: Workspace.ID) async throws -> Int {
        try await lockWorkspace(workspace)
        let current = try await sql.select().column("value").from("sequences").where("workspace_id", .equal, SQLBind(workspace.uuid))
            .where("name", .equal, SQLBind(name)).first()?.decode(column: "value", as: Int.self)
        if let current {
            try await sql.update("sequences").set("value", to: SQLBind(current + 1)).where("workspace_id", .equal, SQLBind(workspace.uuid))
                .where("name", .equal, SQLBind(name)).run()
            return current + 1
        }
        try await sql.insert(into: "sequences").columns("workspace_id", "name", "value").values(SQLBind(workspace.uuid), SQLBind(name), SQLBind(1)).run()
        return 1
    }

    /// Sets a sequence so the next number follows `value` (records written in bulk).
    public func setNumber(_ name: String, to value: Int, in workspace: Workspace.ID) async throws {
        try await lockWorkspace(workspace)
        try await sql.delete(from: "sequences").where("workspace_id", .equal, SQLBind(workspace.uuid)).where("name", .equal, SQLBind(name)).run()
        try await sql.insert(into: "sequences").columns("workspace_id", "name", "value").values(SQLBind(workspace.uuid), SQLBind(name), SQLBind(value)).run()
    }
}

struct CreateCheckAndAct: AsyncMigration {
    var name: String { "0012_check_and_act" }

    /// table → extra columns (name, type); every table also has id, workspace_id, sort_key, body.
    static let tables: [(String, [(String, String)])] = [
        ("processes", [("owner_id", "uuid")]),
        ("audit_programmes", []),
        ("audits", [("programme_id", "uuid"), ("status", "string")]),
        ("checklist_items", [("audit_id", "uuid")]),
        ("findings", [("audit_id", "uuid"), ("nonconformity_id", "uuid")]),
        ("nonconformities", [("number", "int"), ("status", "string"), ("source", "string"), ("reference", "string"), ("owner_id", "uuid"), ("audit_id", "uuid"),
                             ("raised_on", "string"), ("closed_on", "string")]),
        ("management_reviews", [("status", "string")]),
        ("review_actions", [("review_id", "uuid"), ("owner_id", "uuid"), ("done", "bool")]),
    ]
    static let indexes: [(String, String, [String])] = [
        ("audits_programme", "audits", ["workspace_id", "programme_id"]),
        ("checklist_items_audit", "checklist_items", ["workspace_id", "audit_id", "sort_key"]),
        ("findings_audit", "findings", ["workspace_id", "audit_id"]),
        ("nonconformities_reference", "nonconformities", ["workspace_id", "reference"]),
        ("nonconformities_owner", "nonconformities", ["workspace_id", "owner_id"]),
        ("nonconformities_status", "nonconformities", ["workspace_id", "status", "sort_key"]),
        ("review_actions_review", "review_actions", ["workspace_id", "review_id"]),
        ("review_actions_owner", "review_actions", ["workspace_id", "owner_id", "done"]),
        // The review's risk line counts an assessment's risks and those not yet accepted from the index alone.
        ("risks_workspace_assessment_accepted", "risks", ["workspace_id", "assessment_id", "accepted_at"]),
    ]

    func prepare(on database: any Database) async throws {
        for (table, extra) in Self.tables {
            var schema = database.schema(table)
                .field("id", .uuid, .identifier(auto: false))
                .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
                .field("sort_key", .string, .required)
                .field("body", .string, .required)
            for (column, type) in extra {
                let dataType: DatabaseSchema.DataType = switch type { case "uuid": .uuid; case "int": .int; case "bool": .bool; default: .string }
                schema = schema.field(.definition(name: .key(FieldKey(stringLiteral: column)), dataType: dataType, constraints: []))
            }
            if table == "nonconformities" { schema = schema.unique(on: "workspace_id", "number") }
            try await schema.create()
        }
        try await database.schema("sequences")
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("name", .string, .required)
            .field("value", .int, .required)
            .unique(on: "workspace_id", "name")
            .create()
        let sql = database as! any SQLDatabase
        for (table, _) in Self.tables {
            try await sql.create(index: "\(table)_workspace_sort").on(table).column("workspace_id").column("sort_key").column("id").run()
        }
        for (name, table, columns) in Self.indexes {
            var builder = sql.create(index: name).on(table)
            for column in columns { builder = builder.column(column) }
            try await builder.run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sequences").delete()
        for (table, _) in Self.tables.reversed() { try await database.schema(table).delete() }
    }
}

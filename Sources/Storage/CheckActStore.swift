import Domain
import Foundation
import FluentKit
import SQLKit

// The Check and Act records (ADR 0009): each a JSON document with the columns it is found by,
// declared through the register kit (ADR 0010). The tables were created by migration 0012; the
// declarations below name exactly the columns it made, so existing databases keep working.

/// Inverts a day so that an ascending sort lists the newest first.
func newestFirst(_ day: CalendarDate) -> String { String(format: "%08d", 9_999_999 - day.dayNumber) }
func padded(_ number: Int) -> String { String(format: "%010d", number) }
func instant(_ date: Date) -> String { String(format: "%016.3f", date.timeIntervalSince1970) }

extension InternalAudit.Status: ColumnRepresentable {}
extension Nonconformity.Status: ColumnRepresentable {}
extension Nonconformity.Source: ColumnRepresentable {}
extension ManagementReview.Status: ColumnRepresentable {}

extension BusinessProcess: StoredRecord {
    public static let schema = RecordSchema<BusinessProcess>(table: "processes", columns: [.column(\.ownerID, "owner_id")],
                                                             orders: [RecordOrder("name") { $0.name.lowercased() }])
}

extension AuditProgramme: StoredRecord {
    public static let schema = RecordSchema<AuditProgramme>(table: "audit_programmes", orders: [RecordOrder("newest") { newestFirst($0.startsOn) + $0.title }])
}

extension InternalAudit: StoredRecord {
    public static let schema = RecordSchema<InternalAudit>(table: "audits", columns: [.column(\.programmeID, "programme_id"), .column(\.status, "status")],
                                                           orders: [RecordOrder("start") { $0.startsOn.description + $0.title }])
}

extension ChecklistItem: StoredRecord {
    public static let schema = RecordSchema<ChecklistItem>(table: "checklist_items", columns: [.column(\.auditID, "audit_id")],
                                                           orders: [RecordOrder("position") { padded($0.position) }])
}

extension AuditFinding: StoredRecord {
    public static let schema = RecordSchema<AuditFinding>(table: "findings", columns: [.column(\.auditID, "audit_id"), .column(\.nonconformityID, "nonconformity_id")],
                                                          orders: [RecordOrder("created") { instant($0.createdAt) }])
}

extension Nonconformity: StoredRecord {
    /// Newest first.
    public static let schema = RecordSchema<Nonconformity>(
        table: "nonconformities",
        columns: [.column(\.number, "number"), .column(\.status, "status"), .column(\.source, "source"), .column(\.reference, "reference"),
                  .column(\.ownerID, "owner_id"), .column(\.auditID, "audit_id"), .column(\.raisedOn, "raised_on"), .column(\.closedOn, "closed_on")],
        orders: [RecordOrder("newest") { padded(1_000_000_000 - $0.number) }])
}

extension ManagementReview: StoredRecord {
    public static let schema = RecordSchema<ManagementReview>(table: "management_reviews", columns: [.column(\.status, "status")],
                                                              orders: [RecordOrder("newest") { newestFirst($0.heldOn) }])
}

extension ReviewAction: StoredRecord {
    public static let schema = RecordSchema<ReviewAction>(table: "review_actions",
                                                          columns: [.column(\.reviewID, "review_id"), .column(\.ownerID, "owner_id"), .column(\.isDone, "done")],
                                                          orders: [RecordOrder("created") { instant($0.createdAt) }])
}

/// The registers of 9.2, 9.3 and 10.2.
public struct CheckActStore: Sendable {
    let sql: any SQLDatabase
    public var processes: RecordStore<BusinessProcess> { RecordStore(sql: sql) }
    public var programmes: RecordStore<AuditProgramme> { RecordStore(sql: sql) }
    public var audits: RecordStore<InternalAudit> { RecordStore(sql: sql) }
    public var checklist: RecordStore<ChecklistItem> { RecordStore(sql: sql) }
    public var findings: RecordStore<AuditFinding> { RecordStore(sql: sql) }
    public var nonconformities: RecordStore<Nonconformity> { RecordStore(sql: sql) }
    public var reviews: RecordStore<ManagementReview> { RecordStore(sql: sql) }
    public var reviewActions: RecordStore<ReviewAction> { RecordStore(sql: sql) }
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

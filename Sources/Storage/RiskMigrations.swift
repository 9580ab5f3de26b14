import FluentKit
import SQLKit

/// Assets, risk methods, threat and vulnerability catalogs, assessments, risks and treatment actions.
struct CreateRiskRegisters: AsyncMigration {
    var name: String { "0004_risk_registers" }

    func prepare(on database: any Database) async throws {
        try await database.schema("classification_labels")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("key", .string, .required)
            .field("label_ja", .string, .required)
            .field("label_en", .string, .required)
            .field("rank", .int, .required)
            .unique(on: "workspace_id", "key")
            .create()

        try await database.schema("risk_methods")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("number", .int, .required)
            .field("name", .string, .required)
            .field("status", .string, .required)
            .field("formula", .string, .required)
            .field("definition", .string, .required)
            .field("published_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .unique(on: "workspace_id", "number")
            .create()

        try await database.schema("assets")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("code", .string, .required)
            .field("code_key", .string, .required)
            .field("name", .string, .required)
            .field("name_key", .string, .required)
            .field("kind", .string, .required)
            .field("form", .string, .required)
            .field("owner_id", .uuid, .references("users", "id"))
            .field("custodian_id", .uuid, .references("users", "id"))
            .field("department_id", .uuid, .references("departments", "id"))
            .field("location", .string)
            .field("classification", .string)
            .field("confidentiality", .int)
            .field("integrity", .int)
            .field("availability", .int)
            .field("value", .int)
            .field("is_group", .bool, .required)
            .field("status", .string, .required)
            .field("last_reviewed_on", .string)
            .field("notes", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .unique(on: "workspace_id", "code_key")
            .create()

        try await database.schema("catalog_entries")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("kind", .string, .required)
            .field("code", .string, .required)
            .field("category", .string, .required)
            .field("name_ja", .string, .required)
            .field("name_en", .string, .required)
            .field("description_ja", .string, .required)
            .field("description_en", .string, .required)
            .field("version", .int, .required)
            .unique(on: "workspace_id", "kind", "code")
            .create()

        try await database.schema("risk_assessments")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("name", .string, .required)
            .field("method_id", .uuid, .required, .references("risk_methods", "id"))
            .field("starts_on", .string)
            .field("ends_on", .string)
            .field("status", .string, .required)
            .field("previous_id", .uuid)
            .field("submitted_by", .uuid)
            .field("submitted_at", .datetime)
            .field("approved_by", .uuid)
            .field("approved_at", .datetime)
            .field("approval_note", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .create()

        try await database.schema("risks")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("assessment_id", .uuid, .required, .references("risk_assessments", "id"))
            .field("code", .string, .required)
            .field("asset_id", .uuid, .references("assets", "id"))
            .field("threat_id", .uuid)
            .field("vulnerability_id", .uuid)
            .field("scenario", .string)
            .field("affects_confidentiality", .bool, .required)
            .field("affects_integrity", .bool, .required)
            .field("affects_availability", .bool, .required)
            .field("inherent_asset_value", .int)
            .field("inherent_threat", .int)
            .field("inherent_vulnerability", .int)
            .field("inherent_likelihood", .int)
            .field("inherent_impact", .int)
            .field("inherent_score", .int)
            .field("inherent_level", .string)
            .field("owner_id", .uuid, .references("users", "id"))
            .field("treatment", .string)
            .field("treatment_reason", .string)
            .field("controls", .string, .required)
            .field("residual_asset_value", .int)
            .field("residual_threat", .int)
            .field("residual_vulnerability", .int)
            .field("residual_likelihood", .int)
            .field("residual_impact", .int)
            .field("residual_score", .int)
            .field("residual_level", .string)
            .field("review", .string, .required)
            .field("previous_id", .uuid)
            .field("accepted_by", .uuid)
            .field("accepted_at", .datetime)
            .field("acceptance_reason", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .unique(on: "assessment_id", "code")
            .create()

        try await database.schema("treatment_actions")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("title", .string, .required)
            .field("controls", .string, .required)
            .field("owner_id", .uuid, .references("users", "id"))
            .field("due_on", .string)
            .field("status", .string, .required)
            .field("completion_note", .string)
            .field("evidence_link", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .create()

        try await database.schema("treatment_action_risks")
            .field("action_id", .uuid, .required, .references("treatment_actions", "id", onDelete: .cascade))
            .field("risk_id", .uuid, .required, .references("risks", "id", onDelete: .cascade))
            .field("workspace_id", .uuid, .required)
            .unique(on: "action_id", "risk_id")
            .create()

        let sql = database as! any SQLDatabase
        let indexes: [(String, String, [String])] = [
            ("assets_workspace_name", "assets", ["workspace_id", "name_key"]),
            ("assets_workspace_department", "assets", ["workspace_id", "department_id"]),
            ("assets_workspace_owner", "assets", ["workspace_id", "owner_id"]),
            ("assets_workspace_kind", "assets", ["workspace_id", "kind"]),
            ("assets_workspace_value", "assets", ["workspace_id", "value"]),
            ("assets_workspace_reviewed", "assets", ["workspace_id", "last_reviewed_on"]),
            ("risk_assessments_workspace", "risk_assessments", ["workspace_id", "created_at"]),
            ("risks_assessment_score", "risks", ["assessment_id", "inherent_score"]),
            ("risks_assessment_owner", "risks", ["assessment_id", "owner_id"]),
            ("risks_asset", "risks", ["asset_id"]),
            ("risks_previous", "risks", ["previous_id"]),
            ("treatment_actions_workspace_due", "treatment_actions", ["workspace_id", "due_on"]),
            ("treatment_actions_owner", "treatment_actions", ["owner_id", "status"]),
            ("treatment_action_risks_risk", "treatment_action_risks", ["risk_id"]),
        ]
        for (name, table, columns) in indexes {
            var builder = sql.create(index: name).on(table)
            for column in columns { builder = builder.column(column) }
            try await builder.run()
        }
    }

    func revert(on database: any Database) async throws {
        for table in ["treatment_action_risks", "treatment_actions", "risks", "risk_assessments", "catalog_entries", "assets", "risk_methods", "classification_labels"] {
            try await database.schema(table).delete()
        }
    }
}

/// "My work" counts, per request: risks still to review in the newest assessment and assets not
/// reviewed for a year. Without these both scanned every row of the assessment or workspace.
struct AddWorkCountIndexes: AsyncMigration {
    var name: String { "0005_work_count_indexes" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.create(index: "risks_assessment_review").on("risks").column("assessment_id").column("review").run()
        try await sql.create(index: "assets_workspace_status_reviewed").on("assets").column("workspace_id").column("status").column("last_reviewed_on").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for index in ["risks_assessment_review", "assets_workspace_status_reviewed"] { try await sql.drop(index: index).run() }
    }
}

/// The cycle page's heat maps, its difference from last year and a control's linked-risk count
/// read only these indexes, never the risk rows (20,000 risks: 30–60 ms per query → 2–15 ms).
struct AddRiskSummaryIndexes: AsyncMigration {
    var name: String { "0006_risk_summary_indexes" }

    static let indexes: [(String, [String])] = [
        ("risks_heat_map", ["assessment_id", "workspace_id", "review", "residual_score",
                            "inherent_asset_value", "inherent_threat", "inherent_vulnerability", "inherent_likelihood", "inherent_impact",
                            "residual_asset_value", "residual_threat", "residual_vulnerability", "residual_likelihood", "residual_impact"]),
        ("risks_carried", ["assessment_id", "workspace_id", "review", "previous_id", "residual_score", "inherent_score"]),
        ("risks_scores_by_id", ["id", "assessment_id", "residual_score", "inherent_score"]),
        ("risks_controls", ["assessment_id", "workspace_id", "controls"]),
    ]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for (name, columns) in Self.indexes {
            var builder = sql.create(index: name).on("risks")
            for column in columns { builder = builder.column(column) }
            try await builder.run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for (name, _) in Self.indexes { try await sql.drop(index: name).run() }
    }
}

/// Registers sorted by value or score read one index in order instead of sorting every match:
/// expression indexes on the sort keys as the lists write them, ending in the id that breaks ties.
struct AddSortKeyIndexes: AsyncMigration {
    var name: String { "0007_sort_key_indexes" }

    static let indexes: [(name: String, table: String, columns: String)] = [
        ("assets_value_order", "assets", "workspace_id, (coalesce(value, 0)), id"),
        ("assets_kind_value_order", "assets", "workspace_id, kind, (coalesce(value, 0)), id"),
        ("risks_inherent_order", "risks", "assessment_id, (coalesce(inherent_score, 0)), id"),
        ("risks_residual_order", "risks", "assessment_id, (coalesce(residual_score, inherent_score, 0)), id"),
        ("risks_level_residual_order", "risks", "assessment_id, inherent_level, (coalesce(residual_score, inherent_score, 0)), id"),
    ]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for index in Self.indexes {
            try await sql.raw("CREATE INDEX \(ident: index.name) ON \(ident: index.table) (\(unsafeRaw: index.columns))").run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for index in Self.indexes { try await sql.drop(index: index.name).run() }
    }
}

/// What the secretariat submitted without the owners' acceptance (6.1.3 f), kept on the assessment.
struct AddUnacceptedAtSubmission: AsyncMigration {
    var name: String { "0018_unaccepted_at_submission" }
    func prepare(on database: any Database) async throws {
        try await database.schema("risk_assessments").field("unaccepted_at_submission", .string).update()
    }
    func revert(on database: any Database) async throws {
        try await database.schema("risk_assessments").deleteField("unaccepted_at_submission").update()
    }
}

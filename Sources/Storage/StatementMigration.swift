import Domain
import FluentKit
import Foundation
import SQLKit

/// Own controls, the Statement of Applicability (entries, versions, settings) and the evidence
/// store, whose files live in the database so a backup and several app instances need nothing else.
struct CreateStatementAndEvidence: AsyncMigration {
    var name: String { "0008_statement_and_evidence" }

    func prepare(on database: any Database) async throws {
        try await database.schema("own_controls")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("code", .string, .required)
            .field("code_key", .string, .required)
            .field("title_ja", .string, .required)
            .field("title_en", .string, .required)
            .field("description", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .unique(on: "workspace_id", "code_key")
            .create()

        try await database.schema("soa_entries")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("control_id", .string, .required)
            .field("decision", .string, .required)
            .field("justification", .string)
            .field("implementation", .string)
            .field("owner_id", .uuid, .references("users", "id"))
            .field("description", .string)
            .field("documents", .string)
            .field("review_reason", .string)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .unique(on: "workspace_id", "control_id")
            .create()

        try await database.schema("soa_versions")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("number", .int, .required)
            .field("status", .string, .required)
            .field("submitted_by", .uuid, .required)
            .field("submitted_at", .datetime, .required)
            .field("decided_by", .uuid)
            .field("decided_at", .datetime)
            .field("note", .string)
            .field("entries_json", .string, .required)
            .field("version", .int, .required)
            .unique(on: "workspace_id", "number")
            .create()

        try await database.schema("soa_settings")
            .field("id", .uuid, .identifier(auto: false), .references("workspaces", "id"))
            .field("freshness_months", .int, .required)
            .field("version", .int, .required)
            .create()

        try await database.schema("evidence")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("title", .string, .required)
            .field("kind", .string, .required)
            .field("url", .string)
            .field("file_name", .string)
            .field("content_type", .string)
            .field("size", .int)
            .field("sha256", .string)
            .field("collected_on", .string, .required)
            .field("collected_by", .uuid)
            .field("valid_until", .string)
            .field("notes", .string)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .create()

        try await database.schema("evidence_files")
            .field("id", .uuid, .identifier(auto: false), .references("evidence", "id"))
            .field("workspace_id", .uuid, .required)
            .field("content", .data, .required)
            .create()

        try await database.schema("evidence_links")
            .field("evidence_id", .uuid, .required, .references("evidence", "id"))
            .field("workspace_id", .uuid, .required)
            .field("target", .string, .required)
            .field("target_id", .string, .required)
            .unique(on: "evidence_id", "target", "target_id")
            .create()

        let sql = database as! any SQLDatabase
        try await sql.create(index: "evidence_workspace_collected").on("evidence").column("workspace_id").column("collected_on").column("id").run()
        try await sql.create(index: "evidence_workspace_valid").on("evidence").column("workspace_id").column("valid_until").run()
        try await sql.create(index: "evidence_links_target").on("evidence_links").column("workspace_id").column("target").column("target_id").column("evidence_id").run()
        try await sql.create(index: "risks_assessment_controls").on("risks").column("assessment_id").column("controls").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "risks_assessment_controls").run()
        for table in ["evidence_links", "evidence_files", "evidence", "soa_settings", "soa_versions", "soa_entries", "own_controls"] {
            try await database.schema(table).delete()
        }
    }
}

/// Which risks name which control, one row per pair (the `controls` column keeps the list as
/// typed): the statement counts risks per control and lists their codes with an indexed group
/// instead of splitting every risk's list, and the control filter of the register becomes a
/// lookup. Evidence gets a covering index for the statement's per-control tallies.
struct AddRiskControlLinks: AsyncMigration {
    var name: String { "0009_risk_control_links" }

    func prepare(on database: any Database) async throws {
        try await database.schema("risk_controls")
            .field("risk_id", .uuid, .required, .references("risks", "id"))
            .field("assessment_id", .uuid, .required)
            .field("workspace_id", .uuid, .required)
            .field("control", .string, .required)
            .field("risk_code", .string, .required)
            .unique(on: "risk_id", "control")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "risk_controls_assessment_control").on("risk_controls").column("assessment_id").column("control").column("risk_code").run()
        try await sql.create(index: "risk_controls_risk").on("risk_controls").column("risk_id").run()
        try await sql.create(index: "evidence_id_collected").on("evidence").column("id").column("collected_on").run()
        try await sql.drop(index: "risks_assessment_controls").run()
        // Existing risks, a thousand at a time.
        var offset = 0
        while true {
            let rows = try await sql.select().column("id").column("assessment_id").column("workspace_id").column("code").column("controls").from("risks")
                .where("controls", .notEqual, "").orderBy("id").limit(1000).offset(offset).all()
            if rows.isEmpty { break }
            offset += rows.count
            var links: [RiskControlLink] = []
            for row in rows {
                let risk = try row.decode(column: "id", as: UUID.self)
                let assessment = try row.decode(column: "assessment_id", as: UUID.self)
                let workspace = try row.decode(column: "workspace_id", as: UUID.self)
                let code = try row.decode(column: "code", as: String.self)
                for control in Set(try row.decode(column: "controls", as: String.self).split(separator: ";").map(String.init)) where !control.isEmpty {
                    links.append(RiskControlLink(riskId: risk, assessmentId: assessment, workspaceId: workspace, control: control, riskCode: code))
                }
            }
            for chunk in stride(from: 0, to: links.count, by: 500) {
                try await sql.insert(into: "risk_controls").models(Array(links[chunk..<min(chunk + 500, links.count)]), with: rowEncoder).run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "evidence_id_collected").run()
        try await sql.create(index: "risks_assessment_controls").on("risks").column("assessment_id").column("controls").run()
        try await database.schema("risk_controls").delete()
    }
}

/// One risk naming one control.
struct RiskControlLink: Codable {
    var riskId: UUID
    var assessmentId: UUID
    var workspaceId: UUID
    var control: String
    var riskCode: String
    enum CodingKeys: String, CodingKey { case riskId = "risk_id", assessmentId = "assessment_id", workspaceId = "workspace_id", control, riskCode = "risk_code" }

    static func of(_ risk: Risk) -> [RiskControlLink] {
        Array(Set(risk.controls.filter { !$0.isEmpty })).sorted().map {
            RiskControlLink(riskId: risk.id.uuid, assessmentId: risk.assessmentID.uuid, workspaceId: risk.workspaceID.uuid, control: $0, riskCode: risk.code)
        }
    }
}

/// The statement's per-control reads without joins or sorts: each evidence link carries its
/// evidence's collection day, and treatment actions are indexed by their control lists.
struct AddStatementReadIndexes: AsyncMigration {
    var name: String { "0010_statement_read_indexes" }

    func prepare(on database: any Database) async throws {
        try await database.schema("evidence_links").field("collected_on", .string, .required, .sql(.default(""))).update()
        let sql = database as! any SQLDatabase
        try await sql.raw("UPDATE evidence_links SET collected_on = (SELECT e.collected_on FROM evidence e WHERE e.id = evidence_links.evidence_id)").run()
        try await sql.drop(index: "evidence_links_target").run()
        try await sql.create(index: "evidence_links_target").on("evidence_links").column("workspace_id").column("target").column("target_id")
            .column("collected_on").column("evidence_id").run()
        try await sql.drop(index: "evidence_id_collected").run()
        try await sql.create(index: "treatment_actions_workspace_controls").on("treatment_actions").column("workspace_id").column("controls").run()
        // Top management's note on approving or returning, apart from the secretariat's on submitting.
        try await database.schema("soa_versions").field("decision_note", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("soa_versions").deleteField("decision_note").update()
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "treatment_actions_workspace_controls").run()
        try await sql.create(index: "evidence_id_collected").on("evidence").column("id").column("collected_on").run()
        try await sql.drop(index: "evidence_links_target").run()
        try await sql.create(index: "evidence_links_target").on("evidence_links").column("workspace_id").column("target").column("target_id").column("evidence_id").run()
        try await database.schema("evidence_links").deleteField("collected_on").update()
    }
}

import FluentKit
import SQLKit

/// Information security objectives and control-effectiveness metrics with their measurements.
struct CreateObjectives: AsyncMigration {
    var name: String { "0011_objectives" }

    func prepare(on database: any Database) async throws {
        try await database.schema("objectives")
            .field("id", .uuid, .identifier(auto: false))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id"))
            .field("kind", .string, .required)
            .field("statement", .string, .required)
            .field("reference", .string)
            .field("control", .string)
            .field("metric", .string, .required)
            .field("unit", .string, .required)
            .field("comparator", .string, .required)
            .field("target", .double, .required)
            .field("frequency", .string, .required)
            .field("owner_id", .uuid, .references("users", "id"))
            .field("due_on", .string)
            .field("plan", .string)
            .field("created_on", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("version", .int, .required)
            .create()
        try await database.schema("measurements")
            .field("id", .uuid, .identifier(auto: false))
            .field("objective_id", .uuid, .required, .references("objectives", "id"))
            .field("workspace_id", .uuid, .required)
            .field("measured_on", .string, .required)
            .field("value", .double, .required)
            .field("note", .string)
            .field("evidence_link", .string)
            .field("recorded_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "objectives_workspace_created").on("objectives").column("workspace_id").column("created_at").column("id").run()
        try await sql.create(index: "measurements_objective_date").on("measurements").column("objective_id").column("measured_on").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("measurements").delete()
        try await database.schema("objectives").delete()
    }
}

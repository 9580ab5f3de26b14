import Foundation
import FluentKit
import SQLKit

/// The security review's schema changes:
/// - `users.created_in_workspace_id`: the workspace whose secretariat created an account by
///   adding its address as a member. Only that workspace may re-issue the account's invitation,
///   and only while the account belongs to it alone. Existing accounts get it from their first
///   invitation link.
/// - `throttle_keys`: one row per throttled key (an account, an address, a half-open sign-in),
///   locked while a sign-in attempt is counted, so parallel attempts are counted one after another
///   on PostgreSQL and on every instance.
struct AddSecurityColumns: AsyncMigration {
    var name: String { "0013_security" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users").field("created_in_workspace_id", .uuid).update()
        let sql = database as! any SQLDatabase
        try await sql.raw("""
            UPDATE users SET created_in_workspace_id = (SELECT l.workspace_id FROM one_time_links l WHERE l.user_id = users.id
              AND l.purpose = 'invitation' AND l.workspace_id IS NOT NULL ORDER BY l.created_at LIMIT 1)
            WHERE is_administrator = \(bind: false)
            """).run()
        try await database.schema("throttle_keys")
            .field("key", .string, .required)
            .unique(on: "key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("throttle_keys").delete()
        try await database.schema("users").deleteField("created_in_workspace_id").update()
    }
}

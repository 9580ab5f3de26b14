import Domain
import Foundation
import SQLKit

/// A signed-in browser. The cookie holds a random secret; the table holds only its hash.
public struct SessionRecord: Codable, Sendable, Equatable {
    public enum Stage: String, Codable, Sendable {
        /// Password accepted, second factor still to come.
        case awaitingSecondFactor
        case signedIn
    }

    public var id: String
    public var userID: User.ID
    public var stage: Stage
    public var csrfToken: String
    public var createdAt: Date
    public var lastSeenAt: Date
    public var expiresAt: Date
    public var userAgent: String?

    public init(id: String, userID: User.ID, stage: Stage, csrfToken: String, createdAt: Date, lastSeenAt: Date, expiresAt: Date, userAgent: String?) {
        self.id = id
        self.userID = userID
        self.stage = stage
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
        self.userAgent = userAgent
    }
}

struct SessionRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, userId = "user_id", stage, csrfToken = "csrf_token", createdAt = "created_at", lastSeenAt = "last_seen_at", expiresAt = "expires_at", userAgent = "user_agent" }

    var id: String
    var userId: UUID
    var stage: String
    var csrfToken: String
    var createdAt: Date
    var lastSeenAt: Date
    var expiresAt: Date
    var userAgent: String?
}

public struct SessionStore: Sendable {
    let sql: any SQLDatabase

    public func insert(_ s: SessionRecord) async throws {
        try await sql.insert(into: "sessions").model(
            SessionRow(id: s.id, userId: s.userID.uuid, stage: s.stage.rawValue, csrfToken: s.csrfToken, createdAt: stored(s.createdAt),
                       lastSeenAt: stored(s.lastSeenAt), expiresAt: stored(s.expiresAt), userAgent: s.userAgent), with: rowEncoder).run()
    }

    public func load(id: String) async throws -> SessionRecord? {
        guard let row = try await sql.select().column("*").from("sessions").where("id", .equal, id).first(SessionRow.self),
              let stage = SessionRecord.Stage(rawValue: row.stage) else { return nil }
        return SessionRecord(id: row.id, userID: User.ID(row.userId), stage: stage, csrfToken: row.csrfToken, createdAt: row.createdAt,
                             lastSeenAt: row.lastSeenAt, expiresAt: row.expiresAt, userAgent: row.userAgent)
    }

    public func touch(id: String, at date: Date, expiresAt: Date) async throws {
        try await sql.update("sessions").set("last_seen_at", to: stored(date)).set("expires_at", to: stored(expiresAt)).where("id", .equal, id).run()
    }

    public func delete(id: String) async throws {
        try await sql.delete(from: "sessions").where("id", .equal, id).run()
    }

    /// Ends every session of a person except, optionally, the one in use (after a password change).
    public func deleteAll(of user: User.ID, except keep: String? = nil) async throws {
        let query = sql.delete(from: "sessions").where("user_id", .equal, user.uuid)
        if let keep { query.where("id", .notEqual, keep) }
        try await query.run()
    }

    public func deleteExpired(before date: Date) async throws {
        try await sql.delete(from: "sessions").where("expires_at", .lessThan, stored(date)).run()
    }
}

struct ApiTokenRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, userId = "user_id", workspaceId = "workspace_id", name, tokenHash = "token_hash", prefix, createdAt = "created_at", lastUsedAt = "last_used_at", revokedAt = "revoked_at" }

    var id: UUID
    var userId: UUID
    var workspaceId: UUID?
    var name: String
    var tokenHash: String
    var prefix: String
    var createdAt: Date
    var lastUsedAt: Date?
    var revokedAt: Date?

    var token: ApiToken {
        ApiToken(id: ApiToken.ID(id), userID: User.ID(userId), name: name, workspaceID: workspaceId.map(Workspace.ID.init),
                 prefix: prefix, createdAt: createdAt, lastUsedAt: lastUsedAt, revokedAt: revokedAt)
    }
}

public struct ApiTokenStore: Sendable {
    let sql: any SQLDatabase

    public func insert(_ token: ApiToken, secretHash: String) async throws {
        try await sql.insert(into: "api_tokens").model(
            ApiTokenRow(id: token.id.uuid, userId: token.userID.uuid, workspaceId: token.workspaceID?.uuid, name: token.name,
                        tokenHash: secretHash, prefix: token.prefix, createdAt: stored(token.createdAt), lastUsedAt: nil, revokedAt: nil),
            with: rowEncoder).run()
    }

    public func load(secretHash: String) async throws -> ApiToken? {
        try await sql.select().column("*").from("api_tokens").where("token_hash", .equal, secretHash).first(ApiTokenRow.self)?.token
    }

    public func load(_ id: ApiToken.ID, of user: User.ID) async throws -> ApiToken? {
        try await sql.select().column("*").from("api_tokens").where("id", .equal, id.uuid).where("user_id", .equal, user.uuid)
            .first(ApiTokenRow.self)?.token
    }

    public func all(of user: User.ID) async throws -> [ApiToken] {
        try await sql.select().column("*").from("api_tokens").where("user_id", .equal, user.uuid)
            .orderBy("created_at", .descending).all(ApiTokenRow.self).map(\.token)
    }

    /// Revokes every token of a person still in use; returns how many.
    @discardableResult
    public func revokeAll(of user: User.ID, at date: Date) async throws -> Int {
        let open = try await sql.select().column("id").from("api_tokens").where("user_id", .equal, user.uuid).where("revoked_at", .is, SQLLiteral.null).all()
        guard !open.isEmpty else { return 0 }
        try await sql.update("api_tokens").set("revoked_at", to: stored(date)).where("user_id", .equal, user.uuid).where("revoked_at", .is, SQLLiteral.null).run()
        return open.count
    }

    public func revoke(_ id: ApiToken.ID, at date: Date) async throws {
        try await sql.update("api_tokens").set("revoked_at", to: stored(date)).where("id", .equal, id.uuid).run()
    }

    public func markUsed(_ id: ApiToken.ID, at date: Date) async throws {
        try await sql.update("api_tokens").set("last_used_at", to: stored(date)).where("id", .equal, id.uuid).run()
    }
}

/// A single-use link handed over by hand: the first-run setup, an invitation, a password reset.
public struct OneTimeLink: Sendable, Equatable {
    public enum Purpose: String, Sendable, Codable { case setup, invitation, passwordReset }

    public var id: UUID
    public var purpose: Purpose
    public var userID: User.ID?
    public var workspaceID: Workspace.ID?
    public var createdBy: User.ID?
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?

    public init(id: UUID = UUID.fresh(), purpose: Purpose, userID: User.ID?, workspaceID: Workspace.ID?, createdBy: User.ID?,
                createdAt: Date, expiresAt: Date, usedAt: Date? = nil) {
        self.id = id
        self.purpose = purpose
        self.userID = userID
        self.workspaceID = workspaceID
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }

    public func isUsable(at date: Date) -> Bool { usedAt == nil && date < expiresAt }
}

struct OneTimeLinkRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, purpose, tokenHash = "token_hash", userId = "user_id", workspaceId = "workspace_id", createdBy = "created_by", createdAt = "created_at", expiresAt = "expires_at", usedAt = "used_at" }

    var id: UUID
    var purpose: String
    var tokenHash: String
    var userId: UUID?
    var workspaceId: UUID?
    var createdBy: UUID?
    var createdAt: Date
    var expiresAt: Date
    var usedAt: Date?

    var link: OneTimeLink? {
        guard let purpose = OneTimeLink.Purpose(rawValue: purpose) else { return nil }
        return OneTimeLink(id: id, purpose: purpose, userID: userId.map(User.ID.init), workspaceID: workspaceId.map(Workspace.ID.init),
                           createdBy: createdBy.map(User.ID.init), createdAt: createdAt, expiresAt: expiresAt, usedAt: usedAt)
    }
}

public struct OneTimeLinkStore: Sendable {
    let sql: any SQLDatabase

    public func insert(_ link: OneTimeLink, secretHash: String) async throws {
        try await sql.insert(into: "one_time_links").model(
            OneTimeLinkRow(id: link.id, purpose: link.purpose.rawValue, tokenHash: secretHash, userId: link.userID?.uuid,
                           workspaceId: link.workspaceID?.uuid, createdBy: link.createdBy?.uuid, createdAt: stored(link.createdAt),
                           expiresAt: stored(link.expiresAt), usedAt: nil), with: rowEncoder).run()
    }

    public func load(secretHash: String, purpose: OneTimeLink.Purpose, forUpdate: Bool = false) async throws -> OneTimeLink? {
        let query = sql.select().column("*").from("one_time_links").where("token_hash", .equal, secretHash).where("purpose", .equal, purpose.rawValue)
        if forUpdate { query.for(.update) }
        return try await query.first(OneTimeLinkRow.self)?.link
    }

    public func markUsed(_ id: UUID, at date: Date) async throws {
        try await sql.update("one_time_links").set("used_at", to: stored(date)).where("id", .equal, id).run()
    }

    /// Unused links of one purpose for a person (an earlier invitation is withdrawn when a new one is made).
    public func expireOpen(purpose: OneTimeLink.Purpose, user: User.ID?, at date: Date) async throws {
        let query = sql.update("one_time_links").set("expires_at", to: stored(date)).where("purpose", .equal, purpose.rawValue)
            .where("used_at", .is, SQLLiteral.null).where("expires_at", .greaterThan, stored(date))
        if let user { query.where("user_id", .equal, user.uuid) }
        try await query.run()
    }

    /// Open invitations in a workspace, for the secretariat's "my work".
    public func open(purpose: OneTimeLink.Purpose, workspace: Workspace.ID, at date: Date) async throws -> [OneTimeLink] {
        try await sql.select().column("*").from("one_time_links").where("purpose", .equal, purpose.rawValue)
            .where("workspace_id", .equal, workspace.uuid).where("used_at", .is, SQLLiteral.null)
            .where("expires_at", .greaterThan, stored(date)).orderBy("expires_at").all(OneTimeLinkRow.self).compactMap(\.link)
    }
}

/// Failed sign-ins, counted per account and per address over a sliding window.
public struct LoginFailureStore: Sendable {
    let sql: any SQLDatabase

    struct Row: Codable {
        var id: UUID
        var key: String
        var occurredAt: Date
        enum CodingKeys: String, CodingKey { case id, key, occurredAt = "occurred_at" }
    }

    /// Records one failure (or one attempt in flight) under each key; the ids let a successful
    /// attempt take its own rows back without clearing anyone else's.
    @discardableResult
    public func record(keys: [String], at date: Date) async throws -> [UUID] {
        let rows = keys.map { Row(id: UUID.fresh(), key: $0, occurredAt: stored(date)) }
        try await sql.insert(into: "login_failures").models(rows, with: rowEncoder).run()
        return rows.map(\.id)
    }

    /// Takes back the rows of an attempt that turned out right.
    public func delete(_ ids: [UUID]) async throws {
        guard !ids.isEmpty else { return }
        try await sql.delete(from: "login_failures").where("id", .in, ids).run()
    }

    /// Holds the throttle rows of `keys` until the transaction ends, so attempts on the same account
    /// or address are counted one after another (on PostgreSQL across instances; SQLite has one writer).
    public func lock(_ keys: [String]) async throws {
        for key in keys.sorted() {
            try await sql.insert(into: "throttle_keys").columns("key").values(SQLBind(key)).ignoringConflicts(with: ["key"]).run()
            try await sql.select().column("key").from("throttle_keys").where("key", .equal, SQLBind(key)).for(.update).run()
        }
    }

    /// The newest failure in the window, from which a back-off is measured.
    public func newest(key: String, since date: Date) async throws -> Date? {
        try await sql.select().column("occurred_at").from("login_failures").where("key", .equal, key)
            .where("occurred_at", .greaterThanOrEqual, stored(date)).orderBy("occurred_at", .descending).limit(1)
            .first()?.decode(column: "occurred_at", as: Date.self)
    }

    public func count(key: String, since date: Date) async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("login_failures")
            .where("key", .equal, key).where("occurred_at", .greaterThanOrEqual, stored(date))
            .first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// The oldest failure in the window, to say when trying again will work.
    public func oldest(key: String, since date: Date) async throws -> Date? {
        try await sql.select().column("occurred_at").from("login_failures").where("key", .equal, key)
            .where("occurred_at", .greaterThanOrEqual, stored(date)).orderBy("occurred_at").limit(1)
            .first()?.decode(column: "occurred_at", as: Date.self)
    }

    public func clear(key: String) async throws {
        try await sql.delete(from: "login_failures").where("key", .equal, key).run()
    }

    public func prune(before date: Date) async throws {
        try await sql.delete(from: "login_failures").where("occurred_at", .lessThan, stored(date)).run()
    }
}

extension SessionRow {
    init(_ r: RowReader) throws {
        id = try r.string("id")
        userId = try r.uuid("user_id")
        stage = try r.string("stage")
        csrfToken = try r.string("csrf_token")
        createdAt = try r.date("created_at")
        lastSeenAt = try r.date("last_seen_at")
        expiresAt = try r.date("expires_at")
        userAgent = try r.optionalString("user_agent")
    }
}

extension ApiTokenRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        userId = try r.uuid("user_id")
        workspaceId = try r.optionalUUID("workspace_id")
        name = try r.string("name")
        tokenHash = try r.string("token_hash")
        prefix = try r.string("prefix")
        createdAt = try r.date("created_at")
        lastUsedAt = try r.optionalDate("last_used_at")
        revokedAt = try r.optionalDate("revoked_at")
    }
}

extension OneTimeLinkRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        purpose = try r.string("purpose")
        tokenHash = try r.string("token_hash")
        userId = try r.optionalUUID("user_id")
        workspaceId = try r.optionalUUID("workspace_id")
        createdBy = try r.optionalUUID("created_by")
        createdAt = try r.date("created_at")
        expiresAt = try r.date("expires_at")
        usedAt = try r.optionalDate("used_at")
    }
}

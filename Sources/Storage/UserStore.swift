import Domain
import Foundation
import SQLKit

struct UserRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, email, displayName = "display_name", isAdministrator = "is_administrator", language, passwordHash = "password_hash", totpSecret = "totp_secret", totpPendingSecret = "totp_pending_secret", totpEnabled = "totp_enabled", totpLastStep = "totp_last_step", recoveryCodes = "recovery_codes", isDisabled = "is_disabled", createdAt = "created_at", updatedAt = "updated_at", version }

    var id: UUID
    var email: String
    var displayName: String
    var isAdministrator: Bool
    var language: String?
    var passwordHash: String?
    var totpSecret: String?
    var totpPendingSecret: String?
    var totpEnabled: Bool
    var totpLastStep: Int64?
    var recoveryCodes: String?
    var isDisabled: Bool
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    var user: User {
        User(id: User.ID(id), email: email, displayName: displayName, isAdministrator: isAdministrator,
             language: language.flatMap(Language.init(rawValue:)), hasPassword: passwordHash != nil,
             totpEnabled: totpEnabled, isDisabled: isDisabled, createdAt: createdAt, updatedAt: updatedAt, version: version)
    }

    var credentials: UserCredentials {
        UserCredentials(passwordHash: passwordHash, totpSecret: totpSecret, totpPendingSecret: totpPendingSecret,
                        totpLastStep: totpLastStep,
                        recoveryCodeHashes: recoveryCodes.map { $0.split(separator: ",").map(String.init) } ?? [])
    }

    init(_ user: User, _ credentials: UserCredentials) {
        id = user.id.uuid
        email = user.email
        displayName = user.displayName
        isAdministrator = user.isAdministrator
        language = user.language?.rawValue
        passwordHash = credentials.passwordHash
        totpSecret = credentials.totpSecret
        totpPendingSecret = credentials.totpPendingSecret
        totpEnabled = user.totpEnabled
        totpLastStep = credentials.totpLastStep
        recoveryCodes = credentials.recoveryCodeHashes.isEmpty ? nil : credentials.recoveryCodeHashes.joined(separator: ",")
        isDisabled = user.isDisabled
        createdAt = stored(user.createdAt)
        updatedAt = stored(user.updatedAt)
        version = user.version
    }
}

/// People who can sign in, installation-wide.
public struct UserStore: Sendable {
    let sql: any SQLDatabase
    let engine: Store.Engine

    public func count() async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("users").first()?.decode(column: "n", as: Int.self) ?? 0
    }

    public func insert(_ user: User, credentials: UserCredentials) async throws {
        try await sql.insert(into: "users").model(UserRow(user, credentials), with: rowEncoder).run()
    }

    /// Many people at once (the bulk demo path), in chunks the engines accept.
    public func insert(_ users: [(User, UserCredentials)]) async throws {
        for chunk in stride(from: 0, to: users.count, by: 500) {
            let rows = users[chunk..<min(chunk + 500, users.count)].map { UserRow($0.0, $0.1) }
            try await sql.insert(into: "users").models(rows, with: rowEncoder).run()
        }
    }

    /// Saves profile and credentials together.
    public func save(_ user: User, credentials: UserCredentials) async throws {
        var row = UserRow(user, credentials)
        row.createdAt = stored(user.createdAt)
        try await sql.update("users").set(model: row, with: rowEncoder).where("id", .equal, user.id.uuid).run()
    }

    /// Records the workspace whose secretariat created this account (by adding its address).
    public func markCreated(_ id: User.ID, in workspace: Workspace.ID) async throws {
        try await sql.update("users").set("created_in_workspace_id", to: SQLBind(workspace.uuid)).where("id", .equal, SQLBind(id.uuid)).run()
    }

    /// The workspace that created the account, if a workspace did (nil for accounts an administrator made).
    public func creatingWorkspace(of id: User.ID) async throws -> Workspace.ID? {
        try await sql.select().column("created_in_workspace_id").from("users").where("id", .equal, SQLBind(id.uuid)).first()
            .flatMap { try $0.decodeNil(column: "created_in_workspace_id") ? nil : $0.decode(column: "created_in_workspace_id", as: UUID.self) }
            .map(Workspace.ID.init)
    }

    public func load(_ id: User.ID, forUpdate: Bool = false) async throws -> User? {
        try await row(where: "id", id.uuid, forUpdate: forUpdate)?.user
    }

    public func load(email: String) async throws -> User? {
        try await row(where: "email", email.lowercased(), forUpdate: false)?.user
    }

    public func loadWithCredentials(_ id: User.ID, forUpdate: Bool = false) async throws -> (User, UserCredentials)? {
        try await row(where: "id", id.uuid, forUpdate: forUpdate).map { ($0.user, $0.credentials) }
    }

    public func loadWithCredentials(email: String) async throws -> (User, UserCredentials)? {
        try await row(where: "email", email.lowercased(), forUpdate: false).map { ($0.user, $0.credentials) }
    }

    private func row(where column: String, _ value: some Encodable & Sendable, forUpdate: Bool) async throws -> UserRow? {
        let query = sql.select().column("*").from("users").where(SQLColumn(column), .equal, SQLBind(value))
        if forUpdate { query.for(.update) }
        return try await query.first(UserRow.self)
    }

    /// Whether any account's address ends with `suffix` (compared in lower case).
    public func anyEmail(endingWith suffix: String) async throws -> Bool {
        try await sql.select().column("id").from("users").where(SQLQueryString("lower(email) LIKE \(bind: "%" + suffix.lowercased())")).limit(1).first() != nil
    }

    public func loadAll(_ ids: [User.ID]) async throws -> [User.ID: User] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().column("*").from("users").where("id", .in, ids.map(\.uuid)).all(UserRow.self)
        return Dictionary(uniqueKeysWithValues: rows.map { (User.ID($0.id), $0.user) })
    }

    /// Users by e-mail, optionally filtered by a search over e-mail and name.
    public func list(search: String?, page: PageRequest) async throws -> Page<User> {
        let query = sql.select().column("*").from("users")
        if let search = Text.nonBlank(search) {
            query.where { $0.where(lowerLike("email", search)).orWhere(lowerLike("display_name", search)) }
        }
        let listed = query.select
        if let cursor = page.cursor.flatMap(Cursor.decode) { query.where("email", .greaterThan, cursor.key) }
        let rows = try await query.orderBy("email").limit(page.limit + 1).offset(page.skip).all(UserRow.self)
        let items = rows.prefix(page.limit).map(\.user)
        let next = rows.count > page.limit ? items.last.map { Cursor(key: $0.email, id: $0.id.description).encoded } : nil
        return Page(items: Array(items), nextCursor: next, total: page.counting ? try await sql.total(listed) : nil)
    }
}

extension UserRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        email = try r.string("email")
        displayName = try r.string("display_name")
        isAdministrator = try r.bool("is_administrator")
        language = try r.optionalString("language")
        passwordHash = try r.optionalString("password_hash")
        totpSecret = try r.optionalString("totp_secret")
        totpPendingSecret = try r.optionalString("totp_pending_secret")
        totpEnabled = try r.bool("totp_enabled")
        totpLastStep = try r.optionalInt64("totp_last_step")
        recoveryCodes = try r.optionalString("recovery_codes")
        isDisabled = try r.bool("is_disabled")
        createdAt = try r.date("created_at")
        updatedAt = try r.date("updated_at")
        version = try r.int("version")
    }
}

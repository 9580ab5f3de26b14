import Domain
import Foundation
import SQLKit

struct MemberRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, workspaceId = "workspace_id", userId = "user_id", homeDepartmentId = "home_department_id", sortName = "sort_name", createdAt = "created_at", updatedAt = "updated_at", version }

    var id: UUID
    var workspaceId: UUID
    var userId: UUID
    var homeDepartmentId: UUID?
    /// The person's name as the list sorts it (kept here so the sort can use an index).
    var sortName: String
    var createdAt: Date
    var updatedAt: Date
    var version: Int
}

struct MemberJoinedRow: RowDecodable {
    enum CodingKeys: String, CodingKey { case id, workspaceId = "workspace_id", userId = "user_id", homeDepartmentId = "home_department_id", createdAt = "created_at", updatedAt = "updated_at", version, email, displayName = "display_name", passwordHash = "password_hash" }

    var id: UUID
    var workspaceId: UUID
    var userId: UUID
    var homeDepartmentId: UUID?
    var createdAt: Date
    var updatedAt: Date
    var version: Int
    var email: String
    var displayName: String
    var passwordHash: String?
}

struct RoleRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, memberId = "member_id", workspaceId = "workspace_id", role, departmentId = "department_id", expiresOn = "expires_on" }

    var id: UUID
    var memberId: UUID
    var workspaceId: UUID
    var role: String
    var departmentId: UUID?
    var expiresOn: String?

    var grant: RoleGrant? {
        guard let role = Role(rawValue: role) else { return nil }
        return RoleGrant(role: role, departmentID: departmentId.map(Department.ID.init), expiresOn: CalendarDate(stored: expiresOn))
    }
}

/// Filters for the member list.
public struct MemberFilter: Sendable, Equatable {
    public var search: String?
    public var departmentID: Department.ID?
    public var role: Role?

    public init(search: String? = nil, departmentID: Department.ID? = nil, role: Role? = nil) {
        self.search = search
        self.departmentID = departmentID
        self.role = role
    }
}

/// Memberships of one workspace with their roles.
public struct MemberStore: Sendable {
    let sql: any SQLDatabase
    let engine: Store.Engine

    /// Members sort by name (people without a name yet by e-mail), case-insensitively.
    static func sortName(_ displayName: String, _ email: String) -> String {
        (Text.nonBlank(displayName) ?? email).lowercased()
    }

    /// What the members search finds a person by (the gram index, ADR 0010).
    static func searchText(_ displayName: String, _ email: String) -> [String] { [displayName, email] }
    /// The same texts' columns, in the `users` table.
    static let searchColumns = ["display_name", "email"]
    static let searchType = "members"

    /// Keeps every membership's sort name and search grams in step with the person's name.
    public func renamed(user: User) async throws {
        try await sql.update("members").set("sort_name", to: Self.sortName(user.displayName, user.email)).where("user_id", .equal, user.id.uuid).run()
        for row in try await sql.select().column("id").column("workspace_id").from("members").where("user_id", .equal, user.id.uuid).all() {
            let reader = RowReader(row: row)
            try await SearchIndex(sql: sql).replace(record: try reader.uuid("id"), texts: Self.searchText(user.displayName, user.email), type: Self.searchType,
                                                    in: Workspace.ID(try reader.uuid("workspace_id")))
        }
    }

    public func insert(_ member: Member) async throws {
        try await sql.insert(into: "members").model(
            MemberRow(id: member.id.uuid, workspaceId: member.workspaceID.uuid, userId: member.userID.uuid,
                      homeDepartmentId: member.homeDepartmentID?.uuid, sortName: Self.sortName(member.displayName, member.email), createdAt: stored(member.createdAt),
                      updatedAt: stored(member.updatedAt), version: member.version), with: rowEncoder).run()
        try await insertGrants(member)
        try await SearchIndex(sql: sql).insert(SearchIndex.grams(Self.searchText(member.displayName, member.email)), record: member.id.uuid,
                                               type: Self.searchType, in: member.workspaceID)
    }

    /// Many memberships at once (the bulk demo path).
    public func insert(_ members: [Member]) async throws {
        for chunk in stride(from: 0, to: members.count, by: 500) {
            let slice = members[chunk..<min(chunk + 500, members.count)]
            try await sql.insert(into: "members").models(slice.map {
                MemberRow(id: $0.id.uuid, workspaceId: $0.workspaceID.uuid, userId: $0.userID.uuid, homeDepartmentId: $0.homeDepartmentID?.uuid,
                          sortName: Self.sortName($0.displayName, $0.email), createdAt: stored($0.createdAt), updatedAt: stored($0.updatedAt), version: $0.version)
            }, with: rowEncoder).run()
            let roles = slice.flatMap { member in
                member.grants.map {
                    RoleRow(id: UUID.fresh(), memberId: member.id.uuid, workspaceId: member.workspaceID.uuid, role: $0.role.rawValue,
                            departmentId: $0.departmentID?.uuid, expiresOn: $0.expiresOn?.description)
                }
            }
            if !roles.isEmpty { try await sql.insert(into: "member_roles").models(roles, with: rowEncoder).run() }
        }
        for (workspace, group) in Dictionary(grouping: members, by: \.workspaceID) {
            try await SearchIndex(sql: sql).insert(group.map { ($0.id.uuid, Self.searchText($0.displayName, $0.email)) }, type: Self.searchType, in: workspace)
        }
    }

    /// Writes only the home department and version of many members (the bulk demo history).
    public func updateHomeDepartments(_ members: [Member]) async throws {
        for member in members {
            try await sql.update("members").set("home_department_id", to: SQLBind(member.homeDepartmentID?.uuid))
                .set("updated_at", to: stored(member.updatedAt)).set("version", to: member.version)
                .where("id", .equal, member.id.uuid).run()
        }
    }

    /// Writes home department and roles, raising the version by one.
    public func update(_ member: Member) async throws -> Member {
        var next = member
        next.version += 1
        try await sql.update("members")
            .set("home_department_id", to: SQLBind(member.homeDepartmentID?.uuid))
            .set("updated_at", to: stored(member.updatedAt))
            .set("version", to: next.version)
            .where("id", .equal, member.id.uuid).where("workspace_id", .equal, member.workspaceID.uuid).run()
        try await sql.delete(from: "member_roles").where("member_id", .equal, member.id.uuid).run()
        try await insertGrants(member)
        return next
    }

    private func insertGrants(_ member: Member) async throws {
        guard !member.grants.isEmpty else { return }
        let rows = member.grants.map {
            RoleRow(id: UUID.fresh(), memberId: member.id.uuid, workspaceId: member.workspaceID.uuid, role: $0.role.rawValue,
                    departmentId: $0.departmentID?.uuid, expiresOn: $0.expiresOn?.description)
        }
        try await sql.insert(into: "member_roles").models(rows, with: rowEncoder).run()
    }

    public func delete(_ id: Member.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "member_roles").where("member_id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
        try await sql.delete(from: "members").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
        try await SearchIndex(sql: sql).delete(records: [id.uuid], type: Self.searchType, in: workspace)
    }

    private func base() -> SQLSelectBuilder {
        sql.select()
            .column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("members")))
            .column(SQLColumn("email", table: "users"))
            .column(SQLColumn("display_name", table: "users"))
            .column(SQLColumn("password_hash", table: "users"))
            .from("members")
            .join("users", on: SQLColumn("user_id", table: "members"), .equal, SQLColumn("id", table: "users"))
    }

    public func load(_ id: Member.ID, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> Member? {
        let query = base().where(SQLColumn("id", table: "members"), .equal, SQLBind(id.uuid))
            .where(SQLColumn("workspace_id", table: "members"), .equal, SQLBind(workspace.uuid))
        if forUpdate { query.for(.update) }
        guard let row = try await query.first(MemberJoinedRow.self) else { return nil }
        return try await withGrants([row]).first
    }

    public func load(user: User.ID, in workspace: Workspace.ID) async throws -> Member? {
        let query = base().where(SQLColumn("user_id", table: "members"), .equal, SQLBind(user.uuid))
            .where(SQLColumn("workspace_id", table: "members"), .equal, SQLBind(workspace.uuid))
        guard let row = try await query.first(MemberJoinedRow.self) else { return nil }
        return try await withGrants([row]).first
    }

    /// Every membership of one person, across workspaces.
    public func all(of user: User.ID) async throws -> [Member] {
        let rows = try await base().where(SQLColumn("user_id", table: "members"), .equal, SQLBind(user.uuid)).all(MemberJoinedRow.self)
        return try await withGrants(rows)
    }

    public func list(in workspace: Workspace.ID, filter: MemberFilter, page: PageRequest) async throws -> Page<Member> {
        let query = base().where(SQLColumn("workspace_id", table: "members"), .equal, SQLBind(workspace.uuid))
        let search = SearchIndex.narrow(query, to: filter.search, type: Self.searchType, in: workspace, column: SQLColumn("id", table: "members"))
        if let department = filter.departmentID {
            query.where(SQLColumn("home_department_id", table: "members"), .equal, SQLBind(department.uuid))
        }
        if let role = filter.role {
            query.where(SQLColumn("id", table: "members"), .in, SQLGroupExpression(
                sql.select().column("member_id").from("member_roles").where("role", .equal, role.rawValue)
                    .where("workspace_id", .equal, workspace.uuid).select))
        }
        let sortKey = SQLColumn("sort_name", table: "members")
        let listed = query.select
        if let cursor = page.cursor.flatMap(Cursor.decode), let id = UUID(uuidString: cursor.id) {
            query.where { group in
                group.where(sortKey, .greaterThan, SQLBind(cursor.key))
                    .orWhere { $0.where(sortKey, .equal, SQLBind(cursor.key)).where(SQLColumn("id", table: "members"), .greaterThan, SQLBind(id)) }
            }
        }
        let rows = try await query.orderBy(sortKey).orderBy(SQLColumn("id", table: "members")).limit(page.limit + 1).offset(page.skip).all(MemberJoinedRow.self)
        let items = try await withGrants(Array(rows.prefix(page.limit)))
        let next = rows.count > page.limit ? items.last.map { Cursor(key: Self.sortName($0.displayName, $0.email), id: $0.id.uuid.uuidString).encoded } : nil
        // The grams say "these pairs occur"; the texts say whether together.
        let found = search.map { search in items.filter { SearchIndex.contains(Self.searchText($0.displayName, $0.email), search.normalized) } } ?? items
        return Page(items: found, nextCursor: next, total: page.counting
                    ? try await sql.total(listed, search: search, texts: Self.searchColumns.map { SQLColumn($0, table: "users") }) : nil)
    }

    /// Every member's e-mail and user id (imports name people by e-mail).
    public func emails(in workspace: Workspace.ID) async throws -> [String: User.ID] {
        let rows = try await sql.select().column(SQLColumn("email", table: "users")).column(SQLColumn("id", table: "users")).from("members")
            .join("users", on: SQLColumn("user_id", table: "members"), .equal, SQLColumn("id", table: "users"))
            .where(SQLColumn("workspace_id", table: "members"), .equal, SQLBind(workspace.uuid)).all()
        var result: [String: User.ID] = [:]
        for row in rows {
            let reader = RowReader(row: row)
            result[try reader.string("email")] = User.ID(try reader.uuid("id"))
        }
        return result
    }

    public func count(in workspace: Workspace.ID) async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("members")
            .where("workspace_id", .equal, workspace.uuid).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Members holding a role (e.g. every secretariat member), for notifications and rules.
    public func all(holding role: Role, in workspace: Workspace.ID) async throws -> [Member] {
        let rows = try await base().where(SQLColumn("workspace_id", table: "members"), .equal, SQLBind(workspace.uuid))
            .where(SQLColumn("id", table: "members"), .in, SQLGroupExpression(
                sql.select().column("member_id").from("member_roles").where("role", .equal, role.rawValue)
                    .where("workspace_id", .equal, workspace.uuid).select))
            .all(MemberJoinedRow.self)
        return try await withGrants(rows)
    }

    /// Every member of a workspace with their roles, in name order (an audience, a completion table).
    public func all(in workspace: Workspace.ID) async throws -> [Member] {
        let rows = try await base().where(SQLColumn("workspace_id", table: "members"), .equal, SQLBind(workspace.uuid))
            .orderBy(SQLColumn("sort_name", table: "members")).all(MemberJoinedRow.self)
        let roleRows = try await sql.select().column("*").from("member_roles").where("workspace_id", .equal, SQLBind(workspace.uuid)).all(RoleRow.self)
        return try await withGrants(rows, roles: roleRows)
    }

    private func withGrants(_ rows: [MemberJoinedRow], roles: [RoleRow]? = nil) async throws -> [Member] {
        guard !rows.isEmpty else { return [] }
        let roleRows: [RoleRow]
        if let roles { roleRows = roles } else { roleRows = try await sql.select().column("*").from("member_roles").where("member_id", .in, rows.map(\.id)).all(RoleRow.self) }
        let grouped = Dictionary(grouping: roleRows, by: \.memberId)
        return rows.map { row in
            let grants = (grouped[row.id] ?? []).compactMap(\.grant)
                .sorted { Role.allCases.firstIndex(of: $0.role)! < Role.allCases.firstIndex(of: $1.role)! }
            return Member(id: Member.ID(row.id), workspaceID: Workspace.ID(row.workspaceId), userID: User.ID(row.userId),
                          email: row.email, displayName: row.displayName, homeDepartmentID: row.homeDepartmentId.map(Department.ID.init),
                          grants: grants, isActivated: row.passwordHash != nil,
                          createdAt: row.createdAt, updatedAt: row.updatedAt, version: row.version)
        }
    }
}

extension MemberRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        workspaceId = try r.uuid("workspace_id")
        userId = try r.uuid("user_id")
        homeDepartmentId = try r.optionalUUID("home_department_id")
        sortName = try r.string("sort_name")
        createdAt = try r.date("created_at")
        updatedAt = try r.date("updated_at")
        version = try r.int("version")
    }
}

extension MemberJoinedRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        workspaceId = try r.uuid("workspace_id")
        userId = try r.uuid("user_id")
        homeDepartmentId = try r.optionalUUID("home_department_id")
        createdAt = try r.date("created_at")
        updatedAt = try r.date("updated_at")
        version = try r.int("version")
        email = try r.string("email")
        displayName = try r.string("display_name")
        passwordHash = try r.optionalString("password_hash")
    }
}

extension RoleRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        memberId = try r.uuid("member_id")
        workspaceId = try r.uuid("workspace_id")
        role = try r.string("role")
        departmentId = try r.optionalUUID("department_id")
        expiresOn = try r.optionalString("expires_on")
    }
}

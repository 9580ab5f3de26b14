import Domain
import Foundation
import SQLKit

struct DepartmentRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, workspaceId = "workspace_id", name, nameKey = "name_key", code, description, createdAt = "created_at", updatedAt = "updated_at", version }

    var id: UUID
    var workspaceId: UUID
    var name: String
    var nameKey: String
    var code: String?
    var description: String?
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    init(_ d: Department) {
        id = d.id.uuid
        workspaceId = d.workspaceID.uuid
        name = d.name
        nameKey = DepartmentStore.key(d.name)
        code = d.code
        description = d.description
        createdAt = stored(d.createdAt)
        updatedAt = stored(d.updatedAt)
        version = d.version
    }

    var department: Department {
        Department(id: Department.ID(id), workspaceID: Workspace.ID(workspaceId), name: name, code: code, description: description,
                   createdAt: createdAt, updatedAt: updatedAt, version: version)
    }
}

/// Departments of one workspace. Every call names the workspace.
public struct DepartmentStore: Sendable {
    let sql: any SQLDatabase
    let engine: Store.Engine

    /// Names are unique per workspace regardless of case and surrounding space.
    static func key(_ name: String) -> String { Text.trimmed(name).lowercased() }

    public func insert(_ department: Department) async throws {
        try await sql.insert(into: "departments").model(DepartmentRow(department), with: rowEncoder).run()
    }

    public func delete(_ id: Department.ID, in workspace: Workspace.ID) async throws {
        try await sql.delete(from: "departments").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid).run()
    }

    public func load(_ id: Department.ID, in workspace: Workspace.ID, forUpdate: Bool = false) async throws -> Department? {
        let query = sql.select().column("*").from("departments").where("id", .equal, id.uuid).where("workspace_id", .equal, workspace.uuid)
        if forUpdate { query.for(.update) }
        return try await query.first(DepartmentRow.self)?.department
    }

    public func load(named name: String, in workspace: Workspace.ID) async throws -> Department? {
        try await sql.select().column("*").from("departments").where("workspace_id", .equal, workspace.uuid)
            .where("name_key", .equal, Self.key(name)).first(DepartmentRow.self)?.department
    }

    /// Every department of the workspace in `Department.ordered` order (for pickers and imports;
    /// workspaces have tens or hundreds, not thousands).
    public func all(in workspace: Workspace.ID) async throws -> [Department] {
        Department.ordered(try await sql.select().column("*").from("departments").where("workspace_id", .equal, workspace.uuid)
            .all(DepartmentRow.self).map(\.department))
    }

    /// A page of departments in the same order; the cursor is the last one's sort key.
    public func list(in workspace: Workspace.ID, search: String?, page: PageRequest) async throws -> Page<Department> {
        let query = sql.select().column("*").from("departments").where("workspace_id", .equal, workspace.uuid)
        if let search = Text.nonBlank(search) {
            query.where { $0.where(lowerLike("name", search)).orWhere(lowerLike("code", search)) }
        }
        var all = Department.ordered(try await query.all(DepartmentRow.self).map(\.department))
        let total = all.count
        if let cursor = page.cursor.flatMap(Cursor.decode) { all = all.filter { $0.sortKey > cursor.key } }
        if let skip = page.skip { all = Array(all.dropFirst(skip)) }
        let items = Array(all.prefix(page.limit))
        let next = all.count > page.limit ? items.last.map { Cursor(key: $0.sortKey, id: $0.id.description).encoded } : nil
        return Page(items: items, nextCursor: next, total: page.counting ? total : nil)
    }

    public func count(in workspace: Workspace.ID) async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("departments")
            .where("workspace_id", .equal, workspace.uuid).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// How many members and role grants still point at a department (it cannot be deleted while any do).
    public func usage(_ id: Department.ID, in workspace: Workspace.ID) async throws -> Int {
        let members = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("members")
            .where("workspace_id", .equal, workspace.uuid).where("home_department_id", .equal, id.uuid)
            .first()?.decode(column: "n", as: Int.self) ?? 0
        let roles = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("member_roles")
            .where("workspace_id", .equal, workspace.uuid).where("department_id", .equal, id.uuid)
            .first()?.decode(column: "n", as: Int.self) ?? 0
        let assets = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("assets")
            .where("workspace_id", .equal, workspace.uuid).where("department_id", .equal, id.uuid)
            .first()?.decode(column: "n", as: Int.self) ?? 0
        return members + roles + assets
    }
}

extension DepartmentRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        workspaceId = try r.uuid("workspace_id")
        name = try r.string("name")
        nameKey = try r.string("name_key")
        code = try r.optionalString("code")
        description = try r.optionalString("description")
        createdAt = try r.date("created_at")
        updatedAt = try r.date("updated_at")
        version = try r.int("version")
    }
}

extension DepartmentStore: RecordKeeping {
    public func add(_ record: Department) async throws { try await insert(record) }
    /// Writes the department as given (the version is bumped by `Writer.change`).
    public func save(_ record: Department) async throws {
        try await sql.update("departments").set(model: DepartmentRow(record), with: rowEncoder)
            .where("id", .equal, record.id.uuid).where("workspace_id", .equal, record.workspaceID.uuid).run()
    }
    public func remove(_ id: Department.ID, in workspace: Workspace.ID) async throws { try await delete(id, in: workspace) }
}

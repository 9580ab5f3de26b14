import Domain
import Foundation
import SQLKit

struct WorkspaceRow: Encodable, RowDecodable {
    enum CodingKeys: String, CodingKey { case id, slug, name, organizationName = "organization_name", scopeStatement = "scope_statement", sites, certificationBody = "certification_body", certificateNumber = "certificate_number", initialCertificationDate = "initial_certification_date", certificateIssuedOn = "certificate_issued_on", certificateExpiresOn = "certificate_expires_on", timeZone = "time_zone", fiscalYearStartMonth = "fiscal_year_start_month", createdAt = "created_at", updatedAt = "updated_at", version }

    var id: UUID
    var slug: String
    var name: String
    var organizationName: String?
    var scopeStatement: String?
    var sites: String?
    var certificationBody: String?
    var certificateNumber: String?
    var initialCertificationDate: String?
    var certificateIssuedOn: String?
    var certificateExpiresOn: String?
    var timeZone: String
    var fiscalYearStartMonth: Int
    var createdAt: Date
    var updatedAt: Date
    var version: Int

    init(_ w: Workspace) {
        id = w.id.uuid
        slug = w.slug
        name = w.name
        organizationName = w.organizationName
        scopeStatement = w.scopeStatement
        sites = w.sites
        certificationBody = w.certificationBody
        certificateNumber = w.certificateNumber
        initialCertificationDate = w.initialCertificationDate?.description
        certificateIssuedOn = w.certificateIssuedOn?.description
        certificateExpiresOn = w.certificateExpiresOn?.description
        timeZone = w.timeZone
        fiscalYearStartMonth = w.fiscalYearStartMonth
        createdAt = stored(w.createdAt)
        updatedAt = stored(w.updatedAt)
        version = w.version
    }

    var workspace: Workspace {
        Workspace(id: Workspace.ID(id), slug: slug, name: name, organizationName: organizationName, scopeStatement: scopeStatement,
                  sites: sites, certificationBody: certificationBody, certificateNumber: certificateNumber,
                  initialCertificationDate: CalendarDate(stored: initialCertificationDate),
                  certificateIssuedOn: CalendarDate(stored: certificateIssuedOn), certificateExpiresOn: CalendarDate(stored: certificateExpiresOn), timeZone: timeZone,
                  fiscalYearStartMonth: fiscalYearStartMonth, createdAt: createdAt, updatedAt: updatedAt, version: version)
    }
}

/// Workspaces (one ISMS each). The only store whose records are not themselves scoped to a workspace.
public struct WorkspaceStore: Sendable {
    let sql: any SQLDatabase
    let engine: Store.Engine

    public func insert(_ workspace: Workspace) async throws {
        try await sql.insert(into: "workspaces").model(WorkspaceRow(workspace), with: rowEncoder).run()
    }

    /// Writes the workspace with its version raised by one and returns what was written.
    public func update(_ workspace: Workspace) async throws -> Workspace {
        var next = workspace
        next.version += 1
        try await sql.update("workspaces").set(model: WorkspaceRow(next), with: rowEncoder).where("id", .equal, workspace.id.uuid).run()
        return next
    }

    public func load(slug: String, forUpdate: Bool = false) async throws -> Workspace? {
        let query = sql.select().column("*").from("workspaces").where("slug", .equal, slug.lowercased())
        if forUpdate { query.for(.update) }
        return try await query.first(WorkspaceRow.self)?.workspace
    }

    public func load(_ id: Workspace.ID) async throws -> Workspace? {
        try await sql.select().column("*").from("workspaces").where("id", .equal, id.uuid).first(WorkspaceRow.self)?.workspace
    }

    public func slugExists(_ slug: String) async throws -> Bool {
        try await sql.select().column("id").from("workspaces").where("slug", .equal, slug).first() != nil
    }

    public func all() async throws -> [Workspace] {
        try await sql.select().column("*").from("workspaces").orderBy("name").orderBy("slug").all(WorkspaceRow.self).map(\.workspace)
    }

    /// The workspaces a person belongs to, by name.
    public func all(memberOf user: User.ID) async throws -> [Workspace] {
        try await sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier("workspaces"))).from("workspaces")
            .join("members", on: SQLColumn("workspace_id", table: "members"), .equal, SQLColumn("id", table: "workspaces"))
            .where(SQLColumn("user_id", table: "members"), .equal, SQLBind(user.uuid))
            .orderBy(SQLColumn("name", table: "workspaces")).all(WorkspaceRow.self).map(\.workspace)
    }
}

extension WorkspaceRow {
    init(_ r: RowReader) throws {
        id = try r.uuid("id")
        slug = try r.string("slug")
        name = try r.string("name")
        organizationName = try r.optionalString("organization_name")
        scopeStatement = try r.optionalString("scope_statement")
        sites = try r.optionalString("sites")
        certificationBody = try r.optionalString("certification_body")
        certificateNumber = try r.optionalString("certificate_number")
        initialCertificationDate = try r.optionalString("initial_certification_date")
        certificateIssuedOn = try r.optionalString("certificate_issued_on")
        certificateExpiresOn = try r.optionalString("certificate_expires_on")
        timeZone = try r.string("time_zone")
        fiscalYearStartMonth = try r.int("fiscal_year_start_month")
        createdAt = try r.date("created_at")
        updatedAt = try r.date("updated_at")
        version = try r.int("version")
    }
}

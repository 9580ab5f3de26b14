import Domain
import Features
import Foundation
import Storage
import Vapor

/// `/api/v1/workspaces/{slug}/members` and `/audit-events`.
struct MemberAPI {
    let registry: APIRegistry

    func register(_ routes: any RoutesBuilder) {
        let base: [PathComponent] = ["api", "v1", "workspaces", ":slug", "members"]
        routes.api(.GET, base, access: .workspace(.membersRead), registry: registry,
                   operation: .init(id: "listMembers", summary: "Members, by name", tag: "Members",
                                    parameters: [Parameters.query("q", "Search in name and e-mail"),
                                                 Parameters.query("department", "Home department id", schema: .string(format: "uuid")),
                                                 Parameters.query("role", "Holding this role", schema: .string(enumValues: APISchemas.roles)),
                                                 Query.limit, Query.cursor],
                                    responses: [(200, "A page of members", "MemberList", false)]), use: list)
        routes.api(.POST, base, access: .workspace(.membersManage), registry: registry,
                   operation: .init(id: "addMember", summary: "Add a person by e-mail; someone new gets an invitation link", tag: "Members",
                                    body: ("MemberCreate", "application/json"), responses: [(201, "Added", "Member", true)]), use: create)
        routes.api(.POST, base + ["import"], access: .workspace(.membersManage), registry: registry,
                   operation: .init(id: "importMembers", summary: "Import members from CSV (all or nothing)", tag: "Members",
                                    parameters: [Parameters.query("dryRun", "true: check every row and report, write nothing", schema: ["type": "boolean"]), Parameters.importMap, Parameters.importHeaderRow],
                                    body: ("", "text/csv"), responses: [(200, "What was (or would be) done per row", "ImportReport", false)]),
                   body: .collect(maxSize: "5mb"), use: importCSV)
        routes.api(.GET, base + [":memberId"], access: .workspace(.membersRead), registry: registry,
                   operation: .init(id: "getMember", summary: "A member", tag: "Members", responses: [(200, "The member", "Member", true)]), use: get)
        routes.api(.PATCH, base + [":memberId"], access: .workspace(.membersManage), registry: registry,
                   operation: .init(id: "updateMember", summary: "Change a member's home department and roles", tag: "Members", parameters: [Query.ifMatch],
                                    body: ("MemberPatch", "application/json"),
                                    responses: [(200, "Updated", "Member", true), (409, "Changed since your GET", "Problem", false),
                                                (428, "If-Match is missing", "Problem", false)]), use: update)
        routes.api(.DELETE, base + [":memberId"], access: .workspace(.membersManage), registry: registry,
                   operation: .init(id: "removeMember", summary: "Remove a membership (the account stays)", tag: "Members", parameters: [Query.ifMatchOptional],
                                    responses: [(204, "Removed", nil, false), (409, "Changed since your GET", "Problem", false),
                                                (422, "Refused by a rule, e.g. removing yourself", "Problem", false)]), use: delete)
        routes.api(.GET, ["api", "v1", "workspaces", ":slug", "audit-events"], access: .workspace(.auditTrailRead), registry: registry,
                   operation: .init(id: "listAuditEvents", summary: "The workspace's audit trail, newest first", tag: "Audit trail",
                                    parameters: [Parameters.query("actor", "User id of the person who acted", schema: .string(format: "uuid")),
                                                 Parameters.query("entityType", "Record type, e.g. member"), Parameters.query("entityId", "Record id"),
                                                 Parameters.query("action", "e.g. create, update, delete"),
                                                 Parameters.query("from", "From this instant (date-time) or day (date, workspace time zone)"),
                                                 Parameters.query("until", "Before this instant (date-time) or up to and including this day"),
                                                 Query.limit, Query.cursor],
                                    responses: [(200, "A page of events", "AuditEventList", false)]), use: auditEvents)
    }

    @Sendable func list(_ req: Request) async throws -> JSONBody<ListResource<MemberResource>> {
        var v = Validator()
        var filter = MemberFilter(search: req.queryValue("q"))
        if let raw = req.queryValue("department"), !raw.isEmpty {
            if let id = Department.ID(raw) { filter.departmentID = id } else { v.add("department", "error.format") }
        }
        if let raw = req.queryValue("role"), !raw.isEmpty {
            if let role = Role(rawValue: raw) { filter.role = role } else { v.add("role", "error.choice") }
        }
        try v.check()
        let page = try await Members(req.meguri).list(try req.access(), filter: filter, page: try req.pageRequest())
        return JSONBody(value: ListResource(items: page.items.map { MemberResource($0) }, nextCursor: page.nextCursor))
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let body = try req.content.decode(MemberCreateRequest.self)
        let access = try req.access()
        let added = try await Members(req.meguri).add(access, email: body.email, displayName: body.displayName, homeDepartmentID: body.homeDepartmentId,
                                                        roles: (body.roles ?? []).map { RawGrant(role: $0.role, departmentID: $0.departmentId, expiresOn: $0.expiresOn) },
                                                        context: try req.context())
        let url = added.invitationSecret.map { "\(PageContext(request: req).baseURL)/invitation/\($0)" }
        return try await json(MemberResource(added.member, invitationURL: url), status: .created, etag: added.member.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/members/\(added.member.id)", for: req)
    }

    @Sendable func get(_ req: Request) async throws -> Response {
        let member = try await Members(req.meguri).load(try req.access(), try req.id("memberId", Member.ID.self, entity: "member"))
        return try await json(MemberResource(member), etag: member.version, for: req)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let id = try req.id("memberId", Member.ID.self, entity: "member")
        let version = try req.ifMatchVersion()
        let body = try req.content.decode(MemberPatchRequest.self)
        let member = try await Members(req.meguri).update(try req.access(), id, homeDepartmentID: body.homeDepartmentId.map { $0 ?? "" },
                                                            roles: body.roles.map { $0.map { RawGrant(role: $0.role, departmentID: $0.departmentId, expiresOn: $0.expiresOn) } },
                                                            expectedVersion: version, context: try req.context())
        return try await json(MemberResource(member), etag: member.version, for: req)
    }

    @Sendable func delete(_ req: Request) async throws -> HTTPStatus {
        let id = try req.id("memberId", Member.ID.self, entity: "member")
        let version = req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion()
        try await Members(req.meguri).remove(try req.access(), id, expectedVersion: version, context: try req.context())
        return .noContent
    }

    @Sendable func importCSV(_ req: Request) async throws -> JSONBody<ImportReportResource> {
        guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw DomainError.invalid(field: "file", code: "error.fileRequired") }
        let dryRun = try parseBool(req.queryValue("dryRun"), field: "dryRun")
        let report = try await Members(req.meguri).importCSV(try req.access(), data: Data(buffer: buffer), options: try req.importOptions(), dryRun: dryRun,
                                                              context: try req.context())
        let base = PageContext(request: req).baseURL
        return JSONBody(value: ImportReportResource(dryRun: report.dryRun, rows: report.rows.map {
            .init(row: $0.number, record: $0.email, outcome: $0.outcome.rawValue, invitationUrl: $0.invitationSecret.map { "\(base)/invitation/\($0)" })
        }, mapping: report.mapping))
    }

    @Sendable func auditEvents(_ req: Request) async throws -> JSONBody<ListResource<AuditEventResource>> {
        let access = try req.access()
        var v = Validator()
        var filter = AuditFilter(entityType: Text.nonBlank(req.queryValue("entityType")), entityID: Text.nonBlank(req.queryValue("entityId")),
                                 action: Text.nonBlank(req.queryValue("action")))
        if let raw = Text.nonBlank(req.queryValue("actor")) {
            if let id = User.ID(raw) { filter.actorUserID = id } else { v.add("actor", "error.format") }
        }
        for (name, isUntil) in [("from", false), ("until", true)] {
            guard let raw = Text.nonBlank(req.queryValue(name)) else { continue }
            if let instant = try? Date(raw, strategy: .iso8601) {
                if isUntil { filter.until = instant } else { filter.from = instant }
            } else if let day = CalendarDate(raw), raw.count == 10 {
                let start = (isUntil ? day.adding(days: 1) : day).start(in: access.workspace.zone)
                if isUntil { filter.until = start } else { filter.from = start }
            } else {
                v.add(name, "error.date")
            }
        }
        try v.check()
        let page = try await AuditTrail(req.meguri).list(access, filter: filter, page: try req.pageRequest())
        return JSONBody(value: ListResource(items: page.items.map(AuditEventResource.init), nextCursor: page.nextCursor))
    }
}

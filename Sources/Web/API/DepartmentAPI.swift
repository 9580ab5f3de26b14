import Domain
import Features
import Foundation
import Vapor

/// `/api/v1/workspaces/{slug}/departments`.
struct DepartmentAPI {
    let registry: APIRegistry

    func register(_ routes: any RoutesBuilder) {
        let base: [PathComponent] = ["api", "v1", "workspaces", ":slug", "departments"]
        routes.api(.GET, base, access: .workspace(.workspaceRead), registry: registry,
                   operation: .init(id: "listDepartments", summary: "Departments, by name", tag: "Departments",
                                    parameters: [Parameters.query("q", "Search in name and code"), Query.limit, Query.cursor],
                                    responses: [(200, "A page of departments", "DepartmentList", false)]), use: list)
        routes.api(.POST, base, access: .workspace(.membersManage), registry: registry,
                   operation: .init(id: "createDepartment", summary: "Create a department", tag: "Departments", body: ("DepartmentCreate", "application/json"),
                                    responses: [(201, "Created", "Department", true)]), use: create)
        routes.api(.POST, base + ["import"], access: .workspace(.membersManage), registry: registry,
                   operation: .init(id: "importDepartments", summary: "Import departments from CSV (all or nothing)", tag: "Departments",
                                    parameters: [Parameters.query("dryRun", "true: check every row and report, write nothing", schema: ["type": "boolean"]), Parameters.importMap, Parameters.importHeaderRow],
                                    body: ("", "text/csv"), responses: [(200, "What was (or would be) done per row", "ImportReport", false)]),
                   body: .collect(maxSize: "5mb"), use: importCSV)
        routes.api(.GET, base + [":departmentId"], access: .workspace(.workspaceRead), registry: registry,
                   operation: .init(id: "getDepartment", summary: "A department", tag: "Departments",
                                    responses: [(200, "The department", "Department", true)]), use: get)
        routes.api(.PATCH, base + [":departmentId"], access: .workspace(.membersManage), registry: registry,
                   operation: .init(id: "updateDepartment", summary: "Change a department", tag: "Departments", parameters: [Query.ifMatch],
                                    body: ("DepartmentPatch", "application/json"),
                                    responses: [(200, "Updated", "Department", true), (409, "Changed since your GET", "Problem", false),
                                                (428, "If-Match is missing", "Problem", false)]), use: update)
        routes.api(.DELETE, base + [":departmentId"], access: .workspace(.membersManage), registry: registry,
                   operation: .init(id: "deleteDepartment", summary: "Delete a department no member refers to", tag: "Departments",
                                    parameters: [Query.ifMatchOptional],
                                    responses: [(204, "Deleted", nil, false), (409, "Changed since your GET", "Problem", false),
                                                (422, "Still in use", "Problem", false)]), use: delete)
    }

    @Sendable func list(_ req: Request) async throws -> JSONBody<ListResource<DepartmentResource>> {
        let page = try await Departments(req.meguri).list(try req.access(), search: req.queryValue("q"), page: try req.pageRequest())
        return JSONBody(value: ListResource(items: page.items.map(DepartmentResource.init), nextCursor: page.nextCursor))
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let body = try req.content.decode(DepartmentRequest.self)
        let access = try req.access()
        let department = try await Departments(req.meguri).create(access, body.input, context: try req.context())
        return try await json(DepartmentResource(department), status: .created, etag: department.version,
                              location: "/api/v1/workspaces/\(access.workspace.slug)/departments/\(department.id)", for: req)
    }

    @Sendable func get(_ req: Request) async throws -> Response {
        let department = try await Departments(req.meguri).load(try req.access(), try req.id("departmentId", Department.ID.self, entity: "department"))
        return try await json(DepartmentResource(department), etag: department.version, for: req)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let id = try req.id("departmentId", Department.ID.self, entity: "department")
        let version = try req.ifMatchVersion()
        let body = try req.content.decode(DepartmentRequest.self)
        let department = try await Departments(req.meguri).update(try req.access(), id, body.input, expectedVersion: version, context: try req.context())
        return try await json(DepartmentResource(department), etag: department.version, for: req)
    }

    @Sendable func delete(_ req: Request) async throws -> HTTPStatus {
        let id = try req.id("departmentId", Department.ID.self, entity: "department")
        let version = req.headers.first(name: .ifMatch) == nil ? nil : try req.ifMatchVersion()
        try await Departments(req.meguri).delete(try req.access(), id, expectedVersion: version, context: try req.context())
        return .noContent
    }

    @Sendable func importCSV(_ req: Request) async throws -> JSONBody<ImportReportResource> {
        guard let buffer = req.body.data, buffer.readableBytes > 0 else { throw DomainError.invalid(field: "file", code: "error.fileRequired") }
        let dryRun = try parseBool(req.queryValue("dryRun"), field: "dryRun")
        let result = try await Departments(req.meguri).importFile(try req.access(), data: Data(buffer: buffer), options: try req.importOptions(), dryRun: dryRun,
                                                                   context: try req.context())
        return JSONBody(value: TableDownloads.report(result))
    }
}

func parseBool(_ raw: String?, field: String) throws -> Bool {
    guard let raw, !raw.isEmpty else { return false }
    switch raw.lowercased() {
    case "true", "1", "yes": return true
    case "false", "0", "no": return false
    default: throw DomainError.invalid(field: field, code: "error.boolean")
    }
}

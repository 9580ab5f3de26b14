import Domain
import Features
import Foundation
import Storage
import Vapor

/// `/api/v1/me`, `/api/v1/workspaces` and `/api/v1/workspaces/{slug}`.
struct WorkspaceAPI {
    let registry: APIRegistry

    func register(_ routes: any RoutesBuilder) {
        routes.api(.GET, ["api", "v1", "me"], access: .signedIn, registry: registry,
                   operation: .init(id: "getMe", summary: "The person behind the token, with their workspaces and roles", tag: "Account",
                                    responses: [(200, "You", "Me", false)]), use: me)
        routes.api(.GET, ["api", "v1", "workspaces"], access: .signedIn, registry: registry,
                   operation: .init(id: "listWorkspaces", summary: "The workspaces you belong to (all of them for an administrator)", tag: "Workspaces",
                                    responses: [(200, "Your workspaces", "WorkspaceList", false)]), use: list)
        routes.api(.POST, ["api", "v1", "workspaces"], access: .administrator, registry: registry,
                   operation: .init(id: "createWorkspace", summary: "Create a workspace (installation administrators)", tag: "Workspaces",
                                    body: ("WorkspaceCreate", "application/json"),
                                    responses: [(201, "Created", "Workspace", true)]), use: create)
        routes.api(.GET, ["api", "v1", "workspaces", ":slug"], access: .workspace(.workspaceRead), registry: registry,
                   operation: .init(id: "getWorkspace", summary: "A workspace's profile", tag: "Workspaces",
                                    responses: [(200, "The workspace", "Workspace", true)]), use: get)
        routes.api(.PATCH, ["api", "v1", "workspaces", ":slug"], access: .workspace(.workspaceManage), registry: registry,
                   operation: .init(id: "updateWorkspace", summary: "Change a workspace's profile", tag: "Workspaces", parameters: [Query.ifMatch],
                                    body: ("WorkspacePatch", "application/json"),
                                    responses: [(200, "Updated", "Workspace", true), (409, "Changed by someone else since your GET", "Problem", false),
                                                (428, "If-Match is missing", "Problem", false)]), use: update)
    }

    @Sendable func me(_ req: Request) async throws -> JSONBody<MeResource> {
        let user = try req.requireUser()
        var tokenWorkspace: Workspace.ID? = nil
        if case .token(let token, _) = req.principal { tokenWorkspace = token.workspaceID }
        let workspaces = try await Access.workspaces(of: user, services: req.meguri).filter { tokenWorkspace == nil || $0.id == tokenWorkspace }
        let memberships = try await People(req.meguri).memberships(of: user)
        let grants = Dictionary(uniqueKeysWithValues: memberships.map { ($0.workspaceID, $0.grants) })
        return JSONBody(value: MeResource(id: user.id.description, email: user.email, displayName: user.displayName, isAdministrator: user.isAdministrator,
                          language: user.language?.rawValue, totpEnabled: user.totpEnabled,
                          workspaces: workspaces.map { .init(slug: $0.slug, name: $0.name, roles: (grants[$0.id] ?? []).map(RoleGrantResource.init)) }))
    }

    @Sendable func list(_ req: Request) async throws -> JSONBody<ListResource<WorkspaceResource>> {
        let user = try req.requireUser()
        var tokenWorkspace: Workspace.ID? = nil
        if case .token(let token, _) = req.principal { tokenWorkspace = token.workspaceID }
        let workspaces = try await Access.workspaces(of: user, services: req.meguri).filter { tokenWorkspace == nil || $0.id == tokenWorkspace }
        return JSONBody(value: ListResource(items: workspaces.map(WorkspaceResource.init), nextCursor: nil))
    }

    @Sendable func create(_ req: Request) async throws -> Response {
        let body = try req.content.decode(WorkspaceRequest.self)
        let workspace = try await Workspaces(req.meguri).create(body.input, by: try req.requireUser(), context: try req.context())
        return try await json(WorkspaceResource(workspace), status: .created, etag: workspace.version, location: "/api/v1/workspaces/\(workspace.slug)", for: req)
    }

    @Sendable func get(_ req: Request) async throws -> Response {
        let workspace = try req.access().workspace
        return try await json(WorkspaceResource(workspace), etag: workspace.version, for: req)
    }

    @Sendable func update(_ req: Request) async throws -> Response {
        let version = try req.ifMatchVersion()
        let body = try req.content.decode(WorkspaceRequest.self)
        let workspace = try await Workspaces(req.meguri).update(try req.access(), body.input, expectedVersion: version, context: try req.context())
        return try await json(WorkspaceResource(workspace), etag: workspace.version, for: req)
    }
}
